"""The Pardis driver against the emulated Pardis card, in process."""

from __future__ import annotations

from cryptography import x509

from idcard.cards.dispatch import nid_driver
from idcard.cards.identity import certificate_identity
from idcard.cards.pardis import PardisDriver
from mock_card.profiles.pardis import PardisCard
from reader.emulated import EmulatedTransport


def test_pardis_detected_and_read() -> None:
    card = PardisCard()
    driver = nid_driver(EmulatedTransport(card))
    assert isinstance(driver, PardisDriver)
    info = driver.card_info()
    assert (info.family, info.csn, info.crn) == ("pardis", card.perso.csn.hex().upper(), None)
    der = driver.read_signing_certificate()
    assert der == card.certificates.signing_der
    assert certificate_identity(der).number == card.perso.crn
    x509.load_der_x509_certificate(der)


def test_pardis_spec_sequence_replayed() -> None:
    card = PardisCard()

    def send(hex_apdu: str) -> str:
        return card.process(bytes.fromhex(hex_apdu)).hex().upper()

    assert send("00A4040008A000000003000000") == "9000"
    assert send("80CA9F7F00") == "612D"
    assert send("00C000002D").startswith("9F7F2A")
    assert send("00A404000CA0000000180C000001634200") == "6A82"  # no Mav application
