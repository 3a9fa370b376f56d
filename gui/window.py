"""The main window: top bar, pages, navigation, readers; each feature's wiring is a controller
(gui/controllers: reading, PINs, signing, desk, portal login)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.cardio import ReaderMonitor, ReaderState, Worker
from gui.config import AppConfig
from gui.controllers.desk import DeskController
from gui.controllers.handoff import HandoffController
from gui.controllers.pins import PinsController
from gui.controllers.reading import ReadController
from gui.controllers.signing import SignController
from gui.flow import Opener, UnlockFlow, open_card
from gui.handoff import HandoffService, QtPrompt, Question
from gui.i18n import I18n
from gui.pages.consent import ConsentPage, HandoffProgressPage
from gui.pages.desk import DeskPage
from gui.pages.home import HomePage
from gui.pages.identity import IdentityPage
from gui.pages.pinpad import PinPadPage
from gui.pages.pins import PinsPage
from gui.pages.sign import SignPage
from gui.pages.status import StatusPage
from gui.trust import Trust, build_trust, is_demo_reader
from idcard.desk.store import describe, open_store

log = logging.getLogger("idcard.gui")


class MainWindow(QMainWindow):
    def __init__(
        self,
        config: AppConfig,
        *,
        i18n: I18n | None = None,
        opener: Opener = open_card,
        start_services: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.i18n = i18n or I18n(config.language)
        self.opener = opener
        self.worker = Worker(self, name="idcard-card")
        self.db = Worker(self, name="idcard-db")
        self._trust: dict[bool, Trust] = {}
        self.store = open_store(config.desk_db or config.env_db)
        self.pad_target: Any = None  # UnlockFlow or Question
        self.readers: list[ReaderState] = []
        self._shut_down = False

        self.setMinimumSize(980, 700)
        self.resize(1120, 780)
        central = QWidget()
        central.setObjectName("Page")
        self.setCentralWidget(central)
        root = QVBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(self._top_bar())
        self.banner = QFrame()
        self.banner.setObjectName("DemoBanner")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(14, 8, 14, 8)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        bl.addWidget(self.banner_text)
        wrap = QHBoxLayout()
        wrap.setContentsMargins(24, 12, 24, 0)
        wrap.addWidget(self.banner)
        root.addLayout(wrap)
        self.banner.setVisible(
            config.demo
        )  # and whenever the demo card is chosen (see _update_banner)
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)

        self.home = HomePage(self.i18n)
        self.pinpad = PinPadPage(self.i18n)
        self.status = StatusPage(self.i18n)
        self.identity = IdentityPage(self.i18n)
        self.pins = PinsPage(self.i18n)
        self.sign = SignPage(self.i18n)
        self.desk = DeskPage(
            self.i18n,
            desk=config.desk_name,
            operator=config.operator,
            purpose=config.purpose,
            location=describe(self.store.location),
        )
        self.consent = ConsentPage(self.i18n)
        self.handoff_page = HandoffProgressPage(self.i18n)
        for page in (
            self.home,
            self.pinpad,
            self.status,
            self.identity,
            self.pins,
            self.sign,
            self.desk,
            self.consent,
            self.handoff_page,
        ):
            self.stack.addWidget(page)

        self.home.read_requested.connect(self.start_read)
        self.home.pins_requested.connect(lambda: self.go(self.pins))
        self.home.sign_requested.connect(lambda: self.go(self.sign))
        self.home.desk_requested.connect(lambda: self.go(self.desk))
        self.home.reader_selected.connect(self._reader_selected)
        self.pinpad.submitted.connect(self._pad_submitted)
        self.pinpad.cancelled.connect(self._pad_cancelled)
        self.pinpad.skipped.connect(self._pad_skipped)
        self.reading = ReadController(self)
        self.pins_controller = PinsController(self)
        self.sign_controller = SignController(self)
        self.desk_controller = DeskController(self)
        self.prompt = QtPrompt(parent=self)
        self.handoff_controller = HandoffController(self, self.prompt)

        for key, slot in (
            ("Ctrl+1", lambda: self.nav_to("home")),
            ("Ctrl+2", lambda: self.nav_to("pins")),
            ("Ctrl+3", lambda: self.nav_to("sign")),
            ("Ctrl+4", lambda: self.nav_to("desk")),
            ("Ctrl+L", self.toggle_language),
        ):
            QShortcut(QKeySequence(key), self).activated.connect(slot)

        self.i18n.changed.connect(self.retranslate)
        self.retranslate()

        self.monitor = ReaderMonitor(
            config.readers, include_demo=config.demo, interval=config.poll_interval, parent=self
        )
        self.monitor.changed.connect(self.readers_changed)
        self.readers_changed(self.monitor.snapshot())

        if start_services:
            self.start_services()
        self.go(self.home)
        if config.start_page != "home":
            self.nav_to(config.start_page)

    # -- services -------------------------------------------------------------------------------
    def start_services(self) -> None:
        self.monitor.start()
        self.handoff_controller.start()
        self.desk_controller.search("")

    def shutdown(self) -> None:
        if self._shut_down:
            return
        self._shut_down = True
        self.reading.cancel_flow()
        self.handoff_controller.stop()
        self.monitor.stop()
        self.worker.shutdown()
        self.db.run(lambda _r: self.store.close(), always=True)
        self.db.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    # -- trust --------------------------------------------------------------------------------
    def trust_for(self, reader: str | None) -> Trust:
        test = self.config.demo or (reader is not None and is_demo_reader(reader))
        if test not in self._trust:
            self._trust[test] = build_trust(
                self.config.trust, self.config.citizen_trust, test_anchors=test
            )
        return self._trust[test]

    # -- chrome ---------------------------------------------------------------------------------
    def _top_bar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("TopBar")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(20, 10, 20, 10)
        layout.setSpacing(8)
        self.app_title = QLabel()
        self.app_title.setFont(theme.font(15, bold=True))
        layout.addWidget(self.app_title)
        layout.addSpacing(18)
        self.nav = QButtonGroup(self)
        self.nav.setExclusive(True)
        self.nav_buttons: dict[str, QPushButton] = {}
        for key in ("home", "pins", "sign", "desk"):
            b = QPushButton()
            b.setObjectName("NavButton")
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.clicked.connect(lambda _=False, key=key: self.nav_to(key))
            self.nav.addButton(b)
            layout.addWidget(b)
            self.nav_buttons[key] = b
        layout.addStretch(1)
        self.language = QPushButton()
        self.language.setObjectName("NavButton")
        self.language.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.language.setCursor(Qt.CursorShape.PointingHandCursor)
        self.language.clicked.connect(self.toggle_language)
        layout.addWidget(self.language)
        return bar

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("National ID Card"))
        self.app_title.setText(self.tr("National ID Card"))
        self.nav_buttons["home"].setText(self.tr("My card"))
        self.nav_buttons["pins"].setText(self.tr("PINs"))
        self.nav_buttons["sign"].setText(self.tr("Sign"))
        self.nav_buttons["desk"].setText(self.tr("Service desk"))
        self.language.setText("English" if self.i18n.rtl else "فارسی")
        self.language.setToolTip(self.tr("Switch language (Ctrl+L)"))
        self.banner_text.setText(
            self.tr(
                "Demo mode: the built-in demo card of a fictional citizen, checked against the TEST certificates of the demo — not a real card or the national registry."
            )
        )
        if self.status.kind:
            self.reading.refresh_status()

    def toggle_language(self) -> None:
        self.i18n.set_language("en" if self.i18n.rtl else "fa")

    def nav_to(self, key: str) -> None:
        if self.handoff_controller.active:
            self.sync_nav()
            return
        pages = {"home": self.home, "pins": self.pins, "sign": self.sign, "desk": self.desk}
        page = pages.get(key, self.home)
        if self.reading.running:
            self.reading.cancel_flow()
        if page is self.pins:
            self.pins_controller.refresh()
        self.go(page)

    def go(self, page: QWidget) -> None:
        if page is not self.identity and self.stack.currentWidget() is self.identity:
            self.identity.clear()
        self.stack.setCurrentWidget(page)
        self.sync_nav()
        focused = QApplication.focusWidget()
        if focused is None or not page.isAncestorOf(focused):
            first = {
                self.home: self.home.read if self.home.read.isEnabled() else self.home.reader_combo,
                self.pins: self.pins.pin_current,
                self.sign: self.sign.file,
                self.desk: self.desk.read,
            }.get(page)
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)

    def sync_nav(self) -> None:
        page = self.stack.currentWidget()
        pages: dict[QWidget, str] = {self.pins: "pins", self.sign: "sign", self.desk: "desk"}
        key = pages.get(page, "home") if page is not None else "home"
        if self.reading.flow is not None and self.reading.flow_return is self.desk:
            key = "desk"
        self.nav_buttons[key].setChecked(True)
        for b in self.nav_buttons.values():
            b.setEnabled(not self.handoff_controller.active)

    # -- readers ----------------------------------------------------------------------------------
    def readers_changed(self, readers: list[ReaderState]) -> None:
        self.readers = readers
        self.home.set_readers(readers, preferred=self.config.reader)
        self.handoff_controller.reader = self.home.current_reader
        self._update_banner()
        self.reading.card_presence(readers)

    def _reader_selected(self, name: str) -> None:
        self.handoff_controller.reader = name
        self._update_banner()

    def _update_banner(self) -> None:
        reader = self.current_reader()
        self.banner.setVisible(self.config.demo or (reader is not None and is_demo_reader(reader)))

    def current_reader(self) -> str | None:
        return self.home.current_reader

    # -- reading (the flows live in ReadController) ------------------------------------------------------------
    def start_read(self) -> None:
        self.reading.start_read()

    @property
    def flow(self) -> UnlockFlow | None:
        return self.reading.flow

    # -- the PIN pad: a card flow's or a portal login's question ------------------------------------------------
    def _pad_submitted(self, secret: str) -> None:
        target, self.pad_target = self.pad_target, None
        if isinstance(target, UnlockFlow):
            target.submit(secret)
        elif isinstance(target, Question):
            target.reply(secret)
            self.go(self.handoff_page)
        del secret

    def _pad_skipped(self) -> None:
        target, self.pad_target = self.pad_target, None
        if isinstance(target, UnlockFlow):
            target.skip()

    def _pad_cancelled(self) -> None:
        target, self.pad_target = self.pad_target, None
        if isinstance(target, Question):
            target.reply(None)
            self.go(self.handoff_page)
        else:
            self.reading.leave_flow()

    # -- file dialogs (tests replace these) ---------------------------------------------------------------
    def ask_save_path(self, title: str, suggested: str, file_filter: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, file_filter)
        return path

    def ask_open_path(self, title: str, file_filter: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self, title, "", file_filter)
        return path

    # -- portal login (hand-off) ----------------------------------------------------------------------------
    @property
    def handoff(self) -> HandoffService | None:
        """The running hand-off service (None when off or its port was taken)."""
        return self.handoff_controller.service

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()
