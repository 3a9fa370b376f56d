"""Identity from the signing certificate, and the emulator's evil Mav4 variants."""

from __future__ import annotations

import datetime as dt

import pytest

from idcard.cards.identity import certificate_identity
from idcard.cards.mav import Mav4Driver
from idcard.errors import MalformedResponseError, PinError
from mock_card.profiles.mav4 import Mav4Card, Mav4Personalisation
from reader.emulated import EmulatedTransport

NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


def _driver(perso: Mav4Personalisation | None = None) -> Mav4Driver:
    return Mav4Driver(EmulatedTransport(Mav4Card(perso)))


def test_identity_from_the_demo_card() -> None:
    driver = _driver()
    ident = certificate_identity(driver.read_signing_certificate())
    assert (ident.given_name, ident.surname) == ("SARA", "REZAEI")
    assert ident.matches_crn(driver.card_info().crn) is True
    assert ident.matches_crn(None) is None
    assert not ident.expired_at(NOW)
    assert "TEST" in ident.issuer
    assert ident.to_json()["number"] == ident.number


def test_certificate_copied_onto_another_chip_is_visible() -> None:
    driver = _driver(Mav4Personalisation(certificate_number="5555566666"))
    ident = certificate_identity(driver.read_signing_certificate())
    assert ident.matches_crn(driver.card_info().crn) is False


def test_expired_certificate_variant() -> None:
    driver = _driver(Mav4Personalisation(certificate_backdate_days=8 * 365))
    assert certificate_identity(driver.read_signing_certificate()).expired_at(NOW)


def test_blocked_pin_variant() -> None:
    driver = _driver(Mav4Personalisation(pin_blocked=True))
    assert driver.id_pin_status().tries_left == 0
    with pytest.raises(PinError) as caught:
        driver.verify_id_pin("5679")
    assert caught.value.code == "pin.blocked"


def test_not_a_nid_certificate_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        certificate_identity(b"\x30\x03\x02\x01\x00")
    ca = Mav4Card().certificates.ca_der  # a CA certificate has no "<number> - SIG" CN
    with pytest.raises(MalformedResponseError):
        certificate_identity(ca)
