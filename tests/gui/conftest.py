"""Fixtures for the desktop app's tests: Qt offscreen, the app's theme, emulated cards, a window."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import: no display needed

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("PySide6", reason="the desktop app needs PySide6 (pip install 'idcard[gui]')")
pytest.importorskip("pytestqt", reason="the GUI tests need pytest-qt")

from gui.config import AppConfig  # noqa: E402
from idcard.session import IdCard  # noqa: E402
from mock_card.card import EmulatedCard  # noqa: E402
from mock_card.pytest_plugin import make_card  # noqa: E402
from reader.base import CardBackend  # noqa: E402
from reader.emulated import register_card, unregister_card  # noqa: E402

DEMO_PIN = "123456"
DEMO_CAN = "123456"
DEMO_PUK = "12345678"
DEMO_PIN2 = "12345"


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["idcard-gui-tests"]


@pytest.fixture
def app(qapp):  # noqa: ANN001, ANN201
    from gui import theme

    if not getattr(qapp, "_idcard_themed", False):
        theme.apply_theme(qapp)
        qapp._idcard_themed = True
    return qapp


@dataclass
class CardSlot:
    """An emulated card behind an in-process reader name, that a test can pull out and put back."""

    card: EmulatedCard | CardBackend
    name: str
    opened: list[IdCard] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name.removeprefix("emulator:")

    def remove(self) -> None:
        """Pull the card: every open connection fails, and the reader reports no card."""
        unregister_card(self.name)
        for card in self.opened:
            card.transport.remove_card()  # type: ignore[attr-defined]

    def insert(self) -> None:
        register_card(self.card, self.label)

    def opener(self, name: str) -> IdCard:
        card = IdCard.open(name)
        self.opened.append(card)
        return card


_counter = iter(range(1, 1_000_000))


@pytest.fixture
def card_factory() -> Iterator[Callable[..., CardSlot]]:
    slots: list[CardSlot] = []

    def make(**options: object) -> CardSlot:
        card = make_card(**options)  # type: ignore[arg-type]
        name = register_card(card, f"gui{next(_counter)}")
        slot = CardSlot(card, name)
        slots.append(slot)
        return slot

    yield make
    for slot in slots:
        unregister_card(slot.name)


@pytest.fixture
def real_card() -> Iterator[Callable[..., CardSlot]]:
    """`real_card("mav4", variant=..., citizen_ca=...)`: an emulated real card family
    (mock_card.profiles) behind an in-process reader name, kept across card sessions."""
    from mock_card.profiles.cardfile import make_profile_card

    slots: list[CardSlot] = []

    def make(profile: str, *, variant: str = "genuine", citizen_ca: str = "root-ca1") -> CardSlot:
        card = make_profile_card(profile, variant=variant, citizen_ca=citizen_ca)
        slot = CardSlot(card, register_card(card, f"gui{next(_counter)}"))
        slots.append(slot)
        return slot

    yield make
    for slot in slots:
        unregister_card(slot.name)


@pytest.fixture
def demo_card(card_factory: Callable[..., CardSlot]) -> CardSlot:
    return card_factory()


@pytest.fixture
def make_window(app, qtbot, tmp_path: Path):  # noqa: ANN001, ANN201
    """`make_window(slot, **config)`: the main window on that card, services running, closed after."""
    from gui.i18n import I18n
    from gui.window import MainWindow

    windows: list[MainWindow] = []

    def make(
        slot: CardSlot | None = None, *, language: str = "en", start: bool = True, **options: object
    ) -> MainWindow:
        config = AppConfig(
            demo=True,
            readers=[slot.name] if slot else [],
            reader=slot.name if slot else None,
            language=language,
            desk_db=str(tmp_path / "desk.sqlite3"),
            desk_name="Desk 7",
            operator="clerk-ali",
            handoff=False,
            handoff_port=0,
            poll_interval=0.05,
        )
        for key, value in options.items():
            setattr(config, key, value)
        window = MainWindow(
            config,
            i18n=I18n(language),
            opener=slot.opener if slot else IdCard.open,
            start_services=start,
        )
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def type_text(widget, text: str) -> None:  # noqa: ANN001
    """Key events as a keyboard layout sends them, Persian digits included (QTest maps only Latin-1)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        key = ord(ch) if ch.isascii() else 0
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))


def type_secret(qtbot, window, secret: str) -> None:  # noqa: ANN001
    """Type into the PIN pad with the keyboard, then press Enter."""
    from PySide6.QtCore import Qt

    field = window.pinpad.field
    field.setFocus()
    type_text(field, secret)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def wait_page(qtbot, window, page, timeout: int = 20000) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: window.stack.currentWidget() is page, timeout=timeout)
