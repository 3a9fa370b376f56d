"""Errors raised by transports, and the coded base every project error shares.

`reader` is the lowest client layer, so the base lives here and
`idcard.errors.IdCardError` derives from it: the CLI and the GUI catch one
type and always find a stable machine `code` and a message a person can act on.
"""

from __future__ import annotations


class CodedError(Exception):
    """An error with a stable machine code. Messages never contain secrets."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class TransportError(CodedError):
    """A reader or the link to the card failed."""

    code = "card.io"


class ReaderNotFoundError(TransportError):
    code = "reader.not_found"


class DriverMissingError(TransportError):
    """An optional hardware library (pyscard, nfcpy) is not installed."""

    code = "reader.driver_missing"


class NoCardError(TransportError):
    code = "card.absent"


class CardRemovedError(TransportError):
    code = "card.removed"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or CARD_REMOVED, code=code)


#: What a person needs to hear when the card went away mid-operation, whatever the reader.
CARD_REMOVED = "The card was removed; put it back and try again."


class CardTimeoutError(TransportError):
    """The card did not answer in time (a hung or half-removed card)."""

    code = "card.timeout"
