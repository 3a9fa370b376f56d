"""The GUI's view of a real card family: family, certificate identity, assurance level, and a
plain-language note whenever the chip could not be proven genuine."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.i18n import I18n
from gui.pages.identity import NidCardView
from idcard.cards.dispatch import nid_driver
from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.cards.reading import NidReading, read_nid_card
from idcard.pki.trust import TrustStore
from mock_card.profiles.cardfile import make_profile_card
from mock_card.registry_service import RegistryService
from reader.emulated import EmulatedTransport


@pytest.fixture
def trust(iran_test_anchors: Path) -> TrustStore:
    store = TrustStore()
    store.load_path(iran_test_anchors)
    return store


@pytest.fixture
def registry(mock_registry: RegistryService) -> RegistryService:
    return mock_registry


def _reading(trust: TrustStore, url: str | None = None, variant: str = "genuine") -> NidReading:
    driver = nid_driver(EmulatedTransport(make_profile_card("mav4", variant=variant, citizen_ca="gold")))
    assert driver is not None
    return read_nid_card(driver, pin="5679", trust=trust, key_service=HttpCardKeyService(url) if url else None)


def test_without_the_service_the_note_says_genuineness_was_not_checked(app, trust) -> None:  # noqa: ANN001
    view = NidCardView(I18n("en"))
    view.show_reading(_reading(trust))
    assert view.family.text() == "Card: mav4, chip type 0004"
    assert view.name.text() == "SARA REZAEI"
    assert view.number.text() == "Certificate number 9876543210"
    assert view.assurance.text() == "Assurance level 3"
    assert not view.note.isHidden()
    assert "could not be checked here" in view.note.text()


def test_with_the_service_there_is_no_note(app, trust, registry) -> None:  # noqa: ANN001
    view = NidCardView(I18n("en"))
    view.show_reading(_reading(trust, registry.url))
    assert view.note.isHidden() and view.note.text() == ""


def test_a_clone_is_called_a_possible_copy(app, trust, registry) -> None:  # noqa: ANN001
    view = NidCardView(I18n("en"))
    view.show_reading(_reading(trust, registry.url, variant="clone"))
    assert "may be a copy" in view.note.text()


def test_identity_page_switches_to_the_real_card_view(app, trust, qtbot) -> None:  # noqa: ANN001
    from gui.pages.identity import IdentityPage

    page = IdentityPage(I18n("en"))
    qtbot.addWidget(page)
    page.show_nid_reading(_reading(trust))
    assert page.view.isHidden() and not page.nid_view.isHidden()
    assert page.nid_view.name.text() == "SARA REZAEI"
    with qtbot.waitSignal(page.back, timeout=1000):
        page.nid_done.click()


def test_persian_view_uses_persian_words_and_digits(app, trust) -> None:  # noqa: ANN001
    view = NidCardView(I18n("fa"))
    view.show_reading(_reading(trust))
    assert view.assurance.text() == "سطح اطمینان ۳"
    assert "ثبت احوال" in view.note.text()
