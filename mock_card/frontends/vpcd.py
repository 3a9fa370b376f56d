"""Plug an emulated card into pcscd through vsmartcard's vpcd reader driver.

vpcd runs inside pcscd and *listens* on one TCP port per slot (35963 for
"Virtual PCD 00 00", 35964 for "Virtual PCD 00 01" with the stock
/etc/reader.conf.d/vpcd); the virtual card ("vicc") is the TCP client. Every
message either way is a 2-byte big-endian length followed by the payload. A
one-byte payload from vpcd is a control message (power off / power on /
reset / get ATR); anything longer is a command APDU. Only "get ATR" and APDUs
get an answer. pcscd polls card presence by asking for the ATR about every
400 ms, and treats a closed connection as the card being pulled out.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType

from mock_card.backend import CardBackend

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0x8C7B  # CHANNELID in /etc/reader.conf.d/vpcd; slot n listens on DEFAULT_PORT + n

CTRL_POWER_OFF = 0x00
CTRL_POWER_ON = 0x01
CTRL_RESET = 0x02
CTRL_GET_ATR = 0x04

_MAX_PAYLOAD = 0xFFFF  # the length prefix is 16 bits
_SW_NO_PRECISE_DIAGNOSIS = b"\x6f\x00"
_CONNECT_TIMEOUT = 1.0


class _ProtocolError(Exception):
    """vpcd sent something this side cannot make sense of."""


class VpcdClient:
    """Connects one `CardBackend` to one vpcd slot and serves it until stopped.

    While the TCP connection is up, pcscd sees a card in the reader; `stop()`
    closes it, which pcscd reports as the card being removed. If pcscd is not
    running yet, or restarts, the client keeps reconnecting with backoff.
    """

    def __init__(
        self,
        card: CardBackend,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        latency: float = 0.0,
        *,
        retry_min: float = 0.05,
        retry_max: float = 1.0,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port
        #: Seconds added before answering each APDU (not the ATR polls, which
        #: would only slow pcscd's presence detection), to mimic a slow card.
        self.latency = latency
        self._retry_min = retry_min
        self._retry_max = retry_max
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> VpcdClient:
        """Serve the card from a daemon thread; returns at once."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, name=f"vpcd-client-{self.host}:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Pull the card: close the connection and stop reconnecting."""
        self._stop.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            # shutdown() rather than close(): it wakes the serving thread's
            # blocking recv(); that thread owns the socket and closes it.
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Wait until pcscd has seen the card and powered it up.

        A bare TCP connect is not enough: the kernel completes it before vpcd
        accept()s, which only happens on pcscd's next presence poll (every
        ~400 ms). pcscd reacts to a new card by powering it on and reading
        its ATR, and publishes the card to clients right after that; so this
        returns at most a few milliseconds before PC/SC clients see the card.
        """
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def __enter__(self) -> VpcdClient:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- main loop ---------------------------------------------------------

    def run(self) -> None:
        """Connect, serve, reconnect — until `stop()`. Blocks the caller."""
        delay = self._retry_min
        while not self._stop.is_set():
            sock = self._connect()
            if sock is None:
                self._stop.wait(delay)
                delay = min(delay * 2, self._retry_max)
                continue
            try:
                talked = self._serve(sock)
            finally:
                self._disconnect(sock)
            # Back off also when vpcd hangs up before saying anything (e.g.
            # the slot is taken), so a refusing peer cannot make us spin.
            if talked:
                delay = self._retry_min
            else:
                self._stop.wait(delay)
                delay = min(delay * 2, self._retry_max)

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=_CONNECT_TIMEOUT)
        except OSError as exc:
            log.debug("vpcd at %s:%d not reachable: %s", self.host, self.port, exc)
            return None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            # stop() may have run while we were connecting and would not
            # have seen this socket.
            if self._stop.is_set():
                sock.close()
                return None
            self._sock = sock
        log.debug("connected to vpcd at %s:%d", self.host, self.port)
        return sock

    def _disconnect(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = None
        sock.close()
        if self._connected.is_set():
            self._connected.clear()
            # Losing the link is the card leaving the reader: it loses power.
            self._call_card(self.card.power_off)
            log.info("card disconnected from vpcd at %s:%d", self.host, self.port)

    def _serve(self, sock: socket.socket) -> bool:
        """Answer vpcd until the connection ends; return whether vpcd spoke at all."""
        talked = False
        powered = False
        try:
            while True:
                payload = self._recv_frame(sock)
                if payload is None:
                    return talked
                talked = True
                reply = self._handle(payload)
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
                if payload[0] in (CTRL_POWER_ON, CTRL_RESET) and len(payload) == 1:
                    powered = True
                elif powered and payload == bytes([CTRL_GET_ATR]) and not self.connected:
                    # The ATR read that completes pcscd's power-up: see wait_connected().
                    self._connected.set()
                    log.info("card inserted into vpcd at %s:%d", self.host, self.port)
        except _ProtocolError as exc:
            log.warning("dropping vpcd connection: %s", exc)
        except OSError as exc:
            if not self._stop.is_set():
                log.info("vpcd connection lost: %s", exc)
        except Exception:
            # E.g. a backend whose `atr` raises: the card drops out and comes
            # back on reconnect, rather than the serving thread dying.
            log.exception("unexpected error serving vpcd; dropping the connection")
        return talked

    def _recv_frame(self, sock: socket.socket) -> bytes | None:
        """One payload, or None on a clean end of stream between frames."""
        header = _recv_exact(sock, 2)
        if header is None:
            return None
        (length,) = struct.unpack(">H", header)
        if length == 0:
            raise _ProtocolError("empty frame")
        payload = _recv_exact(sock, length)
        if payload is None:
            raise _ProtocolError(f"connection closed inside a {length}-byte frame")
        return payload

    def _handle(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            ctrl = payload[0]
            if ctrl == CTRL_GET_ATR:
                return bytes(self.card.atr)
            if ctrl in (CTRL_POWER_ON, CTRL_RESET):
                self._call_card(self.card.power_on)
                return None
            if ctrl == CTRL_POWER_OFF:
                self._call_card(self.card.power_off)
                return None
            raise _ProtocolError(f"unknown control byte {ctrl:#04x}")
        if self.latency > 0:
            self._stop.wait(self.latency)
        return self._process(payload)

    def _process(self, apdu: bytes) -> bytes:
        # The backend promises never to raise; a bug there must still not
        # kill this thread, which would leave pcscd waiting on a silent card.
        try:
            response = bytes(self.card.process(apdu))
        except Exception:
            log.exception("card backend raised on APDU %s", apdu[:4].hex())  # the header only: the data may be a PIN
            return _SW_NO_PRECISE_DIAGNOSIS
        if not 2 <= len(response) <= _MAX_PAYLOAD:
            log.error("card backend returned an unsendable %d-byte response", len(response))
            return _SW_NO_PRECISE_DIAGNOSIS
        return response

    @staticmethod
    def _call_card(method: Callable[[], object]) -> None:
        try:
            method()
        except Exception:
            log.exception("card backend raised in %s", getattr(method, "__name__", method))


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    """Exactly n bytes, or None if the peer closed before sending any of them."""
    buf = bytearray()
    while len(buf) < n:
        _quick_ack(sock)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            if buf:
                raise _ProtocolError(f"connection closed after {len(buf)} of {n} bytes")
            return None
        buf += chunk
    return bytes(buf)


def _quick_ack(sock: socket.socket) -> None:
    """ACK at once instead of after the ~40 ms delayed-ACK timer.

    vpcd writes the 2-byte length and the payload with separate send()s and
    leaves Nagle on, so it holds the payload back until the length is ACKed;
    with delayed ACKs every APDU would cost ~40 ms. Linux clears the flag
    again after use, hence before every recv().
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        except OSError:
            pass
