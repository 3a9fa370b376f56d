"""PIN flows from the command line (issue 9): a suspended PIN resumed with the CAN, stdin line order, PIN2 for sign."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.terminal import run_on_terminal
from tests.e2e.test_cli import idcard, mock_card

PIN, CAN, PIN2 = "246813", "975310", "13579"


@pytest.fixture
def suspended(tmp_path: Path) -> str:
    """A card whose PIN has one try left and needs the CAN first (distinct PIN and CAN, so order shows)."""
    path = tmp_path / "suspended.json"
    made = mock_card("create", "--out", str(path), "--pin", PIN, "--can", CAN, "--pin2", PIN2, "--pin-tries", "1")
    assert made.returncode == 0, made.stderr
    return f"emulator:{path}"


def _pin(reader: str) -> dict[str, object]:
    out = idcard("pin", "status", "--reader", reader, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["pin"]


def test_suspended_pin_alone_says_how_to_resume(suspended: str) -> None:
    out = idcard("read", "--reader", suspended, "--pin-stdin", "--no-photo", "--json", stdin=PIN + "\n")
    assert out.returncode == 4
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "pin.suspended" and "--can-stdin" in error["message"]
    assert _pin(suspended) == {"triesLeft": 1, "state": "suspended"}  # no try spent


def test_pin_then_can_lines_resume_a_suspended_pin(suspended: str) -> None:
    out = idcard("read", "--reader", suspended, "--pin-stdin", "--can-stdin", "--no-photo", "--json",
                 stdin=f"{PIN}\n{CAN}\n")
    assert out.returncode in (0, 5), out.stderr  # no --trust: untrusted, but read with the PIN
    assert json.loads(out.stdout)["identity"]["nationalCode"] == "0012345679"
    assert _pin(suspended) == {"triesLeft": 3, "state": "ok"}
    assert PIN not in out.stdout + out.stderr and CAN not in out.stdout + out.stderr


def test_lines_in_the_wrong_order_cost_no_pin_try(suspended: str) -> None:
    out = idcard("read", "--reader", suspended, "--pin-stdin", "--can-stdin", "--no-photo", "--json",
                 stdin=f"{CAN}\n{PIN}\n")
    assert out.returncode == 4
    assert json.loads(out.stdout)["error"]["code"] == "can.wrong"
    assert _pin(suspended) == {"triesLeft": 1, "state": "suspended"}


def test_token_and_pin_change_resume_too(suspended: str) -> None:
    nonce = "A" * 43
    token = idcard("token", "--reader", suspended, "--origin", "https://portal.example", "--nonce", nonce,
                   "--pin-stdin", "--can-stdin", "--json", stdin=f"{PIN}\n{CAN}\n")
    assert token.returncode == 0, token.stderr
    assert _pin(suspended)["triesLeft"] == 3


def test_pin_change_on_a_suspended_pin(suspended: str) -> None:
    out = idcard("pin", "change", "--reader", suspended, "--pin-stdin", "--can-stdin", "--json",
                 stdin=f"{PIN}\n802468\n{CAN}\n")
    assert out.returncode == 0, out.stderr
    again = idcard("read", "--reader", suspended, "--pin-stdin", "--no-photo", "--json", stdin="802468\n")
    assert again.returncode in (0, 5), again.stderr


def test_terminal_asks_for_the_can_when_the_pin_is_suspended(suspended: str) -> None:
    run = run_on_terminal(["idcard.cli", "read", "--reader", suspended, "--no-photo"], [("CAN: ", CAN), ("PIN: ", PIN)])
    assert run.returncode in (0, 5), run.screen
    assert "suspended" in run.screen and "Verdict:" in run.screen
    assert PIN not in run.screen and CAN not in run.screen  # echo off


def test_sign_reads_the_signature_pin_then_the_can(tmp_path: Path, suspended: str) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"hello")
    ok = idcard("sign", str(document), "--reader", suspended, "--pin-stdin", "--can-stdin", "--json",
                stdin=f"{PIN2}\n{CAN}\n")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "doc.txt.p7s").exists()
    swapped = idcard("sign", str(document), "--out", str(tmp_path / "b.p7s"), "--reader", suspended,
                     "--pin-stdin", "--json", stdin=f"{CAN}\n{PIN2}\n")
    assert swapped.returncode in (3, 4) and not (tmp_path / "b.p7s").exists()


def test_pin_status_explains_the_signature_pin_counter(suspended: str) -> None:
    text = idcard("pin", "status", "--reader", suspended)
    assert text.returncode == 0, text.stderr
    assert "Signature PIN: not read" in text.stdout and "--can-stdin" in text.stdout
    data = json.loads(idcard("pin", "status", "--reader", suspended, "--json").stdout)
    assert data["signaturePin"] is None and "--can-stdin" in data["signaturePinHint"]
    with_can = json.loads(idcard("pin", "status", "--reader", suspended, "--can-stdin", "--json", stdin=CAN + "\n").stdout)
    assert with_can["signaturePin"] == {"triesLeft": 3, "state": "ok"} and "signaturePinHint" not in with_can
