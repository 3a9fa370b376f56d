"""The Mav4 driver against the emulated Mav4 card on nfcpy's udp radio (contactless path).

INIDCA reads Mav cards over IsoDep (iran-nid-cards.md §1); the ATR seen contactlessly
is derived from the ATS, so detection must work by AID, not by the contact ATR.
"""

from __future__ import annotations

import importlib.util

import pytest

from idcard.cards.dispatch import nid_driver
from idcard.cards.mav import Mav4Driver
from mock_card.frontends.nfc_udp import NfcUdpTarget
from mock_card.profiles.mav4 import Mav4Card
from reader.nfc import NfcTransport

pytestmark = pytest.mark.system_part(importlib.util.find_spec("nfc") is None and "needs nfcpy")


def test_mav4_over_nfc_udp() -> None:
    card = Mav4Card()
    with NfcUdpTarget(card, port=0) as target:
        transport = NfcTransport(f"udp:127.0.0.1:{target.port}", timeout=3.0)
        try:
            driver = nid_driver(transport)
            assert isinstance(driver, Mav4Driver)
            assert driver.card_info().crn == card.perso.crn
            assert len(driver.read_ca_certificate()) > 500
            assert driver.read_dates().expiry == "2036/01/14"
            assert driver.verify_id_pin("5679").tries_left == 3
        finally:
            transport.close()
