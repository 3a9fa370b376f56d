"""A small ISO 7816-4 file-system card: the shared engine of the emulated NID profiles.

Applications selected by AID, each a tree of DFs and transparent EFs, PIN objects
on DFs. Subclasses add their family's proprietary commands. Short APDUs only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

H = bytes.fromhex

SW_OK = 0x9000
SW_END_BEFORE_LE = 0x6282
SW_WRONG_LENGTH = 0x6700
SW_SECURITY = 0x6982
SW_BLOCKED = 0x6983
SW_NO_EF = 0x6986
SW_NOT_FOUND = 0x6A82
SW_P1P2 = 0x6B00
SW_INS = 0x6D00
SW_CLA = 0x6E00

PIN_TRIES = 3  # the library assumes 3 (§5); per-object limits of real cards are unknown


@dataclass
class PinObject:
    value: bytes  # ASCII digits padded with 00 to the object's size (§5)
    tries: int = PIN_TRIES

    def check(self, candidate: bytes) -> int:
        if self.tries == 0:
            return SW_BLOCKED
        if candidate == self.value:
            self.tries = PIN_TRIES
            return SW_OK
        self.tries -= 1
        return 0x63C0 | self.tries

    def status_sw(self) -> int:
        """VERIFY without data (§5): 63Cx. EMULATOR ASSUMPTION: 6983 once blocked."""
        return SW_BLOCKED if self.tries == 0 else 0x63C0 | self.tries

    def failed_bits(self) -> int:
        """Byte 1 of the 80C0 PIN-info record: one bit per failed try (§5, reading inferred)."""
        return (1 << (PIN_TRIES - self.tries)) - 1


@dataclass
class EF:
    data: bytes
    #: EMULATOR ASSUMPTION: files needing the registry's keys answer 6982 to a plain read.
    protected: bool = False


@dataclass
class DF:
    children: dict[bytes, DF | EF] = field(default_factory=dict)
    pin: PinObject | None = None
    parent: DF | None = None

    def subdir(self, fid: str, pin: PinObject | None = None) -> DF:
        child = DF(pin=pin, parent=self)
        self.children[H(fid)] = child
        return child

    def file(self, fid: str, data: bytes, *, protected: bool = False) -> None:
        self.children[H(fid)] = EF(data, protected)

def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag, len(value)]) + value


class FileSystemCard:
    """CardBackend engine; subclasses fill `apps`, `_app_for` and `_command`."""

    atr_bytes: bytes = b""

    def __init__(self) -> None:
        self.apps: dict[str, DF] = {}
        self._lock = threading.Lock()
        self._app: str | None = None
        self._cwd: DF | None = None
        self._ef: EF | None = None
        #: True while a secure-messaging-protected command is being served (subclasses set it).
        self._in_sm = False
        self._chained = b""
        self._chained_sw = SW_OK

    # -- CardBackend ---------------------------------------------------------
    @property
    def atr(self) -> bytes:
        return self.atr_bytes

    def power_on(self) -> None:
        with self._lock:
            self._app, self._cwd, self._ef = None, None, None
            self._chained = b""
            self._reset_session()

    def power_off(self) -> None:
        self.power_on()

    def process(self, apdu: bytes) -> bytes:
        with self._lock:
            apdu = bytes(apdu)
            if apdu[:2] == b"\x00\xc0" and self._chained:
                return self._next_chunk()
            self._chained = b""
            try:
                data, sw = self._dispatch(apdu)
            except (IndexError, ValueError):
                data, sw = b"", SW_WRONG_LENGTH
            if len(data) > 256:
                # Short APDUs: the rest waits for GET RESPONSE behind 61xx (§1, §6 step 11).
                self._chained, data = data[256:], data[:256]
                self._chained_sw = sw
                return data + bytes([0x61, len(self._chained) % 256])
            return data + sw.to_bytes(2, "big")

    def _next_chunk(self) -> bytes:
        chunk, self._chained = self._chained[:256], self._chained[256:]
        sw = bytes([0x61, len(self._chained) % 256]) if self._chained else self._chained_sw.to_bytes(2, "big")
        return chunk + sw

    # -- engine --------------------------------------------------------------
    @staticmethod
    def _split(apdu: bytes) -> tuple[bytes, bytes, int | None]:
        """Header, command data, Le (None when absent); short APDUs only."""
        if len(apdu) < 4:
            raise ValueError("short APDU")
        if len(apdu) == 4:
            return apdu[:4], b"", None
        if len(apdu) == 5:
            return apdu[:4], b"", apdu[4] or 256
        lc = apdu[4]
        body = apdu[5 : 5 + lc]
        if len(body) != lc or len(apdu) > 6 + lc:
            raise ValueError("Lc does not match")
        le = (apdu[5 + lc] or 256) if len(apdu) == 6 + lc else None
        return apdu[:4], body, le

    def _reset_session(self) -> None:
        """Forget per-power-cycle state beyond the selection (subclass hook)."""

    def _unit(self) -> int:
        """READ/UPDATE BINARY offset unit in bytes for the selected application."""
        return 1

    def _app_for(self, aid: bytes) -> str | None:
        raise NotImplementedError

    def _command(
        self, cla: int, ins: int, p1: int, p2: int, body: bytes, le: int | None
    ) -> tuple[bytes, int]:
        """Family-specific commands; the default knows none."""
        return b"", SW_INS

    def _dispatch(self, apdu: bytes) -> tuple[bytes, int]:
        header, body, le = self._split(apdu)
        cla, ins, p1, p2 = header
        if cla not in (0x00, 0x80, 0x90):
            return b"", SW_CLA
        if (cla, ins) == (0x00, 0xA4):
            return self._select(p1, body)
        if (cla, ins) == (0x00, 0xB0):
            return self._read_binary((p1 << 8) | p2, le or 256)
        if (cla, ins) == (0x00, 0xD6):
            return self._update_binary((p1 << 8) | p2, body)
        return self._command(cla, ins, p1, p2, body, le)

    def _select(self, p1: int, body: bytes) -> tuple[bytes, int]:
        # EMULATOR ASSUMPTION: no FCI is returned, whatever P2 asks (the spec's flows ignore it).
        if p1 == 0x04:
            app = self._app_for(body)
            if app is None:
                return b"", SW_NOT_FOUND
            self._app, self._cwd, self._ef = app, self.apps[app], None
            return b"", SW_OK
        if self._cwd is None or self._app is None:
            return b"", SW_NOT_FOUND
        mf = self.apps[self._app]
        if p1 == 0x03:
            self._cwd, self._ef = self._cwd.parent or mf, None
            return b"", SW_OK
        if body == H("3F00") and p1 == 0x00:
            self._cwd, self._ef = mf, None
            return b"", SW_OK
        # EMULATOR ASSUMPTION: select by FID (P1 00) and of a DF (P1 01) look in the current
        # DF, then under MF: the vendor's PIN-status flow selects DF 0500 from inside DF 0200.
        node = self._cwd.children.get(body)
        if node is None and p1 in (0x00, 0x01):
            node = mf.children.get(body)
        if node is None or (p1 == 0x01 and not isinstance(node, DF)) or (
            p1 == 0x02 and not isinstance(node, EF)
        ):
            return b"", SW_NOT_FOUND
        if isinstance(node, DF):
            self._cwd, self._ef = node, None
        else:
            self._ef = node
        return b"", SW_OK

    def _read_binary(self, p1p2: int, le: int) -> tuple[bytes, int]:
        if self._ef is None:
            return b"", SW_NO_EF
        if self._ef.protected and not self._in_sm:
            return b"", SW_SECURITY
        offset = p1p2 * self._unit()
        content = self._ef.data
        if offset >= len(content):
            return b"", SW_P1P2
        chunk = content[offset : offset + le]
        # EMULATOR ASSUMPTION: a block cut short by the end of file answers 6282 with the data.
        return chunk, SW_OK if len(chunk) == le else SW_END_BEFORE_LE

    def _update_binary(self, p1p2: int, body: bytes) -> tuple[bytes, int]:
        if self._ef is None:
            return b"", SW_NO_EF
        offset = p1p2 * self._unit()
        content = self._ef.data
        if self._ef.protected or offset + len(body) > len(content):
            return b"", SW_SECURITY if self._ef.protected else SW_P1P2
        self._ef.data = content[:offset] + body + content[offset + len(body) :]
        return b"", SW_OK
