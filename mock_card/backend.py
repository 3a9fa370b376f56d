"""What every front-end (in-process, vpcd, nfc-udp) needs from a card: `reader.base.CardBackend`."""

from __future__ import annotations

from reader.base import CardBackend

__all__ = ["CardBackend"]
