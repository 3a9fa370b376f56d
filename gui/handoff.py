"""The hand-off service inside the app, and its Qt prompt.

The service (`idcard.handoff.HandoffServer`) runs on its own threads while
the app is open. Its workflow asks the citizen through `QtPrompt`: each
question becomes a signal to the GUI thread, and the workflow's thread
waits for the answer. The window comes to the front with the consent
screen; the PIN goes from the PIN pad to the workflow and nowhere else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from idcard.cards.base import CardDriver
from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.handoff import HandoffServer, HandoffWorkflow, Outcome, UrlPolicy
from idcard.handoff.request import AuthRequest
from idcard.session import IdCard

T = TypeVar("T")

log = logging.getLogger("idcard.gui")

#: How long a question waits for the citizen before the login is refused.
ANSWER_TIMEOUT = 300.0


@dataclass
class Question:
    """One question to the GUI; the workflow's thread waits on `answered`."""

    kind: str  # consent | pin
    origin: str
    attributes: list[str] = field(default_factory=list)
    tries_left: int | None = None
    attempt: int = 0
    #: The real card family whose ID PIN is asked (idcard.cards); None for a nid-v1 PIN.
    family: str | None = None
    answer: Any = None
    answered: threading.Event = field(default_factory=threading.Event)

    def reply(self, value: Any) -> None:
        if not self.answered.is_set():
            self.answer = value
            self.answered.set()


class QtPrompt(QObject):
    """`idcard.handoff.Prompt` for the desktop app. Called on the service's thread, never the GUI's."""

    asked = Signal(object)  # Question
    progressed = Signal(str, int)
    finished = Signal(object, bool, str, object)  # origin, ok, message, code (None until known)

    def __init__(self, timeout: float = ANSWER_TIMEOUT, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeout = timeout
        self.pending: Question | None = None
        self._pin_asks = 0
        self._lock = threading.Lock()
        #: Per hand-off thread: the real card family in use (`GuiWorkflow._nid_token`).
        self._card = threading.local()

    def _ask(self, question: Question) -> Any:
        if threading.current_thread() is threading.main_thread():
            raise RuntimeError("QtPrompt must not be asked on the GUI thread")
        with self._lock:
            self.pending = question
        self.asked.emit(question)
        if not question.answered.wait(self.timeout):
            question.reply(None)
        with self._lock:
            self.pending = None
        return question.answer

    def cancel_pending(self) -> None:
        """The app is closing or the citizen walked away: refuse what is being asked."""
        with self._lock:
            question = self.pending
        if question is not None:
            question.reply(False if question.kind == "consent" else None)

    def set_card_family(self, family: str | None) -> None:
        """The real card family whose ID PIN this hand-off thread's PIN questions ask for."""
        self._card.family = family

    # -- the Prompt protocol ---------------------------------------------------------------
    def consent(self, origin: str, attributes: Sequence[str]) -> bool | set[str]:
        self._pin_asks = 0
        answer = self._ask(Question("consent", origin, list(attributes)))
        if answer is None:
            return False
        return answer

    def pin(self, origin: str, tries_left: int | None) -> str | None:
        self._pin_asks += 1
        question = Question(
            "pin",
            origin,
            tries_left=tries_left,
            attempt=self._pin_asks,
            family=getattr(self._card, "family", None),
        )
        pin = self._ask(question)
        question.answer = None  # the workflow has it now; nobody else keeps it
        return pin

    def progress(self, step: str, percent: int) -> None:
        self.progressed.emit(step, int(percent))

    def done(self, origin: str | None, ok: bool, message: str) -> None:
        """The workflow's word without the code: `outcome` (which has it) tells the GUI, once."""

    def outcome(self, outcome: Outcome) -> None:
        self.finished.emit(outcome.origin, outcome.ok, outcome.message, outcome.code or "")


#: Runs a function on the app's card thread and returns its result.
CardThread = Callable[[Callable[[], T]], T]


def _here(fn: Callable[[], T]) -> T:
    return fn()


class GuiWorkflow(HandoffWorkflow):
    """The hand-off inside the app: cards on the card thread, one `finished` per hand-off with its code."""

    def __init__(self, prompt: QtPrompt, *, card_thread: CardThread = _here, **kwargs: Any) -> None:
        super().__init__(prompt, **kwargs)
        self.qt_prompt = prompt
        self.card_thread = card_thread

    def _nid_token(
        self, driver: CardDriver, request: AuthRequest, granted: Sequence[str]
    ) -> Mapping[str, Any]:
        # The PIN pad asks for a real card's ID PIN (4-8 digits), not a nid-v1 PIN.
        self.qt_prompt.set_card_family(driver.family)
        try:
            return super()._nid_token(driver, request, granted)
        finally:
            self.qt_prompt.set_card_family(None)

    def card_session(self, reader: str, use: Callable[[IdCard], T]) -> T:
        # The app's rule: a card is opened, used and closed on the card thread only.
        # The PIN question inside `use` waits there for the GUI's answer.
        return self.card_thread(lambda: HandoffWorkflow.card_session(self, reader, use))

    def run(self, request_url: str) -> Outcome:
        outcome = super().run(request_url)
        self.qt_prompt.outcome(outcome)
        return outcome


class HandoffService:
    """The running service: started with the window, stopped when it closes."""

    def __init__(
        self,
        prompt: QtPrompt,
        reader: Callable[[], str],
        *,
        port: int,
        dev: bool = False,
        open_card: Callable[[str], IdCard] = IdCard.open,
        card_thread: CardThread = _here,
        key_service: str | None = None,
    ) -> None:
        self.prompt = prompt
        self.workflow = GuiWorkflow(
            prompt,
            card_thread=card_thread,
            reader=reader,
            policy=UrlPolicy(dev=dev),
            open_card=open_card,
            # A real card family logs in only through the registry's service.
            key_service=HttpCardKeyService(key_service) if key_service else None,
        )
        self.server = HandoffServer(self.workflow, port=port)
        self.error: str | None = None

    def start(self) -> bool:
        try:
            self.server.start()
        except Exception as exc:  # port taken, no loopback: the app still works without it
            self.error = getattr(exc, "message", str(exc))
            log.warning("hand-off service not started: %s", self.error)
            return False
        return True

    @property
    def address(self) -> str:
        return self.server.addresses[0] if self.server.sockets else ""

    def stop(self) -> None:
        self.prompt.cancel_pending()
        self.server.stop()
