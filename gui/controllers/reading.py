"""Reading a card (the citizen's "Read my card", and the desk's read): the unlock dialogue on
the PIN pad, progress / failure / removal on the status page, the result on the identity page.

One `UnlockFlow` at a time; its signals are dropped once a newer flow replaced it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from gui.cardio import ReaderState
from gui.flow import NidTask, Request, UnlockFlow
from gui.messages import error_text
from gui.pages.status import step_text
from gui.reading import ReadResult, read_identity, read_nid
from idcard.cards.base import CardDriver
from idcard.cards.reading import NidReading

if TYPE_CHECKING:
    from gui.window import MainWindow

# The texts kept their MainWindow context when they moved here from the window.
translate = QCoreApplication.translate

Report = Callable[[str, int], None]


@dataclass(frozen=True)
class FlowStatus:
    """What the status page shows for the running card flow (re-rendered on a language change)."""

    kind: Literal["progress", "failed", "removed"]
    step: str = ""
    percent: int = 0
    code: str = ""
    message: str = ""


class ReadController:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.flow: UnlockFlow | None = None
        # The page a flow returns to (home or desk).
        self.flow_return: QWidget | None = None
        # The citizen's last read shown on the identity page (None once left).
        self.last_result: ReadResult | None = None
        self.status: FlowStatus | None = None
        window.status.primary_clicked.connect(self._status_primary)
        window.status.secondary_clicked.connect(self.leave_flow)
        window.identity.back.connect(self._identity_done)

    @property
    def running(self) -> bool:
        return self.flow is not None and self.flow.state not in ("done", "failed", "cancelled")

    def start_read(self) -> None:
        """The citizen's read: PACE and the ICAO files, or a real card family's reading."""
        window = self.window
        reader = window.current_reader()
        if not reader:
            return
        trust = window.trust_for(reader)
        service = window.config.key_service_url

        def task(card: Any, report: Report) -> ReadResult:
            return read_identity(card, report, trust, reader=reader)

        def nid_task(driver: CardDriver, pin: str | None, report: Report) -> NidReading:
            return read_nid(driver, pin, report, trust, key_service=service)

        self.run_flow(reader, task, self._show_result, back_to=window.home, nid_task=nid_task)

    def run_flow(
        self,
        reader: str,
        task: Callable[..., Any],
        on_done: Callable[[Any], None],
        *,
        back_to: QWidget,
        nid_task: NidTask | None = None,
        nid_refusal: str = "",
    ) -> UnlockFlow:
        window = self.window
        if self.flow is not None:
            self.flow.cancel()
        flow = UnlockFlow(
            window.worker,
            reader,
            task,
            opener=window.opener,
            nid_task=nid_task,
            nid_refusal=nid_refusal,
            parent=window,
        )
        self.flow = flow
        self.flow_return = back_to
        flow.ask.connect(lambda request: self._ask(flow, request))
        flow.progress.connect(lambda step, pct: self._progress(flow, step, pct))
        flow.finished.connect(lambda result: self._finished(flow, result, on_done))
        flow.failed.connect(lambda code, message: self._failed(flow, code, message))
        flow.card_removed.connect(lambda: self._removed(flow))
        self._show_progress("connecting", 5)
        flow.start()
        return flow

    def cancel_flow(self) -> None:
        if self.flow is not None:
            self.flow.cancel()
            self.flow = None

    def card_presence(self, readers: list[ReaderState]) -> None:
        """The reader monitor's news, for the flow's reader."""
        if self.flow is not None:
            state = next((r for r in readers if r.name == self.flow.reader), None)
            self.flow.card_presence(state.present if state else False)

    def leave_flow(self) -> None:
        window = self.window
        back = self.flow_return or window.home
        self.cancel_flow()
        window.pad_target = None
        window.status.kind = ""
        window.home.set_removed(False)
        window.go(back)

    # -- the flow's signals ---------------------------------------------------------------------
    def _ask(self, flow: UnlockFlow, request: Request) -> None:
        if flow is not self.flow:
            return
        window = self.window
        window.pad_target = flow
        at_desk = self.flow_return is window.desk
        purpose = translate("MainWindow", "Enter the citizen's PIN: the citizen types it.") if at_desk else ""
        context = translate("MainWindow", "Service desk") if at_desk else ""
        window.pinpad.show_request(request, context=context, purpose=purpose)
        window.go(window.pinpad)

    def _progress(self, flow: UnlockFlow, step: str, percent: int) -> None:
        if flow is not self.flow or flow.state in ("asking", "removed", "failed", "cancelled"):
            return
        page = self.window.status
        if self.window.stack.currentWidget() is not page or page.kind != "progress":
            self._show_progress(step, percent)
        else:
            page.set_progress(step, percent)

    def _show_progress(self, step: str, percent: int) -> None:
        self.status = FlowStatus("progress", step=step, percent=percent)
        self.refresh_status(redraw=False)
        self.window.go(self.window.status)

    def _finished(self, flow: UnlockFlow, result: Any, on_done: Callable[[Any], None]) -> None:
        if flow is not self.flow:
            return
        self.flow = None
        self.window.pad_target = None
        on_done(result)

    def _failed(self, flow: UnlockFlow, code: str, message: str) -> None:
        if flow is not self.flow:
            return
        self._show_status(FlowStatus("failed", code=code, message=message))

    def _removed(self, flow: UnlockFlow) -> None:
        if flow is not self.flow:
            return
        self.window.home.set_removed(True)
        self._show_status(FlowStatus("removed"))

    def _show_status(self, status: FlowStatus) -> None:
        self.window.pad_target = None
        self.status = status
        self.refresh_status()
        self.window.go(self.window.status)

    def refresh_status(self, *, redraw: bool = True) -> None:
        """Draw the status page for the flow's state; `redraw`: again, after a language change."""
        status, page = self.status, self.window.status
        if status is None:
            return
        if status.kind == "removed":
            page.show_state(
                "removed",
                translate("MainWindow", "Card removed — put it back to continue"),
                translate(
                    "MainWindow",
                    "The card left the reader before the app was done. Put it back: the app starts again by itself, and asks for your PIN again."
                ),
                primary=translate("MainWindow", "Try again"),
                secondary=translate("MainWindow", "Cancel"),
                style="Warning",
            )
        elif status.kind == "failed":
            page.show_state(
                "failed",
                translate("MainWindow", "That did not work"),
                error_text(status.code, status.message),
                primary=translate("MainWindow", "Back"),
                style="Warning",
            )
        else:
            page.show_state(
                "progress",
                translate("MainWindow", "Please wait"),
                translate("MainWindow", "Keep your card on the reader."),
                # A redraw keeps the bar where the flow has got to.
                progress=page.bar.value() if redraw and page.kind == "progress" else status.percent,
                step=step_text(status.step),
                secondary=translate("MainWindow", "Cancel"),
            )

    def _status_primary(self) -> None:
        if self.window.status.kind == "removed" and self.flow is not None:
            self.window.home.set_removed(False)
            self.flow.retry()
        else:
            self.leave_flow()

    # -- the identity page ----------------------------------------------------------------------
    def _show_result(self, result: ReadResult | NidReading) -> None:
        identity = self.window.identity
        if isinstance(result, NidReading):
            self.last_result = None
            identity.show_nid_reading(result)
        else:
            self.last_result = result
            identity.show_result(result)
        self.window.go(identity)

    def _identity_done(self) -> None:
        self.last_result = None
        self.window.go(self.window.home)
