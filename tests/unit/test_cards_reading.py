"""read_nid_card: what each family gives, and honest reasons for what it does not."""

from __future__ import annotations

from idcard.cards.dispatch import nid_driver
from idcard.cards.keyservice import HttpCardKeyService
from idcard.cards.reading import read_nid_card, reading_text
from mock_card.profiles.cardfile import make_profile_card
from reader.emulated import EmulatedTransport


def _read(profile: str, **kw: object):  # noqa: ANN202
    driver = nid_driver(EmulatedTransport(make_profile_card(profile)))
    assert driver is not None
    return read_nid_card(driver, trust=None, **kw)  # type: ignore[arg-type]


def test_service_without_pin_is_not_performed_and_says_why() -> None:
    # The port is never contacted: without the PIN there is no card authentication.
    reading = _read("mav4", pin=None, key_service=HttpCardKeyService("http://127.0.0.1:9"))
    chip = reading.verdict.get("chip.genuine")
    assert chip is not None and chip.result.value == "not_performed" and "ID PIN" in chip.reason
    assert reading.pin_verified is None and reading.pin is not None and reading.pin.tries_left == 3


def test_omid_reading_names_what_is_missing() -> None:
    reading = _read("omid", pin=None, key_service=None)
    body = reading.to_json()
    assert body["card"]["family"] == "omid" and body["certificate"] is None
    assert {u["operation"] for u in body["unsupported"]} >= {"read_identity", "read_certificates", "authenticate"}
    assert body["verdict"]["verified"] is False
    assert "omid" in reading_text(reading)


def test_text_output_shows_the_unproven_chip() -> None:
    text = reading_text(_read("mav4", pin="5679", key_service=None))
    assert "NOT VERIFIED" in text and "chip.genuine" in text and "SARA REZAEI" in text
