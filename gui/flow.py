"""The unlock dialogue with the card: PIN, and CAN / PUK when the PIN needs them.

`UnlockFlow` drives one card session on the card thread: it learns what the
card needs (`IdCard.secret_request`, which costs no try), asks the GUI for that
secret, unlocks, and then runs a task (read the identity, record a desk
verification ...) in the same session. The GUI renders its signals; the
flow holds no secret: `submit(secret)` hands it to one card job, which
drops it after the PACE run.

PIN care (card-profile.md): 3 tries; after the second wrong PIN it is
suspended (CAN, then one more try); after the third it is blocked (PUK).

A real national card family (iran-nid-cards.md: Mav4, Pardis, Omid) speaks no
PACE: the flow asks `IdCard.nid_driver()` first and, for such a card, asks
for the ID PIN only where the family can verify it (optional for reading,
with its tries read first at no cost), then hands the driver and the PIN (or
None, when the citizen skipped) to `nid_task`. A flow without a `nid_task`
refuses such a card with `card.unsupported_operation` and `nid_refusal`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.cardio import CardWorker, Report
from idcard.cards.base import CardDriver, Operation, UnsupportedOperationError
from idcard.errors import CardStatusError, MalformedResponseError, PinError
from idcard.session import IdCard, SecretRequest
from reader.errors import CodedError, TransportError
from reader.registry import BAD_NAME

log = logging.getLogger("idcard.gui")

Task = Callable[[IdCard, Report], Any]
#: The task for a real card family: its driver, the ID PIN (None: not given), progress.
NidTask = Callable[[CardDriver, str | None, Report], Any]
Opener = Callable[[str], IdCard]


@dataclasses.dataclass(frozen=True)
class NidPinRequest:
    """The ID PIN of a real card family: optional for reading (`UnlockFlow.skip`), needed to log in.

    `reason`: start | pin.wrong (the card refused the last one); `tries_left` as the
    card's PIN objects report it before any try is spent, None when unreadable.
    """

    family: str
    tries_left: int | None
    reason: str = "start"
    #: False where the PIN is needed (a portal login): the pad then offers no Skip.
    optional: bool = True


#: What the flow may ask the GUI for.
Request = SecretRequest | NidPinRequest


def _id_pin_tries(driver: CardDriver) -> int | None:
    """Tries left of the ID PIN without spending one; None when the family or card cannot say."""
    if not driver.capabilities.supports(Operation.PIN_STATUS):
        return None  # e.g. Pardis: its counters need the registry's SMD key
    try:
        return driver.id_pin_status().tries_left
    except (CardStatusError, MalformedResponseError):
        return None  # a layout the spec only infers: the pad then shows no count


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
        nid_task: NidTask | None = None,
        nid_refusal: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.reader = reader
        self.task = task
        self.opener = opener
        self.nid_task = nid_task
        #: Why this flow does not take real card families (when it has no `nid_task`).
        self.nid_refusal = nid_refusal or "this screen works only with cards that speak PACE"
        self.request: Request | None = None
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
            self._job_open, done=self._unlocked, error=self._error, progress=self.progress.emit
        )

    def submit(self, secret: str | None) -> None:
        """Use `secret` for the pending request once; it is not kept. None skips an
        optional ID PIN (real card families read without it)."""
        if self.state != "asking" or self.request is None:
            return
        request = self.request
        if secret is None and not isinstance(request, NidPinRequest):
            return
        self.state = "working"
        self.progress.emit("unlocking" if secret is not None else "reading", 20)

        def job(report: Report, secret: str | None = secret) -> Any:
            try:
                if isinstance(request, NidPinRequest):
                    return self._job_nid(request, secret, report)
                assert secret is not None
                return self._job_unlock(request, secret, report)
            finally:
                del secret

        del secret
        self.worker.run(job, done=self._unlocked, error=self._error, progress=self.progress.emit)

    def skip(self) -> None:
        """Read a real card without its ID PIN (what needs the PIN is then not performed)."""
        self.submit(None)

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
    def _asked(self, request: Request) -> None:
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
        # A reader name that names no reader is a mistake to show, not a card to wait for.
        if (isinstance(exc, TransportError) and code != BAD_NAME) or code in REMOVED_CODES:
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

    def _job_open(self, report: Report) -> tuple[str, Any]:
        self._close()
        card = self._session()
        report("connecting", 10)
        driver = card.nid_driver()
        if driver is None:
            return "ask", card.secret_request()
        if self.nid_task is None:
            raise UnsupportedOperationError(driver.family, Operation.READ_IDENTITY, self.nid_refusal)
        if driver.capabilities.supports(Operation.VERIFY_PIN):
            return "ask", NidPinRequest(driver.family, _id_pin_tries(driver))
        return self._run_nid(driver, None, report)

    def _job_nid(self, request: NidPinRequest, pin: str | None, report: Report) -> tuple[str, Any]:
        driver = self._session().nid_driver()
        assert driver is not None  # the same card session that asked for the PIN
        try:
            return self._run_nid(driver, pin, report)
        except PinError as exc:
            if exc.code != "pin.wrong":
                raise  # blocked: the failure page says so
            return "ask", dataclasses.replace(request, tries_left=exc.tries_left, reason="pin.wrong")

    def _run_nid(self, driver: CardDriver, pin: str | None, report: Report) -> tuple[str, Any]:
        assert self.nid_task is not None
        report("reading", 30)
        result = self.nid_task(driver, pin, report)
        self._close()
        return "done", result

    def _job_unlock(self, request: SecretRequest, secret: str, report: Report) -> tuple[str, Any]:
        card = self._session()
        following = card.answer(request, secret)
        if following is not None:
            return "ask", following
        report("reading", 30)
        result = self.task(card, report)
        self._close()
        return "done", result
