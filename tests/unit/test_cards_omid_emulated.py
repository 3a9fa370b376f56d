"""The emulated Omid card answers the spec's §3.6 sequence; the driver says what it cannot do."""

from __future__ import annotations

import pytest

from idcard.cards.base import Operation, UnsupportedOperationError
from idcard.cards.dispatch import nid_driver
from idcard.cards.omid import OmidDriver
from mock_card.profiles.omid import OmidCard
from reader.emulated import EmulatedTransport


def test_meta_feid_sequence_replayed() -> None:
    card = OmidCard()

    def send(hex_apdu: str) -> str:
        return card.process(bytes.fromhex(hex_apdu)).hex().upper()

    # §3.6, byte for byte.
    assert send("00A4040010" + b"MATIRAN ID CARD ".hex() + "00") == "9000"
    assert send("00A404000F398DE5BAB41EC676CABDB526E5857100") == "9000"
    assert send("00A4030000") == "9000"
    assert send("00A4000002110000") == "9000"
    assert send("00A4000002110300") == "9000"
    answer = send("00B0000038")
    assert answer.endswith("9000") and len(answer) == 2 * (56 + 2)
    # No Mav or Pardis application on an Omid.
    assert send("00A404000CA0000000180C000001634200") == "6A82"


def test_omid_detected_and_honest() -> None:
    driver = nid_driver(EmulatedTransport(OmidCard()))
    assert isinstance(driver, OmidDriver)
    info = driver.card_info()
    assert (info.family, info.chip_type, info.csn, info.crn) == ("omid", "0102", None, None)
    with pytest.raises(UnsupportedOperationError) as caught:
        driver.require(Operation.READ_CERTIFICATES)
    assert caught.value.code == "card.unsupported_operation"
