"""The command line's error paths as a new user meets them: a message and an exit code, never a traceback."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from idcard import cli
from tests.e2e.test_cli import ROOT, idcard
from tests.pdf_support import serve


@pytest.mark.parametrize(
    ("reader", "hint"),
    [
        ("nfc:bogus", "nfc:udp:<host>:<port>"),
        ("nfc:udp:host", "the port is required"),
        ("nfc:udp:127.0.0.1:99999", "the port is required"),
        ("bogus", "Unknown reader name"),
        ("nfc:udp:\x1b[31mred", "\\x1b"),  # shown escaped, never sent to the terminal
    ],
)
def test_bad_reader_names_are_usage_errors(reader: str, hint: str) -> None:
    out = idcard("read", "--reader", reader, "--pin-stdin", "--json", stdin="123456\n")
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and hint in out.stderr
    assert "\x1b" not in out.stderr
    assert json.loads(out.stdout)["error"]["code"] == "reader.bad_name"


NO_PCSCD = {"PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"}


def test_readers_says_pcscd_is_not_running() -> None:
    out = idcard("readers", "--json", env=NO_PCSCD)
    assert out.returncode == 0, out.stderr
    assert "pcscd" in out.stderr and "systemctl start pcscd" in out.stderr
    data = json.loads(out.stdout)
    assert data["pcsc"]["available"] is False and "pcscd" in data["pcsc"]["reason"]
    assert [r["name"] for r in data["readers"]] == ["emulator:demo"]


def test_default_reader_says_pcscd_is_not_running() -> None:
    out = idcard("read", "--pin-stdin", "--json", stdin="123456\n", env=NO_PCSCD)
    assert out.returncode == 3, out.stderr
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "reader.pcscd"
    assert "pcscd" in error["message"] and "emulator:demo" in error["message"]


def test_readers_with_pcscd_lists_no_warning(pcscd_service) -> None:  # noqa: ANN001
    out = idcard("readers", "--json", env=pcscd_service.env)
    assert out.returncode == 0, out.stderr
    assert "pcsc" not in json.loads(out.stdout) and "pcscd" not in out.stderr


def test_card_removed_mid_read_over_pcscd(pcscd_service, monkeypatch, capsys) -> None:  # noqa: ANN001
    """The card goes away (vpcd connection dropped) during the read: card.removed, with what to do."""
    from mock_card.frontends.vpcd import VpcdClient
    from mock_card.pytest_plugin import make_card

    card = make_card()
    client = VpcdClient(card, port=pcscd_service.vpcd_port)
    process, seen = card.process, [0]

    def pulled_at_tenth(apdu: bytes) -> bytes:
        seen[0] += 1
        if seen[0] == 10:  # past PACE, inside the file reads
            threading.Thread(target=client.stop).start()
            time.sleep(1)
        return process(apdu)

    card.process = pulled_at_tenth  # type: ignore[method-assign]
    client.start()
    try:
        assert client.wait_connected(10)
        name = pcscd_service.wait_for_card(timeout=10)
        monkeypatch.setattr(sys, "stdin", io.StringIO("123456\n"))
        code = cli.main(["read", "--reader", name, "--pin-stdin", "--no-photo", "--json"])
    finally:
        client.stop()
    captured = capsys.readouterr()
    assert code == 3, captured.err
    error = json.loads(captured.out)["error"]
    assert error == {"code": "card.removed", "message": "The card was removed; put it back and try again."}


def test_gui_without_the_gui_extra_explains() -> None:
    hide_qt = "import sys; sys.modules['PySide6'] = None; from gui.launch import main; sys.exit(main([]))"
    out = subprocess.run([sys.executable, "-c", hide_qt], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 3
    assert "pip install 'idcard[gui]'" in out.stderr and "Traceback" not in out.stderr


def test_an_unexpected_bug_is_one_line_not_a_traceback(monkeypatch, capsys) -> None:  # noqa: ANN001
    def broken(*_args: object) -> int:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(cli, "cmd_readers", broken)
    assert cli.main(["readers"]) == 3
    err = capsys.readouterr().err
    assert "unexpected error (ZeroDivisionError)" in err and "Traceback" not in err


# -- a portal whose redirect carries control characters ---------------------------------
NONCE = "n" * 43


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def hostile_portal() -> Iterator[str]:
    async def request(request: Request) -> JSONResponse:
        return JSONResponse({"nonce": NONCE, "submit": "/submit", "return": "/back", "attributes": ["name"]})

    async def submit(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"redirect": "/welcome\x1b[2J\x1b]0;owned\x07\r\nSet-Cookie: a=b"})

    app = Starlette(routes=[Route("/request", request), Route("/submit", submit, methods=["POST"])])
    with serve(app, _free_port()) as base:
        yield base


def test_portal_redirect_with_control_characters(hostile_portal: str) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    out = idcard("auth", "--request", hostile_portal + "/request", "--yes", "--pin-stdin", "--dev",
                 "--reader", "emulator:demo", "--json", stdin="123456\n", env=env)
    assert "Traceback" not in out.stderr
    assert "\x1b" not in out.stdout + out.stderr and "\r" not in out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] is False and data["error"]["code"] == "submit.failed"
    assert data["return"] == hostile_portal + "/back?error=submit.failed"
    assert out.returncode == 1


def test_auth_exit_codes_usage_versus_outcome() -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    common = ["--yes", "--pin-stdin", "--reader", "emulator:demo", "--json"]
    # What the user typed is unusable: usage (2), before any network or card.
    for bad in ("http://portal.example/r", "https://[::1", "not a url"):
        out = idcard("auth", "--request", bad, *common, stdin="123456\n", env=env)
        assert out.returncode == 2, (bad, out.stderr)
        assert json.loads(out.stdout)["error"]["code"] == "usage" and "Traceback" not in out.stderr
    # A well-formed run whose portal is not there: not logged in (1), the shape of every auth outcome.
    closed = f"http://127.0.0.1:{_free_port()}/request"
    out = idcard("auth", "--request", closed, "--dev", *common, stdin="123456\n", env=env)
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] is False and data["error"]["code"] == "request.unavailable" and data["return"] is None


def test_auth_without_reader_says_pcscd_is_not_running(hostile_portal: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if "proxy" not in k.lower()}, **NO_PCSCD}
    out = idcard("auth", "--request", hostile_portal + "/request", "--yes", "--pin-stdin", "--dev", "--json",
                 stdin="123456\n", env=env)
    assert out.returncode == 3, out.stderr
    data = json.loads(out.stdout)
    assert data["error"]["code"] == "reader.pcscd" and "pcscd" in data["error"]["message"]
    assert data["return"] == hostile_portal + "/back?error=reader.pcscd"
