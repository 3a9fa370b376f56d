"""Typed errors with stable machine codes.

Every failure the user can meet has a `code` (kept stable for scripts,
portals and translations) and a message a citizen can act on. Messages never
contain secrets: no PIN, CAN, PUK or key material is ever formatted into them.
"""

from __future__ import annotations

from reader.errors import CodedError


class IdCardError(CodedError):
    """Any error of the card client, the verifier or the emulator's client side."""


class MalformedResponseError(IdCardError):
    """The card answered with bytes that do not parse (truncated, lying lengths)."""

    code = "card.malformed"


class CardStatusError(IdCardError):
    """The card answered with a status word other than 9000."""

    code = "card.status"

    def __init__(self, message: str, sw: int, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.sw = sw


class UnsupportedCardError(IdCardError):
    code = "card.unsupported"


class SecureMessagingError(IdCardError):
    """A secure-messaging check failed: the session is over and must restart."""

    code = "sm.mac"


class AuthenticationError(IdCardError):
    """BAC/PACE mutual authentication failed (wrong MRZ/CAN, or a fake chip)."""

    code = "auth.failed"


class PinError(IdCardError):
    """A PIN problem: wrong, suspended or blocked. Carries tries left when known."""

    code = "pin.wrong"

    def __init__(
        self, message: str, *, code: str | None = None, tries_left: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.tries_left = tries_left

    def to_json(self) -> dict[str, object]:
        out = super().to_json()
        if self.tries_left is not None:
            out["triesLeft"] = self.tries_left
        return out


class UsageError(IdCardError):
    code = "usage"
