"""Portal login inside the app: the hand-off service's questions on the consent page and PIN pad."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from gui.flow import NidPinRequest, Request
from gui.handoff import HandoffService, QtPrompt, Question
from idcard.session import PIN, SecretRequest
from reader.errors import NoCardError

if TYPE_CHECKING:
    from gui.window import MainWindow

translate = QCoreApplication.translate


class HandoffController:
    def __init__(self, window: MainWindow, prompt: QtPrompt) -> None:
        self.window = window
        self.prompt = prompt
        #: A hand-off the citizen sees is running: the other features wait.
        self.active = False
        self.origin = ""
        #: The reader a hand-off uses: the one chosen on the home page.
        self.reader: str | None = window.config.reader
        self.service: HandoffService | None = None
        prompt.asked.connect(self.question)
        prompt.progressed.connect(self.progress)
        prompt.finished.connect(self.finished)
        window.consent.answered.connect(self.consent_answered)
        window.handoff_page.close_requested.connect(lambda: window.go(window.home))

    def start(self) -> None:
        config = self.window.config
        if not config.handoff or self.service is not None:
            return
        service = HandoffService(
            self.prompt,
            self._reader,
            port=config.handoff_port,
            dev=config.dev,
            open_card=self.window.opener,
            card_thread=self.window.worker.call,
            key_service=config.key_service_url,
        )
        if service.start():
            self.service = service
            self.window.home.set_service(service.address)

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None
        self.prompt.cancel_pending()

    def _reader(self) -> str:
        if not self.reader:
            raise NoCardError("No ID card found. Put your card on the reader and try again.")
        return self.reader

    def question(self, question: Question) -> None:
        window = self.window
        if question.kind == "consent":
            window.reading.cancel_flow()
            self.active = True
            self.origin = question.origin
            window.pad_target = question
            window.consent.ask(question.origin, question.attributes)
            window.handoff_page.begin(question.origin)
            window.go(window.consent)
            window.bring_to_front()
        elif question.kind == "pin":
            window.pad_target = question
            reason = "pin.wrong" if question.attempt > 1 else "start"
            request: Request = (
                NidPinRequest(question.family, question.tries_left, reason, optional=False)
                if question.family
                else SecretRequest(PIN, question.tries_left, reason)
            )
            context = translate("MainWindow", "To log in to {origin}").format(origin=question.origin)
            window.pinpad.show_request(request, context=context)
            window.go(window.pinpad)
            window.bring_to_front()

    def consent_answered(self, value: object) -> None:
        window = self.window
        target, window.pad_target = window.pad_target, None
        if isinstance(target, Question) and target.kind == "consent":
            target.reply(value)
            window.go(window.handoff_page)

    def progress(self, step: str, percent: int) -> None:
        self.window.handoff_page.set_progress(step, percent)

    def finished(self, origin: str | None, ok: bool, message: str, code: str | None) -> None:
        window = self.window
        started = self.active or window.stack.currentWidget() is window.handoff_page
        self.active = False
        if isinstance(window.pad_target, Question):
            window.pad_target = None
        window.sync_nav()
        if not started:
            return  # a request the citizen never saw (unusable): the browser got the error page
        window.handoff_page.finish(ok, message, code or None)
        if window.stack.currentWidget() in (window.pinpad, window.consent):
            window.go(window.handoff_page)
