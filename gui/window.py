"""The main window: top bar, pages, and the wiring of card flows, desk, signing and portal logins."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

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
from gui.flow import Opener, UnlockFlow, open_card
from gui.handoff import HandoffService, QtPrompt, Question
from gui.i18n import I18n
from gui.messages import error_text, pad_text
from gui.pages.consent import ConsentPage, HandoffProgressPage
from gui.pages.desk import DeskPage
from gui.pages.home import HomePage
from gui.pages.identity import IdentityPage, VerdictDialog
from gui.pages.pinpad import PinPadPage
from gui.pages.pins import ChangeRequest, PinCounters, PinsPage
from gui.pages.sign import SignPage, SignRequest, signature_path
from gui.pages.status import StatusPage, step_text
from gui.reading import ReadResult, read_identity
from gui.trust import Trust, build_trust, is_demo_reader
from idcard.desk.records import PURPOSES, Record, build_record, verify_bundle
from idcard.desk.store import describe, open_store
from idcard.files import write_atomically
from idcard.session import CAN, PIN, SecretRequest
from reader.errors import CodedError, NoCardError

log = logging.getLogger("idcard.gui")


@dataclass(frozen=True)
class FlowStatus:
    """What the status page shows for the running card flow (re-rendered on a language change)."""

    kind: Literal["progress", "failed", "removed"]
    step: str = ""
    percent: int = 0
    code: str = ""
    message: str = ""


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
        self._status: FlowStatus | None = None
        self.config = config
        self.i18n = i18n or I18n(config.language)
        self.opener = opener
        self.worker = Worker(self, name="idcard-card")
        self.db = Worker(self, name="idcard-db")
        self._trust: dict[bool, Trust] = {}
        self.store = open_store(config.desk_db or config.env_db)
        self.flow: UnlockFlow | None = None
        self.flow_return: QWidget | None = None
        self.pad_target: Any = None  # UnlockFlow or Question
        self.handoff_active = False
        self.handoff_origin = ""
        self.last_result: ReadResult | None = None
        self.desk_result: ReadResult | None = None
        self._handoff_reader: str | None = config.reader
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
        self.status.primary_clicked.connect(self._status_primary)
        self.status.secondary_clicked.connect(self._status_secondary)
        self.identity.back.connect(self._identity_done)
        self.pins.refresh_requested.connect(self.refresh_pins)
        self.pins.change_requested.connect(self.change_pin)
        self.sign.sign_requested.connect(self.sign_file)
        self.desk.read_requested.connect(self.start_desk_read)
        self.desk.record_requested.connect(self.record_desk)
        self.desk.discard_requested.connect(lambda: self.desk.show_result(None))
        self.desk.search_changed.connect(self.search_records)
        self.desk.receipt_requested.connect(self.save_receipt)
        self.desk.bundle_requested.connect(self.save_bundle)
        self.desk.reverify_requested.connect(self.reverify_record)
        self.desk.check_file_requested.connect(self.check_bundle_file)
        self.consent.answered.connect(self._consent_answered)
        self.handoff_page.close_requested.connect(self._handoff_closed)

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

        self.prompt = QtPrompt(parent=self)
        self.prompt.asked.connect(self._handoff_question)
        self.prompt.progressed.connect(self._handoff_progress)
        self.prompt.finished.connect(self._handoff_finished)
        self.handoff: HandoffService | None = None
        if start_services:
            self.start_services()
        self.go(self.home)
        if config.start_page != "home":
            self.nav_to(config.start_page)

    # -- services -------------------------------------------------------------------------------
    def start_services(self) -> None:
        self.monitor.start()
        if self.config.handoff and self.handoff is None:
            service = HandoffService(
                self.prompt,
                self._reader_for_handoff,
                port=self.config.handoff_port,
                dev=self.config.dev,
                open_card=self.opener,
                card_thread=self.worker.call,
            )
            if service.start():
                self.handoff = service
                self.home.set_service(service.address)
        self.search_records("")

    def shutdown(self) -> None:
        if self._shut_down:
            return
        self._shut_down = True
        if self.flow is not None:
            self.flow.cancel()
        if self.handoff is not None:
            self.handoff.stop()
            self.handoff = None
        self.prompt.cancel_pending()
        self.monitor.stop()
        self.worker.shutdown()
        self.db.run(lambda _r: self.store.close(), always=True)
        self.db.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def _reader_for_handoff(self) -> str:
        name = self._handoff_reader
        if not name:
            raise NoCardError("No ID card found. Put your card on the reader and try again.")
        return name

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
            self._refresh_status()

    def toggle_language(self) -> None:
        self.i18n.set_language("en" if self.i18n.rtl else "fa")

    def nav_to(self, key: str) -> None:
        if self.handoff_active:
            self._sync_nav()
            return
        pages = {"home": self.home, "pins": self.pins, "sign": self.sign, "desk": self.desk}
        page = pages.get(key, self.home)
        if self.flow is not None and self.flow.state not in ("done", "failed", "cancelled"):
            self.flow.cancel()
            self.flow = None
        if page is self.pins:
            self.refresh_pins()
        self.go(page)

    def go(self, page: QWidget) -> None:
        if page is not self.identity and self.stack.currentWidget() is self.identity:
            self.identity.clear()
        self.stack.setCurrentWidget(page)
        self._sync_nav()
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

    def _sync_nav(self) -> None:
        page = self.stack.currentWidget()
        pages: dict[QWidget, str] = {self.pins: "pins", self.sign: "sign", self.desk: "desk"}
        key = pages.get(page, "home") if page is not None else "home"
        if self.flow is not None and self.flow_return is self.desk:
            key = "desk"
        self.nav_buttons[key].setChecked(True)
        for b in self.nav_buttons.values():
            b.setEnabled(not self.handoff_active)

    # -- readers ----------------------------------------------------------------------------------
    def readers_changed(self, readers: list[ReaderState]) -> None:
        self.readers = readers
        self.home.set_readers(readers, preferred=self.config.reader)
        self._handoff_reader = self.home.current_reader
        self._update_banner()
        if self.flow is not None:
            state = next((r for r in readers if r.name == self.flow.reader), None)
            self.flow.card_presence(state.present if state else False)

    def _reader_selected(self, name: str) -> None:
        self._handoff_reader = name
        self._update_banner()

    def _update_banner(self) -> None:
        reader = self.current_reader()
        self.banner.setVisible(self.config.demo or (reader is not None and is_demo_reader(reader)))

    def current_reader(self) -> str | None:
        return self.home.current_reader

    # -- the unlock flows (citizen read, desk read) -------------------------------------------------------
    def start_read(self) -> None:
        reader = self.current_reader()
        if not reader:
            return
        trust = self.trust_for(reader)

        def task(card: Any, report: Callable[[str, int], None]) -> ReadResult:
            return read_identity(card, report, trust, reader=reader)

        self.run_flow(reader, task, self._show_identity, back_to=self.home)

    def start_desk_read(self) -> None:
        reader = self.current_reader()
        if not reader:
            self.desk.show_history_message(error_text("card.absent"), False)
            return
        trust = self.trust_for(reader)
        purpose = PURPOSES[self.desk.purpose_key]
        desk, operator = self.desk.desk_name(), self.desk.operator_name()

        def task(card: Any, report: Callable[[str, int], None]) -> ReadResult:
            result = read_identity(
                card,
                report,
                trust,
                reader=reader,
                data_groups=purpose.data_groups,
                desk=(desk, operator),
            )
            result.context = {"desk": desk, "operator": operator, "purpose": purpose.key}
            return result

        self.desk.show_result(None)
        self.run_flow(reader, task, self._show_desk_result, back_to=self.desk)

    def run_flow(
        self,
        reader: str,
        task: Callable[..., Any],
        on_done: Callable[[Any], None],
        *,
        back_to: QWidget,
    ) -> UnlockFlow:
        if self.flow is not None:
            self.flow.cancel()
        flow = UnlockFlow(self.worker, reader, task, opener=self.opener, parent=self)
        self.flow = flow
        self.flow_return = back_to
        flow.ask.connect(lambda request: self._flow_ask(flow, request))
        flow.progress.connect(lambda step, pct: self._flow_progress(flow, step, pct))
        flow.finished.connect(lambda result: self._flow_finished(flow, result, on_done))
        flow.failed.connect(lambda code, message: self._flow_failed(flow, code, message))
        flow.card_removed.connect(lambda: self._flow_removed(flow))
        self._show_progress("connecting", 5)
        flow.start()
        return flow

    def _flow_ask(self, flow: UnlockFlow, request: SecretRequest) -> None:
        if flow is not self.flow:
            return
        self.pad_target = flow
        purpose = (
            self.tr("Enter the citizen's PIN: the citizen types it.")
            if self.flow_return is self.desk
            else ""
        )
        context = self.tr("Service desk") if self.flow_return is self.desk else ""
        self.pinpad.show_request(request, context=context, purpose=purpose)
        self.go(self.pinpad)

    def _flow_progress(self, flow: UnlockFlow, step: str, percent: int) -> None:
        if flow is not self.flow or flow.state in ("asking", "removed", "failed", "cancelled"):
            return
        if self.stack.currentWidget() is not self.status or self.status.kind != "progress":
            self._show_progress(step, percent)
        else:
            self.status.set_progress(step, percent)

    def _show_progress(self, step: str, percent: int) -> None:
        self._status = FlowStatus("progress", step=step, percent=percent)
        self.status.show_state(
            "progress",
            self.tr("Please wait"),
            self.tr("Keep your card on the reader."),
            progress=percent,
            step=step_text(step),
            secondary=self.tr("Cancel"),
        )
        self.go(self.status)

    def _flow_finished(self, flow: UnlockFlow, result: Any, on_done: Callable[[Any], None]) -> None:
        if flow is not self.flow:
            return
        self.flow = None
        self.pad_target = None
        on_done(result)

    def _flow_failed(self, flow: UnlockFlow, code: str, message: str) -> None:
        if flow is not self.flow:
            return
        self.pad_target = None
        self._status = FlowStatus("failed", code=code, message=message)
        self._refresh_status()
        self.go(self.status)

    def _flow_removed(self, flow: UnlockFlow) -> None:
        if flow is not self.flow:
            return
        self.pad_target = None
        self.home.set_removed(True)
        self._status = FlowStatus("removed")
        self._refresh_status()
        self.go(self.status)

    def _refresh_status(self) -> None:
        status = self._status
        if status is None:
            return
        if status.kind == "removed":
            self.status.show_state(
                "removed",
                self.tr("Card removed — put it back to continue"),
                self.tr(
                    "The card left the reader before the app was done. Put it back: the app starts again by itself, and asks for your PIN again."
                ),
                primary=self.tr("Try again"),
                secondary=self.tr("Cancel"),
                style="Warning",
            )
        elif status.kind == "failed":
            self.status.show_state(
                "failed",
                self.tr("That did not work"),
                error_text(status.code, status.message),
                primary=self.tr("Back"),
                style="Warning",
            )
        elif status.kind == "progress":
            self.status.show_state(
                "progress",
                self.tr("Please wait"),
                self.tr("Keep your card on the reader."),
                progress=self.status.bar.value() if self.status.kind == "progress" else status.percent,
                step=step_text(status.step),
                secondary=self.tr("Cancel"),
            )

    def _status_primary(self) -> None:
        kind = self.status.kind
        if kind == "removed" and self.flow is not None:
            self.home.set_removed(False)
            self.flow.retry()
        else:
            self._leave_flow()

    def _status_secondary(self) -> None:
        self._leave_flow()

    def _leave_flow(self) -> None:
        back = self.flow_return or self.home
        if self.flow is not None:
            self.flow.cancel()
            self.flow = None
        self.pad_target = None
        self.status.kind = ""
        self.home.set_removed(False)
        self.go(back)

    def _pad_submitted(self, secret: str) -> None:
        target, self.pad_target = self.pad_target, None
        if isinstance(target, UnlockFlow):
            target.submit(secret)
        elif isinstance(target, Question):
            target.reply(secret)
            self.go(self.handoff_page)
        del secret

    def _pad_cancelled(self) -> None:
        target, self.pad_target = self.pad_target, None
        if isinstance(target, Question):
            target.reply(None)
            self.go(self.handoff_page)
        else:
            self._leave_flow()

    def _show_identity(self, result: ReadResult) -> None:
        self.last_result = result
        self.identity.show_result(result)
        self.go(self.identity)

    def _identity_done(self) -> None:
        self.last_result = None
        self.go(self.home)

    # -- PINs ------------------------------------------------------------------------------------------
    def refresh_pins(self) -> None:
        reader = self.current_reader()
        if not reader:
            self.pins.show_counters(None)
            return
        opener = self.opener

        def job(_report: Any) -> PinCounters:
            with opener(reader) as card:
                status = card.pin_status()
                return PinCounters(status.tries_left, status.state, card.puk_uses_left())

        self.pins.set_busy(True)
        self.worker.run(job, done=self._pins_counted, error=self._pins_failed)

    def _pins_counted(self, counters: PinCounters) -> None:
        self.pins.set_busy(False)
        self.pins.show_counters(counters)

    def _pins_failed(self, exc: BaseException) -> None:
        self.pins.set_busy(False)
        self.pins.show_counters(None)
        code = getattr(exc, "code", "app.error")
        if code not in ("card.absent", "card.removed"):
            self.pins.show_message(error_text(code, getattr(exc, "message", str(exc))), False)

    def change_pin(self, request: ChangeRequest) -> None:
        reader = self.current_reader()
        if not reader:
            self.pins.show_message(error_text("card.absent"), False)
            return
        opener = self.opener

        def job(_report: Any, request: ChangeRequest = request) -> str:
            try:
                with opener(reader) as card:
                    if request.kind == "pin":
                        card.change_pin(request.current, request.new)
                    else:
                        card.unlock(CAN, request.can)
                        card.change_signature_pin(request.current, request.new)
                return request.kind
            finally:
                del request

        del request
        self.pins.set_busy(True)
        self.pins.show_message("", True)
        self.worker.run(job, done=self._pin_changed, error=self._pin_change_failed)

    def _pin_changed(self, kind: str) -> None:
        self.pins.set_busy(False)
        text = (
            self.tr("Your PIN is changed.")
            if kind == "pin"
            else self.tr("Your signature PIN is changed.")
        )
        self.pins.show_message(text, True)
        self.refresh_pins()

    def _pin_change_failed(self, exc: BaseException) -> None:
        self.pins.set_busy(False)
        code = getattr(exc, "code", "app.error")
        tries = getattr(exc, "tries_left", None)
        if code in ("pin.wrong", "pin2.wrong") and tries is not None:
            text = (
                pad_text(SecretRequest(PIN, tries, "pin.wrong"), self.i18n).warning
                if code == "pin.wrong"
                else (
                    error_text(code)
                    + " "
                    + self.tr("{n} tries left.").format(n=self.i18n.digits(tries))
                )
            )
        elif code == "auth.password":
            text = error_text("can.wrong")
        else:
            text = error_text(code, getattr(exc, "message", str(exc)))
        self.pins.show_message(text, False)
        self.refresh_pins()

    # -- signing -------------------------------------------------------------------------------------
    def sign_file(self, request: SignRequest) -> None:
        reader = self.current_reader()
        if not reader:
            self.sign.show_message(error_text("card.absent"), False)
            return
        opener = self.opener

        def job(report: Any, request: SignRequest = request) -> Path:
            from idcard.signing import sign_detached

            try:
                data = request.path.read_bytes()
                with opener(reader) as card:
                    card.unlock(CAN, request.can)
                    signature = sign_detached(card, data, request.pin2)
                target = signature_path(request.path)
                write_atomically(target, signature)
                return target
            finally:
                del request

        del request
        self.sign.set_busy(True)
        self.sign.show_message("", True)
        self.worker.run(job, done=self._signed, error=self._sign_failed)

    def _signed(self, target: Path) -> None:
        self.sign.set_busy(False)
        self.sign.show_message(
            self.tr("Signed. The signature is saved as {file}").format(
                file=self.i18n.ltr(str(target))
            ),
            True,
        )

    def _sign_failed(self, exc: BaseException) -> None:
        self.sign.set_busy(False)
        code = getattr(exc, "code", "app.error")
        tries = getattr(exc, "tries_left", None)
        if code == "auth.password":
            text = error_text("can.wrong")
        elif code == "pin2.wrong" and tries is not None:
            text = (
                error_text(code)
                + " "
                + self.tr("{n} tries left.").format(n=self.i18n.digits(tries))
            )
        elif isinstance(exc, OSError):
            text = error_text("app.error", str(exc))
        else:
            text = error_text(code, getattr(exc, "message", str(exc)))
        self.sign.show_message(text, False)

    # -- desk ------------------------------------------------------------------------------------------
    def _show_desk_result(self, result: ReadResult) -> None:
        self.desk_result = result
        self.desk.show_result(result)
        self.go(self.desk)

    def record_desk(self) -> None:
        result = self.desk_result
        if result is None:
            return
        try:
            record = build_record(
                result.document,
                result.desk,
                result.certificate,
                desk=result.context.get("desk", self.desk.desk_name()),
                operator=result.context.get("operator", self.desk.operator_name()),
                purpose=PURPOSES[result.context.get("purpose", self.desk.purpose_key)],
                challenge_time=result.read_at,
            )
        except ValueError as exc:
            self.desk.show_result_message(error_text("desk.store", str(exc)), False)
            return
        store = self.store
        self.db.run(
            lambda _r: store.add(record),
            done=lambda _v: self._recorded(record),
            error=self._record_failed,
        )

    def _recorded(self, record: Record) -> None:
        self.desk_result = None
        self.desk.recorded(record)
        self.search_records(self.desk.search.text())

    def _record_failed(self, exc: BaseException) -> None:
        self.desk.show_result_message(
            error_text("desk.store", getattr(exc, "message", str(exc))), False
        )

    def search_records(self, text: str) -> None:
        store = self.store
        self.db.run(
            lambda _r: store.search(text),
            done=self.desk.show_records,
            error=lambda exc: self.desk.show_history_message(
                error_text("desk.store", getattr(exc, "message", str(exc))), False
            ),
        )

    def ask_save_path(self, title: str, suggested: str, file_filter: str) -> str:
        """A file dialog (tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, file_filter)
        return path

    def ask_open_path(self, title: str, file_filter: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self, title, "", file_filter)
        return path

    def save_receipt(self, record: Record) -> None:
        from gui.desk.receipt import write_receipt

        path = self.ask_save_path(
            self.tr("Save the receipt"), f"receipt-{record.id[:12]}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        write_receipt(record, path, self.i18n)
        self.desk.show_history_message(
            self.tr("Receipt saved: {file}").format(file=self.i18n.ltr(path)), True
        )

    def save_bundle(self, record: Record) -> None:
        path = self.ask_save_path(
            self.tr("Save the evidence"), f"evidence-{record.id[:12]}.json", "JSON (*.json)"
        )
        if not path:
            return
        write_atomically(Path(path), record.bundle_json().encode("utf-8"), private=True)
        self.desk.show_history_message(
            self.tr("Evidence saved: {file}").format(file=self.i18n.ltr(path)), True
        )

    def reverify_record(self, record: Record) -> None:
        self._show_reverification(record.bundle_json(), record.hash)

    def check_bundle_file(self) -> None:
        path = self.ask_open_path(self.tr("Open an evidence file"), "JSON (*.json)")
        if not path:
            return
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.desk.show_history_message(error_text("app.error", str(exc)), False)
            return
        self._show_reverification(text, None)

    def _show_reverification(self, bundle: str, expected_hash: str | None) -> None:
        from gui.reading import ReadResult as _RR
        from idcard.desk.records import BundleError
        from idcard.document import Document, DocumentFiles

        trust = self.trust_for("emulator:" if self.config.demo else None)
        try:
            verdict, body = verify_bundle(bundle, trust.documents, expected_hash=expected_hash)
        except (BundleError, CodedError) as exc:
            self.desk.show_history_message(error_text("app.error", str(exc)), False)
            self.last_reverification = None
            return
        self.last_reverification = verdict
        ok = verdict.verified
        self.desk.show_history_message(
            self.tr("Checked again: the record and its evidence are genuine.")
            if ok
            else self.tr("Checked again: NOT verified — see the details."),
            ok,
        )
        shown = _RR(
            Document(DocumentFiles(None), None, None, verdict),
            None,
            "",
            trust.test_anchors,
            dt.datetime.now(dt.UTC),
        )
        self.reverify_dialog = VerdictDialog(self.i18n, shown, self)
        self.reverify_dialog.setWindowTitle(self.tr("Record checked again"))
        self.reverify_dialog.open()

    # -- portal login (hand-off) ----------------------------------------------------------------------------
    def _raise(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def _handoff_question(self, question: Question) -> None:
        if question.kind == "consent":
            if self.flow is not None:
                self.flow.cancel()
                self.flow = None
            self.handoff_active = True
            self.handoff_origin = question.origin
            self.pad_target = question
            self.consent.ask(question.origin, question.attributes)
            self.handoff_page.begin(question.origin)
            self.go(self.consent)
            self._raise()
        elif question.kind == "pin":
            self.pad_target = question
            reason = "pin.wrong" if question.attempt > 1 else "start"
            request = SecretRequest(PIN, question.tries_left, reason)
            context = self.tr("To log in to {origin}").format(origin=question.origin)
            self.pinpad.show_request(request, context=context)
            self.go(self.pinpad)
            self._raise()

    def _consent_answered(self, value: object) -> None:
        target, self.pad_target = self.pad_target, None
        if isinstance(target, Question) and target.kind == "consent":
            target.reply(value)
            self.go(self.handoff_page)

    def _handoff_progress(self, step: str, percent: int) -> None:
        self.handoff_page.set_progress(step, percent)

    def _handoff_finished(self, origin: str | None, ok: bool, message: str, code: str | None) -> None:
        started = self.handoff_active or self.stack.currentWidget() is self.handoff_page
        self.handoff_active = False
        if isinstance(self.pad_target, Question):
            self.pad_target = None
        self._sync_nav()
        if not started:
            return  # a request the citizen never saw (unusable): the browser got the error page
        self.handoff_page.finish(ok, message, code or None)
        if self.stack.currentWidget() in (self.pinpad, self.consent):
            self.go(self.handoff_page)

    def _handoff_closed(self) -> None:
        self.go(self.home)
