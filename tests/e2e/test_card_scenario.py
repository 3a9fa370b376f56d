"""The issue's end-to-end scenario, identical over every transport.

PACE-PIN, EF.COM and a 20 KB file under secure messaging, change PIN,
wrong PIN twice, suspended -> CAN -> PIN, blocked -> PUK unblock.
In-process, through real pcscd + vsmartcard-vpcd + pyscard, and through
nfcpy's real ISO-DEP stack on its udp device. Nothing on these paths is mocked.
"""

from __future__ import annotations

import pytest

from idcard.errors import PinError
from idcard.session import CAN, PIN, PUK, IdCard
from mock_card.filesystem import FID_COM, dg_fid

ALL = pytest.mark.parametrize("mock_card_reader", ["inprocess", "vpcd", "nfc-udp"], indirect=True)


def _expect_pin_error(card: IdCard, ref: str, secret: str, code: str, tries: int | None) -> PinError:
    with pytest.raises(PinError) as caught:
        card.unlock(ref, secret)
    assert caught.value.code == code
    assert caught.value.tries_left == tries
    return caught.value


@ALL
def test_full_pin_lifecycle(mock_card_reader):
    files = mock_card_reader.card.image.files["lds"]
    with IdCard.open(mock_card_reader.name) as card:
        assert card.pin_status().to_json() == {"triesLeft": 3, "state": "ok"}
        assert card.secret_request().kind == PIN

        card.unlock(PIN, "123456")
        assert card.read_ef_com() == files[FID_COM]
        face = card.read_dg(2)
        assert len(face) > 20_000
        assert face == files[dg_fid(2)]

        card.change_pin("123456", "654321")
        card.unlock(PIN, "654321")
        assert card.read_dg(1) == files[dg_fid(1)]

        # Two wrong PINs: the second leaves one try and suspends the PIN.
        err = _expect_pin_error(card, PIN, "000000", "pin.wrong", 2)
        assert "2 tries left" in err.message
        err = _expect_pin_error(card, PIN, "000000", "pin.wrong", 1)
        assert "suspended" in err.message
        assert card.pin_status().state == "suspended"
        # Suspended: even the right PIN is refused until the CAN is given.
        _expect_pin_error(card, PIN, "654321", "pin.suspended", 1)
        assert card.secret_request().kind == CAN
        card.unlock(CAN, "123456")
        # Asking again after the CAN must not send the citizen back to the CAN.
        assert card.secret_request().kind == PIN
        card.unlock(PIN, "654321")
        assert card.pin_status().to_json() == {"triesLeft": 3, "state": "ok"}

        # Block it: two wrong, CAN, a third wrong.
        _expect_pin_error(card, PIN, "111111", "pin.wrong", 2)
        _expect_pin_error(card, PIN, "111111", "pin.wrong", 1)
        card.unlock(CAN, "123456")
        _expect_pin_error(card, PIN, "111111", "pin.blocked", 0)
        assert card.pin_status().state == "blocked"
        assert card.secret_request().kind == PUK
        _expect_pin_error(card, PIN, "654321", "pin.blocked", 0)

        uses = card.puk_uses_left()
        card.unblock_pin("12345678")
        assert card.puk_uses_left() == uses - 1
        assert card.pin_status().tries_left == 3
        card.unlock(PIN, "654321")
        assert card.read_ef_com() == files[FID_COM]


@ALL
@pytest.mark.mock_card(extended_length=False)
def test_short_only_card_reads_the_same_bytes(mock_card_reader):
    files = mock_card_reader.card.image.files["lds"]
    with IdCard.open(mock_card_reader.name) as card:
        assert not card.extended_length
        card.unlock(PIN, "123456")
        assert card.read_dg(2) == files[dg_fid(2)]
        short_apdus = card.stats.apdus
    # ~223 bytes per APDU under SM: about a hundred APDUs for 20 KB.
    assert short_apdus > 80


@ALL
def test_extended_length_reads_in_few_apdus(mock_card_reader):
    with IdCard.open(mock_card_reader.name) as card:
        assert card.extended_length
        card.unlock(PIN, "123456")
        before = card.stats.apdus
        card.read_dg(2)
        assert card.stats.apdus - before <= 8
