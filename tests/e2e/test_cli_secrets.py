"""Secrets at the command line: never in traces, arguments or world-readable files (issue 9, item 4)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from tests.e2e.terminal import run_on_terminal
from tests.e2e.test_cli import idcard, mock_card

MRZ_LINE = "A12345678,900803,360114"  # the demo citizen's document number, birth, expiry


def _mrz_information() -> str:
    from mock_card.personalize import DEMO_CITIZEN

    return DEMO_CITIZEN.mrz_information


@pytest.fixture(scope="module")
def passport(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("passport") / "passport.json"
    result = mock_card("create", "--out", str(path), "--profile", "passport-bac")
    assert result.returncode == 0, result.stderr
    return path


def _assert_no_mrz(trace: str) -> None:
    info = _mrz_information()
    k_seed = hashlib.sha1(info.encode()).digest()[:16]
    assert ">> " in trace and "<< " in trace, "no APDU trace: -v logged nothing"
    assert "0082000028 <" not in trace  # EXTERNAL AUTHENTICATE ran, redacted (header only)
    for leak in (info, info.encode().hex(), k_seed.hex(), "A12345678", MRZ_LINE):
        assert leak not in trace


def test_verbose_bac_read_from_mrz_stdin_logs_no_mrz(passport: Path) -> None:
    out = idcard("-v", "read", "--reader", f"emulator:{passport}", "--mrz-stdin", "--no-photo", "--json",
                 stdin=MRZ_LINE + "\n")
    assert out.returncode in (0, 5), out.stderr  # no --trust: untrusted, but read
    assert "00820000 <" in out.stderr  # the BAC EXTERNAL AUTHENTICATE, header only
    _assert_no_mrz(out.stderr)
    assert "deprecated" not in out.stderr and "warning" not in out.stderr


def test_mrz_as_argument_still_works_with_a_warning(passport: Path) -> None:
    out = idcard("read", "--reader", f"emulator:{passport}", "--mrz", MRZ_LINE, "--no-photo", "--json")
    assert out.returncode in (0, 5), out.stderr
    assert "--mrz-stdin" in out.stderr and "warning" in out.stderr


def test_mrz_prompt_without_terminal_is_a_usage_error(passport: Path) -> None:
    out = idcard("read", "--reader", f"emulator:{passport}", "--mrz", "--no-photo")
    assert out.returncode == 2
    assert "No terminal" in out.stderr and "Traceback" not in out.stderr


def test_mrz_prompt_on_a_terminal_reads_with_echo_off(passport: Path) -> None:
    """`--mrz` alone asks on the terminal; what is typed is never echoed."""
    run = run_on_terminal(["idcard.cli", "-v", "read", "--reader", f"emulator:{passport}", "--mrz", "--no-photo"],
                          [("MRZ data", MRZ_LINE)])
    assert "Verdict:" in run.screen and "REZAEI" in run.screen, run.screen
    _assert_no_mrz(run.screen.replace("A12345678, expires", ""))  # the read-out names the document


def test_verbose_pin_read_logs_no_pin(tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    assert mock_card("create", "--out", str(card), "--pin", "246813").returncode == 0
    out = idcard("-v", "read", "--reader", f"emulator:{card}", "--pin-stdin", "--no-photo", stdin="246813\n")
    assert out.returncode in (0, 5), out.stderr
    assert ">> " in out.stderr and "redacted" in out.stderr
    assert "246813" not in out.stderr and b"246813".hex() not in out.stderr


def test_photo_is_written_private(tmp_path: Path) -> None:
    photo = tmp_path / "face.jpg"
    umask = os.umask(0o022)
    try:
        out = idcard("read", "--reader", "emulator:demo", "--pin-stdin", "--photo", str(photo), stdin="123456\n")
    finally:
        os.umask(umask)
    assert out.returncode in (0, 5), out.stderr
    assert stat.S_IMODE(photo.stat().st_mode) == 0o600
