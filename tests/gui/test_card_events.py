"""Readers and card events: insertion and removal live, removal mid-read, a slow card off the GUI thread."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from idcard.protocol.pace.oids import PasswordRef
from tests.gui.conftest import DEMO_PIN, type_secret, wait_page


def test_home_follows_insertion_and_removal(qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    home = window.home
    qtbot.waitUntil(
        lambda: home.current_state() is not None and home.current_state().present, timeout=5000
    )
    assert home.read.isEnabled()
    names = [home.reader_combo.itemData(i) for i in range(home.reader_combo.count())]
    assert demo_card.name in names and "emulator:demo" in names  # every reader, the demo card too

    demo_card.remove()
    qtbot.waitUntil(
        lambda: home.current_state() is not None and home.current_state().present is False,
        timeout=5000,
    )
    assert home.status.text() == "Put your card on the reader"
    assert not home.read.isEnabled()

    demo_card.insert()
    qtbot.waitUntil(lambda: home.current_state().present is True, timeout=5000)
    assert home.status.text() == "Card found"
    assert home.read.isEnabled()


def test_card_removed_mid_read_then_put_back(qtbot, make_window, card_factory) -> None:  # noqa: ANN001
    slot = card_factory()
    window = make_window(slot)
    window.start_read()
    wait_page(qtbot, window, window.pinpad)
    # A slow card, so the read is still going when the card leaves.
    slot.card.latency = 0.2
    type_secret(qtbot, window, DEMO_PIN)
    qtbot.waitUntil(
        lambda: window.status.kind == "progress" and window.status.bar.value() >= 30, timeout=20000
    )
    slot.remove()
    qtbot.waitUntil(lambda: window.status.kind == "removed", timeout=20000)
    assert window.stack.currentWidget() is window.status
    assert window.status.title.text() == "Card removed — put it back to continue"
    assert window.flow is not None and window.flow.state == "removed"
    qtbot.waitUntil(
        lambda: window.home.status.text() == "Card removed — put it back to continue", timeout=5000
    )

    # Put it back: the app starts again by itself and asks for the PIN again (it kept none).
    slot.card.latency = 0.0
    slot.insert()
    wait_page(qtbot, window, window.pinpad)
    assert window.pinpad.request.kind == PasswordRef.PIN
    assert window.pinpad.request.tries_left == 3  # the removal cost no try
    type_secret(qtbot, window, DEMO_PIN)
    wait_page(qtbot, window, window.identity)
    assert window.identity.view.headline.text().startswith("✓")


def test_removed_card_try_again_button(qtbot, make_window, card_factory) -> None:  # noqa: ANN001
    slot = card_factory()
    window = make_window(slot)
    window.start_read()
    wait_page(qtbot, window, window.pinpad)
    slot.remove()
    qtbot.waitUntil(lambda: window.status.kind == "removed", timeout=10000)
    slot.insert()
    window.status.primary.click()  # "Try again", should the citizen be quicker than the reader events
    wait_page(qtbot, window, window.pinpad)


def test_slow_card_does_not_freeze_the_window(qtbot, make_window, card_factory) -> None:  # noqa: ANN001
    """2 seconds per APDU in the emulator: the event loop keeps running while the card thread waits."""
    slot = card_factory(latency=2.0)
    window = make_window(slot)
    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
    timer.start()
    started = time.monotonic()
    window.start_read()  # the first APDUs take 2 s each
    assert time.monotonic() - started < 0.5  # the click returns at once
    qtbot.wait(3000)
    timer.stop()
    assert window.stack.currentWidget() is window.status and window.status.kind == "progress"
    assert len(ticks) >= 60, f"the GUI thread ran only {len(ticks)} timer ticks in 3 s"
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert max(gaps) < 250, f"the window froze for {max(gaps)} ms"
    # Cancel works while the card is still busy, and the window answers at once.
    window.status.secondary.click()
    assert window.stack.currentWidget() is window.home
    slot.card.latency = 0.0


def test_latency_whole_read_stays_responsive(qtbot, make_window, card_factory) -> None:  # noqa: ANN001
    """A full read on a card answering each APDU in 0.1 s: many timer ticks while it runs."""
    slot = card_factory(latency=0.1)
    window = make_window(slot)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    window.start_read()
    wait_page(qtbot, window, window.pinpad, timeout=30000)
    type_secret(qtbot, window, DEMO_PIN)
    wait_page(qtbot, window, window.identity, timeout=60000)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert max(gaps) < 0.3


@pytest.mark.parametrize("mock_card_reader", ["vpcd", "nfc-udp"], indirect=True)
def test_citizen_read_over_pcsc_and_nfc(qtbot, make_window, mock_card_reader) -> None:  # noqa: ANN001
    """The same flow through pcscd (vsmartcard vpcd) and nfcpy's udp radio, as with a real reader."""
    name = mock_card_reader.name
    extra = [] if name.startswith("pcsc:") else [name]  # PC/SC readers are found by discovery
    window = make_window(None, readers=extra, reader=name)
    home = window.home
    qtbot.waitUntil(lambda: home.current_reader == name, timeout=10000)
    if name.startswith("pcsc:"):
        qtbot.waitUntil(lambda: home.current_state().present is True, timeout=10000)
        assert home.current_state().kind == "pcsc"
    assert home.read.isEnabled()
    window.start_read()
    wait_page(qtbot, window, window.pinpad, timeout=60000)
    assert window.pinpad.request.tries_left == 3
    type_secret(qtbot, window, DEMO_PIN)
    wait_page(qtbot, window, window.identity, timeout=120000)
    assert window.identity.view.name_latin.text() == "SARA REZAEI"
    assert window.identity.view.headline.text().startswith("✓")
