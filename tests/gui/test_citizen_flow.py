"""The citizen's flow: card on the reader → PIN pad (tries shown first) → identity with verdict badges."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit

from gui.widgets import BadgeWidget
from idcard.protocol.pace.oids import PasswordRef
from tests.gui.conftest import DEMO_PIN, type_secret, wait_page


def _texts(widget) -> list[str]:  # noqa: ANN001
    return [w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget)]


def test_full_citizen_flow_in_persian(qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    window = make_window(demo_card, language="fa")
    home = window.home
    qtbot.waitUntil(
        lambda: home.current_reader == demo_card.name and home.read.isEnabled(), timeout=5000
    )
    assert window.layoutDirection().name == "RightToLeft"

    qtbot.mouseClick(home.read, qtbot_button())
    wait_page(qtbot, window, window.pinpad)
    pad = window.pinpad
    # The tries left are on screen before the citizen types anything.
    assert pad.request is not None and pad.request.kind == PasswordRef.PIN and pad.request.tries_left == 3
    assert pad.tries_label.text() == "۳ بار فرصت باقی است"
    assert pad.keypad.keys["1"].text() == "۱"
    assert not pad.warning.isVisible()
    assert not pad.picture.isVisible()

    # Persian digits from a Persian keyboard are accepted and reach the card as ASCII.
    type_secret(qtbot, window, "۱۲۳۴۵۶")
    wait_page(qtbot, window, window.identity)
    assert pad.field.text() == ""  # nothing of the PIN stays in the pad

    view = window.identity.view
    assert view.name_fa.text() == "سارا رضایی"
    assert view.name_latin.text() == "SARA REZAEI"
    assert view.field_values["national_code"].text() == "۰۰۱۲۳۴۵۶۷۹"
    # Solar Hijri first, Gregorian beside it, in Persian digits.
    assert view.field_values["birth"].text() == "۱۲ مرداد ۱۳۶۹ (۳ اوت ۱۹۹۰)"
    assert view.field_values["document"].text()
    assert "۱۴۱۴" in view.field_values["expiry"].text()
    assert view.photo.pixmap() is not None and not view.photo.pixmap().isNull()
    assert view.headline.text().startswith("✓")
    levels = [w.level for w in view.findChildren(BadgeWidget)]
    assert levels == ["ok", "ok", "ok", "ok"]
    texts = " ".join(_texts(view))
    assert "تأیید شد" in texts
    assert "گواهی تا" in texts  # "Certificate valid until …"

    # The full list of checks and the certificate chains are one click away.
    view.details.click()
    dialog = window.identity.dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=3000)
    codes = [dialog.table.item(r, 0).toolTip() for r in range(dialog.table.rowCount())]
    assert {"sod.signature", "csca.chain", "chip.active_auth", "cert.chain"} <= set(codes)
    dialog.close()

    # English at runtime: the same screen, left to right, Latin digits.
    window.language.click()
    assert window.layoutDirection().name == "LeftToRight"
    assert view.field_values["national_code"].text() == "0012345679"
    assert view.field_values["birth"].text() == "3 August 1990 (12 Mordad 1369 SH)"
    assert window.identity.title.text() == "My identity"
    window.language.click()
    assert window.identity.title.text() == "هویت من"

    # Leaving the screen forgets the identity; no PIN is held anywhere in the window.
    window.identity.done.click()
    wait_page(qtbot, window, window.home)
    assert window.reading.last_result is None and window.identity.view.result is None
    for edit in window.findChildren(QLineEdit):
        assert DEMO_PIN not in edit.text()
    assert window.flow is None


def qtbot_button():  # noqa: ANN201
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_keyboard_only(qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    """Tab to the read button, Enter; type the PIN; Enter — no mouse."""
    from PySide6.QtCore import Qt

    window = make_window(demo_card)
    window.activateWindow()
    window.home.read.setFocus()
    qtbot.keyClick(window.home.read, Qt.Key.Key_Space)
    wait_page(qtbot, window, window.pinpad)
    assert window.pinpad.field.hasFocus() or window.focusWidget() is window.pinpad.field
    qtbot.keyClicks(window.pinpad.field, DEMO_PIN)
    qtbot.keyClick(window.pinpad.field, Qt.Key.Key_Return)
    wait_page(qtbot, window, window.identity)
    # Escape on the PIN pad cancels.
    window.start_read()
    wait_page(qtbot, window, window.pinpad)
    qtbot.keyClick(window.pinpad.field, Qt.Key.Key_Escape)
    wait_page(qtbot, window, window.home)


def test_keypad_buttons_and_wrong_length(qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    window.start_read()
    wait_page(qtbot, window, window.pinpad)
    pad = window.pinpad
    for digit in "12345":
        pad.keypad.keys[digit].click()
    assert not pad.ok.isEnabled()  # 5 digits: not yet
    pad.keypad.keys["6"].click()
    pad.keypad.keys["7"].click()  # a 7th digit is not taken
    assert len(pad.field.text()) == 6
    qtbot.keyClicks(pad.field, "a")  # letters are not taken
    assert len(pad.field.text()) == 6
    assert pad.ok.isEnabled()
    pad.ok.click()
    wait_page(qtbot, window, window.identity)
