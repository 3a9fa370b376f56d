"""`IdCard` names the family in the reader and what it can do (issue 12: one card API over
nid-v1, passports and the real NID families), without probe APDUs on our own cards."""

from __future__ import annotations

import pytest

from idcard.cards.base import Operation
from idcard.cards.describe import describe_card
from idcard.session import PIN, IdCard
from mock_card.card import EmulatedCard
from mock_card.image import PROFILE_PASSPORT_BAC
from mock_card.personalize import DEMO_CITIZEN, personalize
from mock_card.profiles.cardfile import make_profile_card
from reader.emulated import EmulatedTransport, register_card, unregister_card


def test_our_card_is_nid_v1_and_costs_no_probe_apdu() -> None:
    with IdCard(EmulatedTransport(EmulatedCard(personalize()))) as card:
        assert card.nid_driver() is None and card.family == "nid-v1"
        # EF.CardAccess is what PACE reads first anyway: the family question added nothing.
        asked = card.stats.apdus
        card.card_access()
        assert card.stats.apdus == asked
        assert all(card.capabilities.supports(op) for op in Operation)
        card.unlock(PIN, "123456")  # the probe left the card ready for PACE
        assert card.read_dg(1)


def test_a_bac_passport_says_it_has_no_pin_and_no_keys() -> None:
    with IdCard(EmulatedTransport(EmulatedCard(personalize(profile=PROFILE_PASSPORT_BAC)))) as card:
        assert card.nid_driver() is None and card.family == "passport-bac"
        caps = card.capabilities
        assert caps.supports(Operation.READ_IDENTITY) and not caps.supports(Operation.SIGN)
        assert "machine-readable zone" in caps.missing[Operation.VERIFY_PIN]
        assert card.card_info().to_json()["family"] == "passport-bac"
        card.unlock_bac(DEMO_CITIZEN.mrz_information)  # still opens after the probes
        assert card.read_dg(1)


@pytest.mark.parametrize(("profile", "pin_status"), [("mav4", True), ("pardis", False), ("omid", False)])
def test_real_families_answer_through_their_driver(profile: str, pin_status: bool) -> None:
    with IdCard(EmulatedTransport(make_profile_card(profile))) as card:
        assert card.family == profile
        assert card.capabilities.supports(Operation.PIN_STATUS) is pin_status
        assert card.card_info().family == profile


def test_readers_listing_describes_each_card() -> None:
    names = [register_card(EmulatedCard(personalize())), register_card(make_profile_card("mav4"))]
    try:
        ours, mav4 = (describe_card(name) for name in names)
    finally:
        for name in names:
            unregister_card(name)
    assert ours is not None and ours["family"] == "nid-v1" and ours["chipType"] is None
    assert mav4 is not None and (mav4["family"], mav4["chipType"]) == ("mav4", "0004")
    capabilities = mav4["capabilities"]
    assert isinstance(capabilities, dict)
    assert capabilities["change_pin"] == "its APDUs are not public" and capabilities["verify_pin"] is True
