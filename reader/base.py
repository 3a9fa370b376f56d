"""The one transport interface every reader kind implements.

A transport exchanges raw APDU bytes with one card. Everything above
`reader/` (secure messaging, PACE, file reading) is identical whichever
transport carries the bytes.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ReaderInfo:
    """One reader as discovery reports it."""

    name: str  # URI-like name accepted by `reader.open_reader`, e.g. "pcsc:Virtual PCD 00 00"
    kind: str  # "pcsc" | "nfc" | "emulator"
    description: str
    card_present: bool

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "cardPresent": self.card_present,
        }


class Transport(abc.ABC):
    """A connection to one card in one reader."""

    #: URI-like reader name (see architecture.md)
    name: str = ""

    #: Largest response data (without SW) the link carries in one APDU, or
    #: None when only the card limits it. Extended length is used only where
    #: both the card and the link allow it.
    max_response_length: int | None = None

    @property
    @abc.abstractmethod
    def atr(self) -> bytes:
        """Answer-to-reset (or the ATS-derived ATR for contactless cards)."""

    @abc.abstractmethod
    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU, return the response data followed by SW1 SW2.

        Raises `CardRemovedError` when the card left the field,
        `CardTimeoutError` when it stopped answering.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release the card and the reader."""

    def card_present(self) -> bool:
        """Whether the card is still there (a cheap check, no APDU if possible)."""
        return True

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CardBackend(Protocol):
    """A card as a front-end (in-process, vpcd, nfc-udp) sees it: power, ATR, one APDU at a time.

    Defined here, beside `Transport`, so that `reader` needs nothing from the
    emulator package that implements it.
    """

    @property
    def atr(self) -> bytes:
        """Contact ATR (also used to derive the contactless historical bytes)."""
        ...

    def power_on(self) -> None:
        """Cold start: ends any PACE/SM session, keeps persistent counters."""
        ...

    def power_off(self) -> None:
        """The card left the field or the reader cut power."""
        ...

    def process(self, apdu: bytes) -> bytes:
        """Handle one command APDU; return response data + SW1 SW2. Never raises."""
        ...
