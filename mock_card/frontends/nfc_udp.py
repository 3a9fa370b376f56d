"""Put an emulated card on nfcpy's simulated radio as an ISO 14443-4 type A card.

nfcpy's ``udp`` driver (``nfc:udp:<host>:<port>`` in reader names) pretends to
be a reader whose RF field is a UDP socket: every frame is one datagram
``b"106A " + hex(frame)`` without CRC, and the datagram ``RFOFF`` means the
reader switched its field off. nfcpy can emulate type 3 tags but not type 4
cards, so this module is the card ("PICC") side, written against the
standards rather than nfcpy:

* ISO 14443-3 activation: SENS_REQ (REQA/WUPA), anticollision and select for
  single, double and triple size UIDs, SEL_RES announcing ISO 14443-4;
* ISO 14443-4: RATS/ATS, then the half-duplex block protocol (I-blocks with
  chaining both ways, R(ACK)/R(NAK) recovery, S(DESELECT), and S(WTX) when
  the card takes longer than half its frame waiting time).

The reader talks from an ephemeral port, so replies go to wherever the last
SENS_REQ came from. Any datagram that makes no sense is logged at debug
level and dropped, as a real card ignores a garbled frame.
"""

from __future__ import annotations

import logging
import math
import select
import socket
import threading
import time
from binascii import Error as HexError
from binascii import hexlify, unhexlify
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from enum import Enum, auto
from functools import reduce
from operator import xor
from types import TracebackType

from mock_card.backend import CardBackend

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 54321  # nfcpy's default for "udp"
DEFAULT_UID = bytes.fromhex("08A1B2C3")  # 0x08 first: a random single-size UID
#: Frame waiting time integer: FWT = 4096/fc * 2**FWI, 12 -> 1.24 s. nfcpy waits
#: FWT per frame and retries only when FWT < 1 s, so this is also how long a
#: client needs to notice that the card went silent.
DEFAULT_FWI = 12

_BRTY = "106A"
_BRTY_PREFIX = _BRTY.encode("ascii") + b" "
_RFOFF = b"RFOFF"
_MAX_DATAGRAM = 65535
_FC = 13.56e6
_FSC_TABLE = (16, 24, 32, 40, 48, 64, 96, 128, 256)  # FSDI/FSCI 0..8; higher is RFU
_FSCI = 8  # we accept 256-byte frames from the reader
# Per frame: 1 byte PCB plus 2 bytes EDC. nfcpy's udp frames carry no EDC but
# its ISO-DEP layer still budgets for it (miu = fsc - 3); do the same so a
# response also fits a real reader's FSD.
_FRAME_OVERHEAD = 3
_MAX_COMMAND = 4 + 3 + 65535 + 3  # largest extended-length APDU
_SW_NO_PRECISE_DIAGNOSIS = b"\x6f\x00"

_SENS_REQ = (b"\x26", b"\x52")  # REQA, WUPA
_HLTA = b"\x50\x00"
_SEL_CODES = (0x93, 0x95, 0x97)  # cascade levels 1..3
_NVB_ANTICOLLISION = 0x20
_NVB_SELECT = 0x70
_CASCADE_TAG = 0x88
_SEL_RES_UID_INCOMPLETE = 0x04
_SEL_RES_ISO14443_4 = 0x20
_RATS = 0xE0

_PCB_DESELECT = 0xC2
_PCB_WTX = 0xF2
_WTX_TARGET_EXTENSION = 1.0  # seconds each WTX request should buy, roughly


_Datagram = tuple[bytes, tuple[str, int]]


class _State(Enum):
    IDLE = auto()  # field off, deselected or halted: only SENS_REQ counts
    READY = auto()  # answered SENS_REQ: anticollision and select
    ACTIVE = auto()  # selected (ISO 14443-3): waiting for RATS
    PROTOCOL = auto()  # ISO 14443-4 block protocol


class NfcUdpTarget:
    """Serves one `CardBackend` as an ISO-DEP type A card on nfcpy's UDP radio.

    One reader at a time: a SENS_REQ from anyone starts a fresh activation
    (the card is powered off first), so a reader that vanished without
    switching its field off cannot keep the card hostage.
    """

    def __init__(
        self,
        card: CardBackend,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        uid: bytes = DEFAULT_UID,
        latency: float = 0.0,
        *,
        fwi: int = DEFAULT_FWI,
        historical_bytes: bytes | None = None,
    ) -> None:
        if len(uid) not in (4, 7, 10):
            raise ValueError(f"a type A UID has 4, 7 or 10 bytes, not {len(uid)}")
        if uid[0] == _CASCADE_TAG:
            raise ValueError("a UID must not start with the cascade tag 0x88")
        if not 0 <= fwi <= 14:
            raise ValueError(f"FWI must be 0..14, not {fwi}")
        if historical_bytes is not None and len(historical_bytes) > 15:
            raise ValueError("at most 15 historical bytes")
        self.card = card
        self.host = host
        self.uid = bytes(uid)
        #: Seconds slept before each APDU is processed, to mimic a slow card.
        #: Readers are kept waiting with S(WTX), so any value works.
        self.latency = latency
        self.fwi = fwi
        self._historical = historical_bytes
        self._requested_port = port
        self._fwt = 4096 / _FC * 2**fwi
        self._cascade = _cascade_levels(self.uid)
        self._sens_res = bytes([{4: 0x04, 7: 0x44, 10: 0x84}[len(uid)], 0x00])

        self._stop = threading.Event()
        self._sock_lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._executor: ThreadPoolExecutor | None = None

        # Link state, touched only by the serving thread.
        self._state = _State.IDLE
        self._peer: tuple[str, int] | None = None
        self._powered = False
        self._level = 0
        self._max_inf = _FSC_TABLE[-1] - _FRAME_OVERHEAD
        self._block_number = 1  # ISO 14443-4 rule C: the PICC starts at 1
        self._rx_chain = bytearray()
        self._tx_chunks: deque[bytes] = deque()
        self._last_block: bytes | None = None

    # -- lifecycle ---------------------------------------------------------

    @property
    def port(self) -> int:
        """The UDP port in use (the real one once bound, also for port=0)."""
        with self._sock_lock:
            if self._sock is not None:
                return int(self._sock.getsockname()[1])
        return self._requested_port

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def start(self) -> NfcUdpTarget:
        """Serve from a daemon thread; returns once the socket is bound."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._bind()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._serve, name=f"nfc-udp-target-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` (or KeyboardInterrupt)."""
        self._bind()
        self._stop.clear()
        self._serve()

    def stop(self, timeout: float = 5.0) -> None:
        """Take the card away: stop answering and power the card off."""
        self._stop.set()
        self._wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            self._thread = None

    def __enter__(self) -> NfcUdpTarget:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self) -> None:
        with self._sock_lock:
            if self._sock is not None:
                return
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((self.host, self._requested_port))
            except OSError:
                sock.close()
                raise
            self._sock = sock
            self._wake_r, self._wake_w = socket.socketpair()
            self._wake_r.setblocking(False)
        log.info("NFC type 4A card listening on udp:%s:%d", self.host, self.port)

    def _wake(self) -> None:
        with self._sock_lock:
            wake_w = self._wake_w
            if wake_w is None:
                return
            try:
                wake_w.send(b"\0")
            except OSError:
                pass  # the pipe is full: the serving thread is awake anyway

    def _close_sockets(self) -> None:
        with self._sock_lock:
            for sock in (self._sock, self._wake_r, self._wake_w):
                if sock is not None:
                    sock.close()
            self._sock = self._wake_r = self._wake_w = None

    def _serve(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nfc-udp-card")
        try:
            while not self._stop.is_set():
                datagram = self._receive(None)
                if datagram is not None:
                    self._dispatch(*datagram)
        finally:
            self._stop.set()  # also cuts short a latency sleep after Ctrl-C
            self._executor.shutdown(wait=True)
            self._executor = None
            self._field_off()
            self._close_sockets()
            log.info("NFC type 4A card stopped")

    # -- datagrams ---------------------------------------------------------

    def _receive(self, timeout: float | None) -> _Datagram | None:
        """Next datagram, or None on timeout or wake-up."""
        sock, wake_r = self._sock, self._wake_r
        if sock is None or wake_r is None:
            return None
        readable, _, _ = select.select([sock, wake_r], [], [], timeout)
        if wake_r in readable:
            try:
                wake_r.recv(4096)
            except BlockingIOError:
                pass
        if sock not in readable:
            return None
        try:
            data, addr = sock.recvfrom(_MAX_DATAGRAM)
        except OSError as exc:  # e.g. ICMP errors surfacing on some platforms
            log.debug("recvfrom failed: %s", exc)
            return None
        return data, (str(addr[0]), int(addr[1]))

    def _send(self, frame: bytes) -> None:
        sock, peer = self._sock, self._peer
        if sock is None or peer is None:
            return
        try:
            sock.sendto(_BRTY_PREFIX + hexlify(frame), peer)
        except OSError as exc:
            log.debug("sendto %s:%d failed: %s", *peer, exc)

    def _dispatch(self, datagram: bytes, addr: tuple[str, int]) -> None:
        if datagram.startswith(_RFOFF):
            if addr == self._peer:
                log.debug("reader switched the field off")
                self._field_off()
            return
        frame = _parse_frame(datagram)
        if frame is None:
            log.debug("ignoring junk datagram from %s:%d (%d bytes)", *addr, len(datagram))
            return
        try:
            self._handle_frame(frame, addr)
        except Exception:
            # A bug here must not kill the radio: the reader would see a dead card.
            log.exception("failed to handle a %d-byte frame; dropped", len(frame))

    # -- ISO 14443-3 -------------------------------------------------------

    def _handle_frame(self, frame: bytes, addr: tuple[str, int]) -> None:
        if frame in _SENS_REQ:
            self._field_off()  # a new poll is a new power cycle for this card
            self._peer = addr
            self._state = _State.READY
            self._level = 0
            self._send(self._sens_res)
            return
        if addr != self._peer:
            log.debug("ignoring frame from %s:%d, not the active reader", *addr)
            return
        if self._state is _State.READY:
            self._anticollision(frame)
        elif self._state is _State.ACTIVE:
            if len(frame) == 2 and frame[0] == _RATS:
                self._rats(frame[1])
            elif frame == _HLTA:
                self._state = _State.IDLE
            else:
                log.debug("ignoring frame %02x.. while waiting for RATS", frame[0])
        elif self._state is _State.PROTOCOL:
            self._block(frame)
        else:
            log.debug("ignoring frame %02x.. while idle", frame[0])

    def _anticollision(self, frame: bytes) -> None:
        sel = _SEL_CODES[self._level]
        level_bytes = self._cascade[self._level]
        if frame == bytes([sel, _NVB_ANTICOLLISION]):
            self._send(level_bytes)
        elif (
            len(frame) == 7 and frame[:2] == bytes([sel, _NVB_SELECT]) and frame[2:] == level_bytes
        ):
            if self._level + 1 < len(self._cascade):
                self._level += 1
                self._send(bytes([_SEL_RES_UID_INCOMPLETE]))
            else:
                self._state = _State.ACTIVE
                self._send(bytes([_SEL_RES_ISO14443_4]))
        else:
            # Another UID was selected, or a bit-oriented anticollision frame
            # nfcpy never sends: stay quiet like a card that lost arbitration.
            log.debug("ignoring anticollision frame %s", frame.hex())

    # -- ISO 14443-4 -------------------------------------------------------

    def _rats(self, param: int) -> None:
        fsdi = param >> 4
        fsd = _FSC_TABLE[min(fsdi, len(_FSC_TABLE) - 1)]
        self._max_inf = fsd - _FRAME_OVERHEAD
        ats = self._build_ats(fsd)
        self._state = _State.PROTOCOL
        self._block_number = 1
        self._rx_chain.clear()
        self._tx_chunks.clear()
        self._last_block = None
        # nfcpy gives the ATS only 30 ms, so answer before powering the card;
        # the first I-block waits in the socket buffer until power_on returns.
        self._send(ats)
        log.debug("activated: FSD %d, ATS %s", fsd, ats.hex())
        self._powered = True
        _call_card(self.card.power_on)

    def _build_ats(self, fsd: int) -> bytes:
        if self._historical is not None:
            historical = self._historical
        else:
            try:
                historical = historical_bytes_from_atr(bytes(self.card.atr))
            except Exception:
                log.exception("card backend raised reading its ATR")
                historical = b""
        t0 = 0x70 | _FSCI  # TA, TB and TC follow
        ta = 0x00  # 106 kbit/s only, the one rate the udp radio has
        tb = self.fwi << 4  # SFGI 0
        tc = 0x00  # neither NAD nor CID: blocks carrying them are ignored
        interface = bytes([t0, ta, tb, tc])
        historical = historical[: max(0, fsd - 2 - 1 - len(interface))]  # ATS fits FSD too
        return bytes([1 + len(interface) + len(historical)]) + interface + historical

    def _block(self, frame: bytes) -> None:
        pcb = frame[0]
        if pcb & 0b1110_0010 == 0b0000_0010:
            if pcb & 0b0000_1100:
                log.debug("ignoring I-block with CID/NAD (not supported)")
                return
            self._i_block(pcb, frame[1:])
        elif pcb & 0b1110_0110 == 0b1010_0010 and len(frame) == 1:
            self._r_block(pcb)
        elif pcb & 0b1100_0111 == 0b1100_0010:
            if pcb & 0b0011_1000 == 0 and len(frame) == 1:
                self._deselect()
            else:
                log.debug("ignoring S-block %s", frame.hex())
        else:
            log.debug("ignoring invalid block %s", frame[:4].hex())

    def _i_block(self, pcb: int, inf: bytes) -> None:
        # Rule D toggles on every I-block; adopting the reader's number is the
        # same for a well-behaved reader and resynchronises after a lost frame.
        self._block_number = pcb & 1
        self._tx_chunks.clear()
        if len(self._rx_chain) + len(inf) > _MAX_COMMAND:
            log.debug("command chain longer than any APDU; dropped")
            self._rx_chain.clear()
            return
        self._rx_chain += inf
        if pcb & 0x10:  # chaining: acknowledge, wait for more
            self._send_block(bytes([0xA2 | self._block_number]))
            return
        apdu = bytes(self._rx_chain)
        self._rx_chain.clear()
        log.debug("APDU %s.. (%d bytes)", apdu[:4].hex(), len(apdu))
        response, held = self._run_card(apdu)
        if response is not None:
            inf_size = max(1, self._max_inf)
            self._tx_chunks.extend(
                response[i : i + inf_size] for i in range(0, len(response), inf_size)
            )
            self._send_next_i_block()
        for datagram in held:
            self._dispatch(*datagram)

    def _send_next_i_block(self) -> None:
        chunk = self._tx_chunks.popleft()
        pcb = 0x02 | self._block_number | (0x10 if self._tx_chunks else 0)
        self._send_block(bytes([pcb]) + chunk)

    def _r_block(self, pcb: int) -> None:
        number = pcb & 1
        nak = bool(pcb & 0x10)
        if number == self._block_number:
            # Rule 11: the reader missed our last block.
            if self._last_block is not None:
                self._send(self._last_block)
            elif nak:
                self._send(bytes([0xA2 | self._block_number]))
        elif nak:
            # Rule 12. This is also nfcpy's presence check between commands;
            # not remembered as "last block" so rule 11 still resends data.
            self._send(bytes([0xA2 | self._block_number]))
        elif self._tx_chunks:
            # Rule 13 / E: the reader wants the next block of our chain.
            self._block_number ^= 1
            self._send_next_i_block()
        else:
            log.debug("ignoring R(ACK) with nothing left to send")

    def _deselect(self) -> None:
        # Power off before answering, so that once the reader has the
        # DESELECT response the card is observably off.
        self._field_off(keep_peer=True)
        self._send(bytes([_PCB_DESELECT]))
        log.debug("deselected")

    def _send_block(self, block: bytes) -> None:
        self._last_block = block
        self._send(block)

    # -- the card ----------------------------------------------------------

    def _run_card(self, apdu: bytes) -> tuple[bytes | None, list[_Datagram]]:
        """The card's response, and frames that arrived while it was working.

        The response is None when the field went off or the target is
        stopping: then nobody is waiting for it.
        """
        executor = self._executor
        if executor is None:
            return None, []
        future = executor.submit(self._process, apdu)
        try:
            return future.result(timeout=self._fwt / 2), []
        except FutureTimeout:
            return self._wait_with_wtx(future)

    def _wait_with_wtx(self, future: Future[bytes | None]) -> tuple[bytes | None, list[_Datagram]]:
        # A reader waits FWT for the answer; before each waiting period runs
        # out, ask it for WTXM * FWT more. Other frames are held back for
        # after the answer, as on a half-duplex link.
        future.add_done_callback(lambda _: self._wake())
        wtxm = max(1, min(59, math.ceil(_WTX_TARGET_EXTENSION / self._fwt)))
        next_wtx = time.monotonic()
        field_on = True
        held: list[_Datagram] = []
        while not future.done():
            now = time.monotonic()
            if field_on and not self._stop.is_set() and now >= next_wtx:
                log.debug("card still busy: S(WTX) asks for %d x FWT", wtxm)
                self._send(bytes([_PCB_WTX, wtxm]))
                next_wtx = math.inf  # until the reader confirms
            timeout = None if next_wtx == math.inf else max(0.0, next_wtx - now)
            datagram = self._receive(timeout)
            if datagram is None:
                continue
            data, addr = datagram
            if data.startswith(_RFOFF) and addr == self._peer:
                field_on = False
                continue
            frame = _parse_frame(data)
            if frame is not None and addr == self._peer and _is_wtx(frame):
                # The reader now waits WTXM * FWT; ask again half way through.
                next_wtx = time.monotonic() + (frame[1] & 0x3F) * self._fwt / 2
                continue
            held.append(datagram)
        response = future.result()
        if not field_on:
            self._field_off()
            return None, held
        if self._stop.is_set():
            return None, held
        return response, held

    def _process(self, apdu: bytes) -> bytes | None:
        if self.latency > 0 and self._stop.wait(self.latency):
            return None
        # The backend promises never to raise; a bug there must still give
        # the reader an answer rather than a silent card.
        try:
            response = bytes(self.card.process(apdu))
        except Exception:
            log.exception("card backend raised on APDU %s..", apdu[:4].hex())
            return _SW_NO_PRECISE_DIAGNOSIS
        if len(response) < 2:
            log.error("card backend returned a %d-byte response", len(response))
            return _SW_NO_PRECISE_DIAGNOSIS
        return response

    def _field_off(self, *, keep_peer: bool = False) -> None:
        self._state = _State.IDLE
        if not keep_peer:
            self._peer = None
        self._rx_chain.clear()
        self._tx_chunks.clear()
        self._last_block = None
        if self._powered:
            self._powered = False
            _call_card(self.card.power_off)


def historical_bytes_from_atr(atr: bytes) -> bytes:
    """The historical bytes of a contact ATR (ISO 7816-3), or b"" if malformed."""
    if len(atr) < 2:
        return b""
    count = atr[1] & 0x0F
    indicator = atr[1] >> 4
    index = 2
    while True:
        index += bin(indicator & 0x7).count("1")  # TAi, TBi, TCi
        if not indicator & 0x8:
            break
        if index >= len(atr):
            return b""
        indicator = atr[index] >> 4  # TDi
        index += 1
    historical = atr[index : index + count]
    return historical if len(historical) == count else b""


def _cascade_levels(uid: bytes) -> list[bytes]:
    """UID CLn + BCC for each cascade level (ISO 14443-3, 6.5.4)."""
    if len(uid) == 4:
        parts = [uid]
    elif len(uid) == 7:
        parts = [bytes([_CASCADE_TAG]) + uid[:3], uid[3:]]
    else:
        parts = [bytes([_CASCADE_TAG]) + uid[:3], bytes([_CASCADE_TAG]) + uid[3:6], uid[6:]]
    return [part + bytes([reduce(xor, part)]) for part in parts]


def _parse_frame(datagram: bytes) -> bytes | None:
    """The frame in a ``106A <hex>`` datagram, or None for anything else."""
    parts = datagram.split()
    if len(parts) != 2 or parts[0] != _BRTY.encode("ascii"):
        return None
    try:
        frame = unhexlify(parts[1])
    except (HexError, ValueError):
        return None
    return frame or None


def _is_wtx(frame: bytes) -> bool:
    return len(frame) == 2 and frame[0] & 0b1111_0111 == _PCB_WTX


def _call_card(method: Callable[[], object]) -> None:
    try:
        method()
    except Exception:
        log.exception("card backend raised in %s", getattr(method, "__name__", method))
