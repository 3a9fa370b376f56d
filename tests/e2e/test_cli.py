"""The `idcard` and `mock-card` commands as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], *, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", *args], input=stdin, capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT
    )


def idcard(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return run(["idcard.cli", *args], **kw)  # type: ignore[arg-type]


def mock_card(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return run(["mock_card.cli", *args], **kw)  # type: ignore[arg-type]


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    path = tmp_path / "card.json"
    result = mock_card("create", "--out", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_pin_status_and_wrong_pin_exit_codes(card_file: Path) -> None:
    reader = f"emulator:{card_file}"
    status = idcard("pin", "status", "--reader", reader, "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["pin"] == {"triesLeft": 3, "state": "ok"}

    wrong = idcard("pin", "change", "--reader", reader, "--pin-stdin", "--json", stdin="000000\n654321\n")
    assert wrong.returncode == 4
    err = json.loads(wrong.stdout)["error"]
    assert err["code"] == "pin.wrong" and err["triesLeft"] == 2
    assert "2 tries left" in err["message"] and "2 tries left" in wrong.stderr
    # The counter lives in the card file, as on a chip.
    again = idcard("pin", "status", "--reader", reader, "--json")
    assert json.loads(again.stdout)["pin"] == {"triesLeft": 2, "state": "ok"}
    # No secret is ever echoed back.
    for stream in (wrong.stdout, wrong.stderr, status.stdout):
        assert "000000" not in stream and "654321" not in stream
    # `pin verify`: the right PIN opens the card (PACE) and the counter is back to 3.
    verify = idcard("pin", "verify", "--reader", reader, "--pin-stdin", "--json", stdin="123456\n")
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout) == {"pin": {"verified": True}}
    assert json.loads(idcard("pin", "status", "--reader", reader, "--json").stdout)["pin"]["triesLeft"] == 3


def test_pin_status_with_can_shows_signature_pin(card_file: Path) -> None:
    out = idcard("pin", "status", "--reader", f"emulator:{card_file}", "--can-stdin", "--json", stdin="123456\n")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data == {"pin": {"triesLeft": 3, "state": "ok"}, "signaturePin": {"triesLeft": 3, "state": "ok"}, "pukUsesLeft": 10}


def test_unblock_with_puk(tmp_path: Path) -> None:
    path = tmp_path / "blocked.json"
    assert mock_card("create", "--out", str(path), "--pin-tries", "0").returncode == 0
    reader = f"emulator:{path}"
    blocked = idcard("pin", "change", "--reader", reader, "--pin-stdin", "--json", stdin="123456\n654321\n")
    assert blocked.returncode == 4
    assert json.loads(blocked.stdout)["error"]["code"] == "pin.blocked"
    unblock = idcard("pin", "unblock", "--reader", reader, "--puk-stdin", "--json", stdin="12345678\n\n")
    assert unblock.returncode == 0, unblock.stderr
    status = idcard("pin", "status", "--reader", reader, "--json")
    assert json.loads(status.stdout)["pin"]["triesLeft"] == 3
    assert json.loads(status.stdout)["pukUsesLeft"] == 9


def test_usage_and_reader_errors() -> None:
    assert idcard("pin", "status", "--reader", "bogus:1", "--json").returncode == 2  # a name no reader can have: usage
    missing = idcard("pin", "status", "--reader", "emulator:/nonexistent.json", "--json")
    assert missing.returncode == 3 and "No card file" in json.loads(missing.stdout)["error"]["message"]
    assert idcard("pin", "frobnicate").returncode == 2
    # --pin-stdin with nothing on stdin: a usage error, not a hang or a traceback.
    empty = idcard("pin", "change", "--reader", "emulator:demo", "--pin-stdin", stdin="")
    assert empty.returncode == 2 and "Traceback" not in empty.stderr


def test_demo_runs() -> None:
    out = idcard("demo", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["pin"]["state"] == "ok"
    assert data["verdict"]["verified"] is True
    assert data["identity"]["nationalCode"] == "0012345679"
    assert data["photo"] == {"mime": "image/jpeg", "width": 480, "height": 640}


@pytest.mark.pcsc
def test_readers_lists_vpcd_card_and_pin_status_over_pcsc(pcscd_service, card_file: Path) -> None:
    env = pcscd_service.env
    server = subprocess.Popen(
        [sys.executable, "-m", "mock_card.cli", "serve", str(card_file), "--vpcd", f"127.0.0.1:{pcscd_service.vpcd_port}"],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        reader = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and reader is None:
            listing = idcard("readers", "--json", env=env)
            assert listing.returncode == 0, listing.stderr
            for r in json.loads(listing.stdout)["readers"]:
                if r["kind"] == "pcsc" and "Virtual PCD" in r["name"] and r["cardPresent"]:
                    reader = r["name"]
            time.sleep(0.3)
        assert reader, "the vpcd reader with the emulated card never showed up"
        status = idcard("pin", "status", "--reader", reader, "--json", env=env)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["pin"] == {"triesLeft": 3, "state": "ok"}
        wrong = idcard("pin", "change", "--reader", reader, "--pin-stdin", "--json", stdin="999999\n123123\n", env=env)
        assert wrong.returncode == 4
        assert json.loads(wrong.stdout)["error"]["triesLeft"] == 2
        anchors = card_file.parent / "anchors"
        assert mock_card("pki", "--out", str(anchors)).returncode == 0
        read = idcard("read", "--reader", reader, "--pin-stdin", "--json", "--trust", str(anchors), stdin="123456\n", env=env)
        assert read.returncode == 0, read.stdout + read.stderr
        assert json.loads(read.stdout)["identity"]["nationalCode"] == "0012345679"
    finally:
        server.terminate()
        server.wait(10)
