"""The Mav4 driver end to end against the emulated Mav4 card, in process.

Also replays the spec's own command strings (iran-nid-cards.md) against the
emulated card and expects the documented answers.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding

from idcard.cards.detect import Family, detect_family, is_nocr_atr
from idcard.cards.mav import Mav4Driver
from idcard.errors import PinError
from mock_card.profiles.mav4 import Mav4Card, Mav4Personalisation
from reader.emulated import EmulatedTransport


@pytest.fixture
def card() -> Mav4Card:
    return Mav4Card()


@pytest.fixture
def driver(card: Mav4Card) -> Mav4Driver:
    return Mav4Driver(EmulatedTransport(card, name="emulator:mav4"))


def send(card: Mav4Card, hex_apdu: str) -> str:
    return card.process(bytes.fromhex(hex_apdu)).hex().upper()


def test_spec_sequences_replayed_against_the_emulator(card: Mav4Card) -> None:
    # §3.1: CM select then 45-byte CPLC beginning 9F7F2A, then 21-byte tag 0101.
    assert send(card, "00A4040008A000000018434D00") == "9000"
    cplc = send(card, "80CA9F7F2D")
    assert cplc.startswith("9F7F2A") and cplc.endswith("9000") and len(cplc) == (45 + 2) * 2
    assert len(send(card, "80CA010115")) == (21 + 2) * 2
    # §1: unknown applications do not answer 9000.
    assert send(card, "00A404000F5041524449532C4D41544952414E20") != "9000"
    # §3.5 AFIS: 8-byte prefix selects the data application; tag AD flag 00.
    for apdu in ("00A4040008A000000018300301", "00A40000023F00", "00A40100020300", "00A40200020302"):
        assert send(card, apdu) == "9000"
    assert send(card, "00B00000F8").startswith("AD0100")
    # §3.7: personal info needs the registry's keys.
    for apdu in ("00A40000023F00", "00A40100020200", "00A40200020201"):
        assert send(card, apdu) == "9000"
    assert send(card, "00B00000F4") == "6982"


def test_detect_and_read_everything_without_keys(card: Mav4Card, driver: Mav4Driver) -> None:
    transport = driver.transport
    assert is_nocr_atr(transport.atr)
    assert detect_family(transport) is Family.MAV
    info = driver.card_info()
    assert info.crn == card.perso.crn and info.csn == card.perso.csn.hex().upper()
    assert info.to_json()["family"] == "mav4"

    leaf = x509.load_der_x509_certificate(driver.read_signing_certificate())
    ca = x509.load_der_x509_certificate(driver.read_ca_certificate())
    assert [a.rfc4514_string() for a in leaf.subject] == [
        "C=IR", "OU=IRAN Citizen", "2.5.4.42=SARA", "2.5.4.4=REZAEI", f"CN={card.perso.crn} - SIG",
    ]
    assert "TEST" in ca.subject.rfc4514_string() and leaf.issuer == ca.subject
    ca_key = ca.public_key()
    ca_key.verify(  # type: ignore[union-attr, call-arg]
        leaf.signature, leaf.tbs_certificate_bytes, padding.PKCS1v15(), leaf.signature_hash_algorithm  # type: ignore[arg-type]
    )

    dates = driver.read_dates()
    assert (dates.issue, dates.expiry) == ("2026/01/15", "2036/01/14")
    versions = driver.read_versions()
    assert (versions.perso_key, versions.pin_algorithm) == ("0001", "01")
    assert driver.read_afis_required() is False


def test_pin_counters_wrong_right_blocked(driver: Mav4Driver) -> None:
    assert driver.id_pin_status().tries_left == 3
    with pytest.raises(PinError) as wrong:
        driver.verify_id_pin("1111")
    assert (wrong.value.code, wrong.value.tries_left) == ("pin.wrong", 2)
    status = driver.id_pin_status()
    assert (status.mpcos, status.ev, status.ias) == (2, 2, 2)
    assert driver.id_pin_status().tries_left == 2  # checking spent nothing
    assert driver.verify_id_pin("5679").tries_left == 3
    assert driver.id_pin_status().tries_left == 3
    for expected in (2, 1):
        with pytest.raises(PinError) as caught:
            driver.verify_id_pin("0000")
        assert caught.value.tries_left == expected
    with pytest.raises(PinError) as blocked:
        driver.verify_id_pin("0000")
    assert (blocked.value.code, blocked.value.tries_left) == ("pin.blocked", 0)
    with pytest.raises(PinError) as still:
        driver.verify_id_pin("5679")  # the right PIN cannot revive a blocked card
    assert still.value.code == "pin.blocked"
    assert driver.id_pin_status().tries_left == 0


def test_other_personalisation_changes_what_is_read() -> None:
    card = Mav4Card(Mav4Personalisation(crn="1111122222", csn=bytes.fromhex("0102030405060708")))
    info = Mav4Driver(EmulatedTransport(card)).card_info()
    assert (info.crn, info.csn) == ("1111122222", "0102030405060708")


def test_dispatch_picks_the_mav4_driver_for_the_emulated_card(card: Mav4Card) -> None:
    from idcard.cards.dispatch import nid_driver

    driver = nid_driver(EmulatedTransport(card))
    assert isinstance(driver, Mav4Driver)
    assert driver.card_info().family == "mav4"


def test_unblock_with_puk_after_blocking(driver: Mav4Driver) -> None:
    for _ in range(3):
        with pytest.raises(PinError):
            driver.verify_id_pin("0000")
    with pytest.raises(PinError) as wrong_puk:
        driver.unblock_id_pin("9999", "4321")
    assert wrong_puk.value.code == "puk.wrong"
    assert driver.id_pin_status().tries_left == 0  # still blocked
    driver.unblock_id_pin("1234", "4321")
    assert driver.id_pin_status().tries_left == 3
    with pytest.raises(PinError):
        driver.verify_id_pin("5679")  # the old PIN is gone
    assert driver.verify_id_pin("4321").tries_left == 3
