"""Command APDUs (ISO 7816-4 §5.1): one encoder, one parser, short and extended."""

from __future__ import annotations

from dataclasses import dataclass, replace

from idcard.errors import MalformedResponseError

#: Le value meaning "as much as you have": 256 for short, 65536 for extended.
LE_MAX_SHORT = 256
LE_MAX_EXTENDED = 65536


@dataclass(frozen=True)
class CommandAPDU:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    #: Expected response length; None = no Le field. 256 (short) / 65536 (extended)
    #: encode as 00 / 0000, i.e. "all available".
    le: int | None = None
    #: Force extended length fields even when short ones would do.
    extended: bool = False

    @property
    def is_extended(self) -> bool:
        return (
            self.extended
            or len(self.data) > 255
            or (self.le is not None and self.le > LE_MAX_SHORT)
        )

    @property
    def chained(self) -> bool:
        return bool(self.cla & 0x10)

    def with_(self, **changes: object) -> CommandAPDU:
        return replace(self, **changes)  # type: ignore[arg-type]

    def encode(self) -> bytes:
        header = bytes([self.cla, self.ins, self.p1, self.p2])
        if len(self.data) > 65535:
            raise ValueError("command data longer than 65535 bytes")
        if self.le is not None and not 0 < self.le <= LE_MAX_EXTENDED:
            raise ValueError("Le out of range")
        if not self.is_extended:
            body = b""
            if self.data:
                body += bytes([len(self.data)]) + self.data
            if self.le is not None:
                body += bytes([self.le % 256])
            return header + body
        body = b""
        if self.data:
            body += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
        if self.le is not None:
            le = (self.le % 65536).to_bytes(2, "big")
            body += le if self.data else b"\x00" + le
        return header + body

    @classmethod
    def parse(cls, raw: bytes) -> CommandAPDU:
        """Parse the four ISO 7816-3 cases, short and extended."""
        if len(raw) < 4:
            raise MalformedResponseError("APDU shorter than its 4-byte header")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        n = len(body)
        if n == 0:  # case 1
            return cls(cla, ins, p1, p2)
        if n == 1:  # case 2 short
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        if body[0] != 0 or n < 3:
            lc = body[0]
            if n == 1 + lc:  # case 3 short
                return cls(cla, ins, p1, p2, bytes(body[1:]))
            if n == 2 + lc:  # case 4 short
                return cls(cla, ins, p1, p2, bytes(body[1 : 1 + lc]), le=body[-1] or 256)
            raise MalformedResponseError("APDU: Lc does not match the body length")
        # body[0] == 0 and n >= 3: extended
        if n == 3:  # case 2 extended
            le = int.from_bytes(body[1:3], "big") or 65536
            return cls(cla, ins, p1, p2, le=le, extended=True)
        lc = int.from_bytes(body[1:3], "big")
        if lc == 0:
            raise MalformedResponseError("APDU: extended Lc of zero")
        if n == 3 + lc:  # case 3 extended
            return cls(cla, ins, p1, p2, bytes(body[3:]), extended=True)
        if n == 5 + lc:  # case 4 extended
            le = int.from_bytes(body[-2:], "big") or 65536
            return cls(cla, ins, p1, p2, bytes(body[3 : 3 + lc]), le=le, extended=True)
        raise MalformedResponseError("APDU: extended Lc does not match the body length")
