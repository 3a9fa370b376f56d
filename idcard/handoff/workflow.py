"""One hand-off, start to end: request → consent → PIN → token → submit → where the browser goes.

Shared by the local web service (`idcard serve`, the desktop app) and
`idcard auth`. Every outcome is an `Outcome`: on success the portal's
redirect; on refusal or error `return?error=<code>` when the portal's
`return` URL is known, else only a code and a message (the request itself
was unusable, so there is nowhere on the portal to send the browser).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from idcard.assertion.builder import build_token
from idcard.budget import Budget
from idcard.cards.base import CardDriver
from idcard.cards.keyservice import CardKeyService
from idcard.cards.login import login_token, refuse_without_service
from idcard.errors import PinError
from idcard.handoff.prompt import Prompt
from idcard.handoff.request import (
    FETCH_DEADLINE,
    AuthRequest,
    HandoffError,
    PortalClient,
    ReturnableError,
    UrlPolicy,
)
from idcard.session import CAN, PIN, PUK, IdCard
from reader.errors import CodedError, NoCardError
from reader.registry import list_readers

__all__ = ["MESSAGES", "HandoffWorkflow", "Outcome", "TokenBuilder", "default_reader"]

T = TypeVar("T")

log = logging.getLogger("idcard.handoff")

#: build_token(card, origin, nonce, *, attributes) -> token dict (idcard.assertion.builder).
TokenBuilder = Callable[..., Mapping[str, Any]]

#: What the citizen is told at the end, by error code (else the error's own message).
MESSAGES = {
    "user.refused": "You refused the request; nothing was sent to the portal.",
    "pin.wrong": "The PIN was wrong; nothing was sent to the portal.",
    "card.absent": "No ID card found. Put your card on the reader and try again.",
}


@dataclass(frozen=True)
class Outcome:
    """How a hand-off ended. `location` is where the browser goes (None: nowhere on the portal)."""

    ok: bool
    location: str | None
    origin: str | None
    code: str | None = None
    message: str = ""

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"ok": self.ok, "origin": self.origin}
        if self.ok:
            data["redirect"] = self.location
        else:
            data["error"] = {"code": self.code, "message": self.message}
            data["return"] = self.location
        return data


def default_reader() -> str:
    """The only reader holding a card (the demo emulator never counts)."""
    readers = list_readers(include_demo=False)
    with_card = [r for r in readers if r.card_present]
    if len(with_card) == 1:
        return with_card[0].name
    if not with_card:
        raise NoCardError("No ID card found in any reader. Put your card on the reader and try again.")
    raise HandoffError(
        "Several readers hold a card; choose one (--reader).", code="card.ambiguous"
    )


def _default_builder(card: IdCard, origin: str, nonce: str, *, attributes: Sequence[str]) -> Mapping[str, Any]:
    return build_token(card, origin, nonce, attributes=attributes)


class HandoffWorkflow:
    """Runs hand-offs, one at a time (the caller serialises; see the server's lock).

    `reader`: a reader name, a callable giving one (asked at each hand-off,
    e.g. the GUI's current choice), or None for the only reader with a card.
    """

    def __init__(
        self,
        prompt: Prompt,
        *,
        reader: str | Callable[[], str] | None = None,
        policy: UrlPolicy | None = None,
        client: PortalClient | None = None,
        open_card: Callable[[str], IdCard] = IdCard.open,
        token_builder: TokenBuilder | None = None,
        key_service: CardKeyService | None = None,
    ) -> None:
        self.prompt = prompt
        #: The registry's card-authentication service: without it a real card family cannot log in.
        self.key_service = key_service
        self.reader = reader
        self.client = client or PortalClient(policy or UrlPolicy())
        self.open_card = open_card
        self.token_builder = token_builder or _default_builder
        # The running login's budget while it has not reached the card (None otherwise).
        self._stale_guard = threading.Lock()
        self._cancellable: Budget | None = None
        # The running login's checked request, so an interrupted service can still
        # send the browser back to the portal (see `interrupted`).
        self._current: AuthRequest | None = None

    def interrupted(self) -> Outcome:
        """Where the browser of the running login goes when the service stops under it.

        The portal's own error address when its request was already checked
        (the citizen stopped the app: `user.refused`), else no address.
        """
        return self._failed(
            self._current, "user.refused", "The ID card app was stopped; nothing was sent to the portal."
        )

    def cancel_stale(self) -> bool:
        """Cancel the running login if it is still fetching its request; True if one was.

        A newer login from the citizen wins over one a page started and left
        hanging on a slow portal. Once the consent is on screen the running
        login is never cut off.
        """
        with self._stale_guard:
            if self._cancellable is None:
                return False
            self._cancellable.cancel()
            return True

    def _set_cancellable(self, budget: Budget | None) -> None:
        with self._stale_guard:
            self._cancellable = budget

    def _reader_name(self) -> str:
        if self.reader is None:
            return default_reader()
        if callable(self.reader):
            return self.reader()
        return self.reader

    def run(self, request_url: str) -> Outcome:
        request: AuthRequest | None = None
        budget = Budget(FETCH_DEADLINE)
        self._set_cancellable(budget)
        try:
            self.prompt.progress("fetch", 5)
            try:
                request = self._current = self.client.fetch(request_url, budget)
            except ReturnableError as exc:
                # The request is unusable, but its `return` URL was checked: send the browser back.
                outcome = Outcome(False, exc.error_location, None, exc.code, exc.message)
                log.info("hand-off refused a request: %s", exc.code)
                self.prompt.done(None, False, exc.message)
                return outcome
            log.info("hand-off requested by %s (attributes: %s)", request.origin, ", ".join(request.attributes))
            redirect = self._authenticate(request, budget)
            outcome = Outcome(True, redirect, request.origin, message=f"Logged in to {request.origin}.")
        except CodedError as exc:
            message = MESSAGES.get(exc.code, exc.message)
            tries = getattr(exc, "tries_left", None)
            if exc.code == "pin.wrong" and tries is not None:
                message = f"{message} {tries} {'try' if tries == 1 else 'tries'} left."
            outcome = self._failed(request, exc.code, message)
        except Exception:
            # A bug must still answer the waiting browser, and be visible in the log.
            log.exception("hand-off failed unexpectedly")
            outcome = self._failed(request, "app.error", "The ID card app failed; see its log.")
        finally:
            self._set_cancellable(None)
            self._current = None
        log.info(
            "hand-off for %s: %s",
            outcome.origin or "(no valid request)",
            "ok" if outcome.ok else outcome.code,
        )
        self.prompt.done(outcome.origin, outcome.ok, outcome.message)
        return outcome

    @staticmethod
    def _failed(request: AuthRequest | None, code: str, message: str) -> Outcome:
        if request is None:
            return Outcome(False, None, None, code, message)
        return Outcome(False, request.error_location(code), request.origin, code, message)

    def _authenticate(self, request: AuthRequest, budget: Budget) -> str:
        prompt = self.prompt
        if budget.cancelled:
            raise HandoffError("A newer login replaced this one.", code="handoff.cancelled")
        # The citizen sees this one now: a newer login waits (409) instead of cutting it off.
        self._set_cancellable(None)
        prompt.progress("consent", 15)
        answer = prompt.consent(request.origin, list(request.attributes))
        if answer is False or answer is None:
            raise HandoffError("The citizen refused the request.", code="user.refused")
        if answer is True:
            granted = list(request.attributes)
        else:
            granted = [a for a in request.attributes if a in answer]
        prompt.progress("card", 25)

        def use(card: IdCard) -> Mapping[str, Any]:
            driver = card.nid_driver()
            if driver is not None:
                return self._nid_token(driver, request, granted)
            self._unlock(card, request.origin)
            prompt.progress("token", 60)
            return self.token_builder(card, request.origin, request.nonce, attributes=granted)

        token = self.card_session(self._reader_name(), use)
        prompt.progress("submit", 85)
        redirect = self.client.submit(request, token)
        prompt.progress("done", 100)
        return redirect

    def card_session(self, reader: str, use: Callable[[IdCard], T]) -> T:
        """Open the card, run `use` on it, close it. An app whose cards live on one
        thread (the desktop app) overrides this to run the whole session there."""
        with self.open_card(reader) as card:
            return use(card)

    def _nid_token(self, driver: CardDriver, request: AuthRequest, granted: Sequence[str]) -> Mapping[str, Any]:
        """A real card family logs in only through the registry's service (iran-nid-cards.md §6):
        the ID PIN, card authentication, then the card's authentication key signs the token."""
        refuse_without_service(driver, self.key_service)  # says why, before the PIN is asked for
        tries: int | None = None
        error: PinError | None = None
        while True:
            self.prompt.progress("pin", 35)
            pin = self.prompt.pin(request.origin, tries)
            if not pin:
                if error is not None:
                    raise error
                raise HandoffError("The citizen cancelled the PIN entry.", code="user.refused")
            self.prompt.progress("unlock", 45)
            try:
                return login_token(
                    driver, self.key_service, pin, request.origin, request.nonce, attributes=granted
                )
            except PinError as exc:
                if exc.code != "pin.wrong":
                    raise
                tries, error = exc.tries_left, exc
            finally:
                del pin

    def _unlock(self, card: IdCard, origin: str) -> None:
        """PACE-PIN through the card's PIN dialogue, asking again after a wrong PIN.

        The hand-off only ever asks for the PIN: a suspended or blocked PIN
        (which needs the CAN or PUK) is resumed in the ID card app.
        """
        request = card.secret_request()
        if request.kind == PUK:
            raise PinError("The PIN is blocked. Unblock it with the PUK in the ID card app.", code="pin.blocked", tries_left=0)
        if request.kind == CAN:
            raise PinError(
                "The PIN is suspended. Resume it with the CAN in the ID card app, then log in again.",
                code="pin.suspended",
                tries_left=1,
            )
        while True:
            self.prompt.progress("pin", 35)
            pin = self.prompt.pin(origin, request.tries_left)
            if not pin:
                if request.error is not None:
                    raise request.error  # gave up after a wrong PIN: that is what the portal learns
                raise HandoffError("The citizen cancelled the PIN entry.", code="user.refused")
            self.prompt.progress("unlock", 45)
            try:
                following = card.answer(request, pin)
            finally:
                del pin  # the PIN is used for this one PACE run only
            if following is None:
                return
            if following.kind != PIN or following.error is None:
                # The PIN needs the CAN or PUK now: the app's job, not the hand-off's.
                raise following.error or PinError("The PIN cannot be used now.", code="pin.suspended")
            request = following
