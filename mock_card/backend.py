"""What every front-end (in-process, vpcd, nfc-udp) needs from a card."""

from __future__ import annotations

from typing import Protocol


class CardBackend(Protocol):
    """A card as a front-end sees it: power, ATR, and one APDU at a time."""

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
