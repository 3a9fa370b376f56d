"""read_nid_card: what each family gives, and honest reasons for what it does not."""

from __future__ import annotations

from idcard.cards.dispatch import nid_driver
from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.cards.reading import read_nid_card, reading_text
from idcard.pki.trust import TrustStore
from idcard.verdict import Result
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


def test_a_card_disagreeing_with_an_inferred_layout_loses_only_that_item() -> None:
    card = make_profile_card("mav4")
    H = bytes.fromhex
    card.apps["data"].children[H("0300")].children[H("0303")].data = H("B2FF00")  # type: ignore[attr-defined]
    card.apps["ias"].children[H("5000")].children[H("0303")].protected = True  # type: ignore[attr-defined]
    driver = nid_driver(EmulatedTransport(card))
    assert driver is not None
    body = read_nid_card(driver, pin=None, trust=None, key_service=None).to_json()
    assert body["dates"] is None and body["certificate"]["givenName"] == "SARA"
    assert {p["item"] for p in body["problems"]} == {"dates", "caCertificate"}
    checks = {c["code"]: c["result"] for c in body["verdict"]["checks"]}
    assert checks["certificate.issued_by_card_ca"] == "not_performed"
    assert body["verdict"]["verified"] is False


def test_a_level_ca_trusted_on_its_own_anchors_the_chain(iran_test_anchors) -> None:  # noqa: ANN001
    """A G3 level CA (not self-signed, with a path length limit) as the only anchor: the
    validator once crashed below such an anchor (pyhanko-certvalidator's AA path length)."""
    store = TrustStore()
    store.load_path(str(iran_test_anchors / "TEST-GeneralGovernmentalIntermediateGoldCA-G3-L3.pem"))
    gold_card = nid_driver(EmulatedTransport(make_profile_card("mav4", citizen_ca="gold")))
    assert gold_card is not None
    chain = read_nid_card(gold_card, pin=None, trust=store, key_service=None).verdict.get("certificate.chain")
    assert chain is not None and chain.result is Result.PASSED, chain
    assert chain.details["assuranceLevel"] == 3 and "Gold" in str(chain.details["anchor"])
    # A card under Root CA1's citizen CA does not chain to Gold, and names no anchor.
    other = nid_driver(EmulatedTransport(make_profile_card("mav4")))
    assert other is not None
    refused = read_nid_card(other, pin=None, trust=store, key_service=None).verdict.get("certificate.chain")
    assert refused is not None and refused.result is Result.UNTRUSTED and "anchor" not in refused.details
