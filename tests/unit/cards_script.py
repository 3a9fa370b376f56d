"""A transport that answers from a script and records every command, for driver tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reader.base import Transport

Answer = bytes | Callable[[bytes], bytes]


class ScriptedTransport(Transport):
    """Answers each command from `answers` (by exact command hex), default `6A82`."""

    def __init__(self, answers: Mapping[str, Answer] | None = None, *, atr: bytes = b"\x3b\x00") -> None:
        self.answers = {k.upper(): v for k, v in (answers or {}).items()}
        self.sent: list[bytes] = []
        self._atr = atr
        self.name = "script:test"

    @property
    def atr(self) -> bytes:
        return self._atr

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(bytes(apdu))
        answer = self.answers.get(apdu.hex().upper(), bytes.fromhex("6A82"))
        return answer(apdu) if callable(answer) else answer

    def close(self) -> None:
        pass

    @property
    def sent_hex(self) -> list[str]:
        return [c.hex().upper() for c in self.sent]
