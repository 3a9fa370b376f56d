"""`idcard-gui --demo --screenshot DIR`: the main screens as PNGs, in Persian and in English.

Drives the real window through the demo card (PIN pad, the read, the desk
record), so the pictures show what a citizen sees, with real data; the
real-card screen is an emulated Mav4 card (mock_card.profiles) read with its ID PIN.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget

from gui.config import AppConfig
from gui.i18n import I18n
from gui.window import MainWindow
from mock_card.profiles.cardfile import make_profile_card
from reader.emulated import register_card

if TYPE_CHECKING:
    from gui.window import MainWindow

log = logging.getLogger("idcard.gui")

SCREENS = ("home", "pin", "identity", "real-card", "consent", "desk")
DEMO_PIN = "123456"
#: The emulated Mav4 citizen's ID PIN (the last 4 digits of the national code).
MAV4_PIN = "5679"
MAV4_READER = "emulator:screenshot-mav4"
EXAMPLE_ORIGIN = "https://portal.example.ir"


def pump(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    QCoreApplication.processEvents()
    return predicate()


def clipped(root: QWidget) -> list[str]:
    """Visible labels and buttons whose text does not fit in the space they were given."""
    problems = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or widget.width() <= 0:
            continue
        if isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            if widget.wordWrap():
                need = widget.heightForWidth(widget.width())
                if need > widget.height() + 1:
                    problems.append(
                        f"label {widget.text()[:40]!r}: {widget.height()} px high, needs {need}"
                    )
            elif widget.sizeHint().width() > widget.width() + 1:
                problems.append(
                    f"label {widget.text()[:40]!r}: {widget.width()} px wide, needs {widget.sizeHint().width()}"
                )
        elif isinstance(widget, QLineEdit) and not widget.text() and widget.placeholderText():
            need = widget.fontMetrics().horizontalAdvance(widget.placeholderText()) + 30
            if need > widget.width():
                problems.append(
                    f"placeholder {widget.placeholderText()[:40]!r}: {widget.width()} px wide, needs {need}"
                )
        elif isinstance(widget, QAbstractButton) and widget.text():
            if widget.sizeHint().width() > widget.width() + 1:
                problems.append(
                    f"button {widget.text()[:40]!r}: {widget.width()} px wide, needs {widget.sizeHint().width()}"
                )
    return problems


def grab(widget: QWidget, path: Path) -> Path:
    pump(lambda: False, 0.15)  # let layouts settle
    widget.grab().save(str(path))
    for problem in clipped(widget):
        log.warning("%s: %s", path.name, problem)
    return path


def take_screenshots(config: AppConfig, out_dir: str | Path, i18n: I18n) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config.demo = True
    config.reader = config.reader or "emulator:demo"
    config.handoff = False
    _install_mav4()
    config.readers = [*config.readers, MAV4_READER]
    temp = None
    if not config.desk_db:
        temp = tempfile.TemporaryDirectory(prefix="idcard-shots-")
        config.desk_db = str(Path(temp.name) / "desk.sqlite3")
    window = MainWindow(config, i18n=i18n, start_services=False)
    window.resize(1120, 800)
    window.show()
    written: list[Path] = []
    try:
        for language in ("fa", "en"):
            i18n.set_language(language)
            written += _screens(window, out, language)
    finally:
        window.close()
        if temp is not None:
            temp.cleanup()
    return written


def _install_mav4() -> None:
    # Under the TEST Gold intermediate, so the screen shows an assurance level.
    register_card(make_profile_card("mav4", citizen_ca="gold"), MAV4_READER.removeprefix("emulator:"))


def _real_card(window: MainWindow, path: Path) -> Path:
    home = window.home
    demo = home.current_reader
    home.reader_combo.setCurrentIndex(home.reader_combo.findData(MAV4_READER))
    window.start_read()
    if not pump(lambda: window.stack.currentWidget() is window.pinpad, 60):
        raise RuntimeError("the real card's PIN pad did not appear")
    window.pinpad.field.insert(MAV4_PIN)
    window.pinpad.ok.click()
    if not pump(lambda: window.stack.currentWidget() is window.identity, 60):
        raise RuntimeError("the real card's reading did not appear")
    shot = grab(window, path)
    home.reader_combo.setCurrentIndex(home.reader_combo.findData(demo))
    return shot


def _screens(window: MainWindow, out: Path, language: str) -> list[Path]:
    paths = []
    window.nav_to("home")
    paths.append(grab(window, out / f"home-{language}.png"))

    window.start_read()
    if not pump(lambda: window.stack.currentWidget() is window.pinpad, 60):
        raise RuntimeError("the PIN pad did not appear")
    for digit in "123":
        window.pinpad.keypad.keys[digit].click()
    paths.append(grab(window, out / f"pin-{language}.png"))
    window.pinpad.field.wipe()
    window.pinpad.field.insert(DEMO_PIN)
    window.pinpad.ok.click()
    if not pump(lambda: window.stack.currentWidget() is window.identity, 60):
        raise RuntimeError("the identity screen did not appear")
    paths.append(grab(window, out / f"identity-{language}.png"))
    window.nav_to("home")
    paths.append(_real_card(window, out / f"real-card-{language}.png"))

    window.consent.ask(EXAMPLE_ORIGIN, ["name", "nationalCode", "birthDate", "photo"])
    window.go(window.consent)
    paths.append(grab(window, out / f"consent-{language}.png"))

    window.nav_to("desk")
    window.desk_controller.start_read()
    if not pump(lambda: window.stack.currentWidget() is window.pinpad, 60):
        raise RuntimeError("the desk PIN pad did not appear")
    window.pinpad.field.insert(DEMO_PIN)
    window.pinpad.ok.click()
    if not pump(
        lambda: window.stack.currentWidget() is window.desk and window.desk.result is not None, 60
    ):
        raise RuntimeError("the desk read did not finish")
    window.desk_controller.record()
    if not pump(
        lambda: (
            not window.desk.record.isEnabled()
            and len(window.desk.records) > 0
            and not window.db.busy
        ),
        30,
    ):
        raise RuntimeError("the desk record was not saved")
    window.desk.tabs.setCurrentIndex(1)
    pump(lambda: False, 0.1)
    window.desk.select_row(0)
    log.debug("selected record: %s", window.desk.selected())
    paths.append(grab(window, out / f"desk-{language}.png"))
    window.desk.show_result(None)
    window.nav_to("home")
    return paths
