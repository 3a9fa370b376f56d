"""A BAC-only passport through the session API and the emulator."""

from __future__ import annotations

import pytest

from idcard.errors import AuthenticationError
from idcard.session import IdCard
from mock_card.card import EmulatedCard
from mock_card.filesystem import FID_COM, dg_fid
from mock_card.image import PROFILE_PASSPORT_BAC
from mock_card.personalize import DEMO_CITIZEN, personalize
from reader.emulated import EmulatedTransport


@pytest.fixture
def passport() -> EmulatedCard:
    return EmulatedCard(personalize(profile=PROFILE_PASSPORT_BAC))


def test_bac_then_read_under_3des_sm(passport: EmulatedCard) -> None:
    with IdCard(EmulatedTransport(passport)) as card:
        assert not card.extended_length  # a BAC passport is short-only
        card.unlock_bac(DEMO_CITIZEN.mrz_information)
        assert card.read_ef_com() == passport.image.files["lds"][FID_COM]
        assert card.read_dg(2) == passport.image.files["lds"][dg_fid(2)]


def test_bac_with_wrong_mrz_is_refused(passport: EmulatedCard) -> None:
    with IdCard(EmulatedTransport(passport)) as card:
        with pytest.raises(AuthenticationError) as caught:
            card.unlock_bac("X12345678<0900803199999999")
        assert "X12345678" not in caught.value.message
