"""The unlock dialogue with the card: PIN, and CAN / PUK when the PIN needs them.

`UnlockFlow` drives one card session on the card thread: it learns what the
card needs (`IdCard.secret_request`, which costs no try), asks the GUI for that
secret, unlocks, and then runs a task (read the identity, record a desk
verification ...) in the same session. The GUI renders its signals; the
flow holds no secret: `submit(secret)` hands it to one card job, which
drops it after the PACE run.

PIN care (card-profile.md): 3 tries; after the second wrong PIN it is
suspended (CAN, then one more try); after the third it is blocked (PUK).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.cardio import CardWorker, Report
from idcard.session import IdCard, SecretRequest
from reader.errors import CodedError, TransportError

log = logging.getLogger("idcard.gui")

Task = Callable[[IdCard, Report], Any]
Opener = Callable[[str], IdCard]

#: Errors that mean "the card is gone" (removed, not answering, reader unplugged).
REMOVED_CODES = {"card.removed", "card.absent", "card.timeout", "card.io", "reader.not_found"}


def open_card(reader: str) -> IdCard:
    return IdCard.open(reader)


class UnlockFlow(QObject):
    ask = Signal(object)  # SecretRequest
    progress = Signal(str, int)  # step, percent
    finished = Signal(object)  # the task's result
    failed = Signal(str, str)  # code, message (the library's English message)
    card_removed = Signal()
    cancelled = Signal()

    def __init__(
        self,
        worker: CardWorker,
        reader: str,
        task: Task,
        *,
        opener: Opener = open_card,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.reader = reader
        self.task = task
        self.opener = opener
        self.request: SecretRequest | None = None
        #: idle | connecting | asking | working | removed | done | failed | cancelled
        self.state = "idle"
        self._card: IdCard | None = None  # touched on the card thread only
        self._saw_absent = False

    # -- GUI side ------------------------------------------------------------------------
    def start(self) -> None:
        self.state = "connecting"
        self._saw_absent = False
        self.progress.emit("connecting", 5)
        self.worker.run(
            self._job_open, done=self._asked, error=self._error, progress=self.progress.emit
        )

    def submit(self, secret: str) -> None:
        """Use `secret` for the pending request once; it is not kept."""
        if self.state != "asking" or self.request is None:
            return
        request = self.request
        self.state = "working"
        self.progress.emit("unlocking", 20)

        def job(report: Report, secret: str = secret) -> Any:
            try:
                return self._job_unlock(request, secret, report)
            finally:
                del secret

        del secret
        self.worker.run(job, done=self._unlocked, error=self._error, progress=self.progress.emit)

    def cancel(self) -> None:
        if self.state in ("done", "failed", "cancelled", "idle"):
            self.state = "cancelled"
            return
        self.state = "cancelled"
        self.worker.cancel()
        self.worker.run(lambda _r: self._close(), always=True)
        self.cancelled.emit()

    def card_presence(self, present: bool | None) -> None:
        """The reader monitor's word on our reader."""
        if present is False:
            self._saw_absent = True
            if self.state in ("connecting", "asking", "working"):
                self.worker.cancel()
                self.worker.run(lambda _r: self._close(), always=True)
                self._removed()
        elif present and self.state == "removed" and self._saw_absent:
            self.start()

    def retry(self) -> None:
        """After a removal: start again now (the citizen says the card is back)."""
        if self.state in ("removed", "failed"):
            self.start()

    # -- results on the GUI thread ------------------------------------------------------------
    def _asked(self, request: SecretRequest) -> None:
        if self.state == "cancelled":
            return
        self.request = request
        self.state = "asking"
        self.ask.emit(request)

    def _unlocked(self, outcome: tuple[str, Any]) -> None:
        if self.state == "cancelled":
            return
        what, value = outcome
        if what == "ask":
            self._asked(value)
        else:
            self.state = "done"
            self.request = None
            self.progress.emit("done", 100)
            self.finished.emit(value)

    def _removed(self) -> None:
        self.state = "removed"
        self.request = None
        self.card_removed.emit()

    def _error(self, exc: BaseException) -> None:
        if self.state == "cancelled":
            return
        self.worker.run(lambda _r: self._close(), always=True)
        code = getattr(exc, "code", "app.error")
        if isinstance(exc, TransportError) or code in REMOVED_CODES:
            self._removed()
            return
        self.state = "failed"
        self.request = None
        if isinstance(exc, CodedError):
            self.failed.emit(exc.code, exc.message)
        else:
            log.error("card job failed", exc_info=exc)
            self.failed.emit("app.error", str(exc))

    # -- the card thread ------------------------------------------------------------------------
    def _close(self) -> None:
        card, self._card = self._card, None
        if card is not None:
            try:
                card.close()
            except CodedError:
                pass

    def _session(self) -> IdCard:
        if self._card is None:
            self._card = self.opener(self.reader)
        return self._card

    def _job_open(self, report: Report) -> SecretRequest:
        self._close()
        card = self._session()
        report("connecting", 10)
        return card.secret_request()

    def _job_unlock(self, request: SecretRequest, secret: str, report: Report) -> tuple[str, Any]:
        card = self._session()
        following = card.answer(request, secret)
        if following is not None:
            return "ask", following
        report("reading", 30)
        result = self.task(card, report)
        self._close()
        return "done", result
