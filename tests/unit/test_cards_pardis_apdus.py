"""Pardis driver command bytes against iran-nid-cards.md §3.1-§3.2 hex."""

from __future__ import annotations

import pytest

from idcard.cards.base import Operation, UnsupportedOperationError
from idcard.cards.pardis import PardisDriver
from idcard.errors import MalformedResponseError
from tests.unit.cards_script import ScriptedTransport

CPLC = "9F7F2A" + "AB" * 42
CERT = bytes.fromhex("30820104") + bytes(range(0x104 % 256)) + bytes(0x104 - 0x104 % 256)  # 264 bytes


def test_csn_commands_with_get_response() -> None:
    t = ScriptedTransport(
        {
            "00A4040008A000000003000000": bytes.fromhex("9000"),
            "80CA9F7F00": bytes.fromhex("612D"),
            "00C000002D": bytes.fromhex(CPLC + "9000"),
            "903800000C": bytes.fromhex("00112233445566778899AABB9000"),
        }
    )
    info = PardisDriver(t).card_info()
    # §3.1: issuer-domain select, CPLC in two steps, proprietary 9038 for the CSN.
    assert t.sent_hex == ["00A4040008A000000003000000", "80CA9F7F00", "00C000002D", "903800000C"]
    assert (info.family, info.csn, info.crn) == ("pardis", "00112233445566778899AABB", None)


def test_csn_of_wrong_size_is_malformed() -> None:
    t = ScriptedTransport(
        {
            "00A4040008A000000003000000": bytes.fromhex("9000"),
            "80CA9F7F00": bytes.fromhex(CPLC + "9000"),
            "903800000C": bytes.fromhex("00119000"),
        }
    )
    with pytest.raises(MalformedResponseError):
        PardisDriver(t).card_info()


def test_signing_certificate_commands() -> None:
    stored = CERT + b"\xff" * 20
    selects = [
        "00A404000F5041524449532C4D41544952414E20",
        "00A40000023F00",
        "00A40000025100",
        "00A40200025040",
    ]
    answers = {c: bytes.fromhex("9000") for c in selects}
    answers["00B00000F8"] = stored[:0xF8] + b"\x90\x00"
    answers["00B000F810"] = stored[0xF8 : 0xF8 + 0x10] + b"\x90\x00"
    t = ScriptedTransport(answers)
    assert PardisDriver(t).read_signing_certificate() == CERT
    # §3.2: Pardis AID, MF, DF 5100, EF 5040 (apps' form), READ BINARY in F8 blocks.
    assert t.sent_hex == selects + ["00B00000F8", "00B000F810"]


def test_what_pardis_cannot_do_here_is_named() -> None:
    driver = PardisDriver(ScriptedTransport({}))
    with pytest.raises(UnsupportedOperationError) as caught:
        driver.require(Operation.PIN_STATUS)
    assert "SMD" in caught.value.reason
    with pytest.raises(UnsupportedOperationError):
        driver.read_ca_certificate()
    with pytest.raises(UnsupportedOperationError):
        driver.require(Operation.VERIFY_PIN)
