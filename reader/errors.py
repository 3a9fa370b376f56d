"""Errors raised by transports.

`reader` sits below `idcard`, so these do not derive from `idcard.errors`;
both carry a stable machine `code` and a message a person can act on, and
the CLI and GUI treat them alike.
"""

from __future__ import annotations


class TransportError(Exception):
    """A reader or the link to the card failed."""

    code = "card.io"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ReaderNotFoundError(TransportError):
    code = "reader.not_found"


class DriverMissingError(TransportError):
    """An optional hardware library (pyscard, nfcpy) is not installed."""

    code = "reader.driver_missing"


class NoCardError(TransportError):
    code = "card.absent"


class CardRemovedError(TransportError):
    code = "card.removed"


class CardTimeoutError(TransportError):
    """The card did not answer in time (a hung or half-removed card)."""

    code = "card.timeout"
