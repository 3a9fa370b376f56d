"""Every command's --help, --version and progress line, as a new user meets them."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from idcard import __version__, cli
from idcard.progress import Progress
from mock_card.pytest_plugin import make_card
from reader.emulated import register_card, unregister_card
from tests.e2e.test_cli import idcard, mock_card

SUBCOMMANDS = sorted(cli.build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_the_walk_covers_every_command() -> None:
    assert {"readers", "read", "pin", "verify-document", "trust", "sign", "serve", "auth", "token",
            "verify-token", "demo"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_option_has_help_text(command: str) -> None:
    sub = cli.build_parser()._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and action.help != argparse.SUPPRESS, f"{command} {action.option_strings or action.dest}"
    assert sub.description, command


def test_help_of_every_command_lists_exit_codes_and_version() -> None:
    # One process per command would cost seconds; the parser is what --help prints.
    for command in [None, *SUBCOMMANDS]:
        args = [command, "--help"] if command else ["--help"]
        out = io.StringIO()
        saved = sys.stdout
        sys.stdout = out
        try:
            assert cli.main(args) == 0
        finally:
            sys.stdout = saved
        text = out.getvalue()
        assert "exit codes:" in text and "4  PIN problem" in text and "5  untrusted" in text, command
        assert "--version" in text and "--quiet" in text, command


def test_help_and_version_as_a_process() -> None:
    top = idcard("--help")
    assert top.returncode == 0 and "exit codes:" in top.stdout and "verify-token" in top.stdout
    for command in ("read", "sign", "serve"):
        version = idcard(command, "--version")
        assert version.returncode == 0 and version.stdout.strip() == f"idcard {__version__}", command


def test_verbose_after_the_command_counts() -> None:
    args = cli.build_parser().parse_args(["read", "-v", "--pin-stdin"])
    assert args.verbose is True and args.quiet is False
    args = cli.build_parser().parse_args(["-v", "read"])
    assert args.verbose is True  # not undone by the subcommand's default


def test_trust_takes_several_paths_after_one_option(tmp_path: Path) -> None:
    anchors = tmp_path / "anchors"
    assert mock_card("pki", "--out", str(anchors)).returncode == 0
    files = sorted(str(p) for p in anchors.iterdir() if p.suffix in (".pem", ".der", ".crt", ".cer"))
    assert len(files) >= 2, list(anchors.iterdir())
    args = cli.build_parser().parse_args(["read", "--trust", *files[:2], "--trust", str(anchors)])
    assert args.trust == [*files[:2], str(anchors)]
    out = idcard("read", "--reader", "emulator:demo", "--pin-stdin", "--no-photo", "--json", "--trust", *files,
                 stdin="123456\n")
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["verdict"]["verified"] is True


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal_for_a_slow_read(monkeypatch: pytest.MonkeyPatch) -> None:
    name = register_card(make_card(latency=0.1))  # some two seconds for the whole read
    terminal = FakeTerminal()
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("123456\n"))
        monkeypatch.setattr(sys, "stderr", terminal)
        code = cli.main(["read", "--reader", name, "--pin-stdin"])
    finally:
        unregister_card(name)
    assert code in (0, 5)
    text = terminal.getvalue()
    assert "\rReading the card… " in text and " KB, " in text
    assert text.rstrip(" ").endswith("\r")  # the line is cleared before the result


def test_progress_stays_off_with_quiet_and_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    name = register_card(make_card(latency=0.03))
    terminal = FakeTerminal()
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("123456\n"))
        monkeypatch.setattr(sys, "stderr", terminal)
        assert cli.main(["read", "--reader", name, "--pin-stdin", "--quiet"]) in (0, 5)
    finally:
        unregister_card(name)
    assert "Reading" not in terminal.getvalue()
    pipe = io.StringIO()  # not a terminal
    with Progress("Reading", lambda: 1024, stream=pipe, show_after=0):
        pass
    assert pipe.getvalue() == ""


def test_progress_is_silent_for_quick_operations() -> None:
    terminal = FakeTerminal()
    with Progress("Reading", lambda: 2048, stream=terminal):
        pass  # far under a second
    assert terminal.getvalue() == ""
