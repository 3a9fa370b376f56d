"""Transports: PC/SC (pyscard), NFC (nfcpy) and the in-process emulator."""

from reader.base import ReaderInfo, Transport
from reader.registry import list_readers, open_reader

__all__ = ["ReaderInfo", "Transport", "list_readers", "open_reader"]
