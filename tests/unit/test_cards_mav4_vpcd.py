"""The Mav4 driver against the emulated Mav4 card behind a real pcscd + vpcd (PC/SC path)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from cryptography import x509

from idcard.cards.dispatch import nid_driver
from idcard.cards.mav import Mav4Driver
from idcard.errors import PinError
from mock_card.frontends.vpcd import VpcdClient
from mock_card.profiles.mav4 import ATR, Mav4Card
from mock_card.testing.pcscd import PcscdService, skip_reason, use_private_socket
from reader.pcsc import PcscTransport, list_pcsc_readers

use_private_socket()
_SKIP = skip_reason()
SLOT0 = "Virtual PCD 00 00"

pytestmark = [pytest.mark.pcsc, pytest.mark.system_part(_SKIP and f"PC/SC test: {_SKIP}")]


def _card_in_slot0(present: bool, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r.name == "pcsc:" + SLOT0 and r.card_present == present for r in list_pcsc_readers()):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def card() -> Iterator[Mav4Card]:
    card = Mav4Card()
    client = VpcdClient(card, port=PcscdService.shared().vpcd_port).start()
    assert client.wait_connected(5), "pcscd never picked up the virtual card"
    assert _card_in_slot0(True)
    yield card
    client.stop()
    assert _card_in_slot0(False)


def test_mav4_over_pcsc(card: Mav4Card) -> None:
    with PcscTransport(SLOT0) as transport:
        assert transport.atr == ATR
        driver = nid_driver(transport)
        assert isinstance(driver, Mav4Driver)
        info = driver.card_info()
        assert (info.family, info.crn) == ("mav4", card.perso.crn)
        leaf = x509.load_der_x509_certificate(driver.read_signing_certificate())
        assert leaf.subject.rfc4514_string().startswith(f"CN={card.perso.crn} - SIG")
        with pytest.raises(PinError) as wrong:
            driver.verify_id_pin("1111")
        assert wrong.value.tries_left == 2
        assert driver.id_pin_status().tries_left == 2
        assert driver.verify_id_pin("5679").tries_left == 3
