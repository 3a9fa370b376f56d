"""PcscTransport and VpcdClient through a real pcscd + vsmartcard vpcd + pyscard.

Each test plugs a tiny fake card into vpcd slot 0 of a private pcscd (see
mock_card/testing/pcscd.py) and talks to it through PC/SC. The last two tests need no
pcscd: they check the vpcd framing against a fake vpcd socket.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from mock_card.frontends.vpcd import VpcdClient
from mock_card.testing.pcscd import PcscdService, skip_reason, use_private_socket
from reader.errors import CardRemovedError, CardTimeoutError, NoCardError, ReaderNotFoundError
from reader.pcsc import PcscTransport, list_pcsc_readers, wait_for_card_event

# libpcsclite reads the socket path once per process, at the first PC/SC
# call; module import (collection) comes before any test runs.
use_private_socket()

_SKIP = skip_reason()
skip_without_pcscd = pytest.mark.system_part(_SKIP and f"PC/SC test: {_SKIP}")

T1_ATR = bytes.fromhex("3B80800101")  # PC/SC-style ATR, no historical bytes, offers T=1
T0_ATR = bytes.fromhex("3B00")  # bare ATR: T=0 only
SLOT0 = "Virtual PCD 00 00"
OK = b"\x90\x00"


class FakeCard:
    """A CardBackend whose answers come from `handler`; it records what it saw."""

    def __init__(self, handler: Callable[[bytes], bytes] | None = None, atr: bytes = T1_ATR):
        self._atr = atr
        self._handler = handler or (lambda apdu: apdu + OK)
        self.events: list[str] = []
        self.commands: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self._atr

    def power_on(self) -> None:
        self.events.append("on")

    def power_off(self) -> None:
        self.events.append("off")

    def process(self, apdu: bytes) -> bytes:
        self.commands.append(apdu)
        return self._handler(apdu)


def eventually(check: Callable[[], bool], timeout: float = 3.0) -> bool:
    """pcscd polls vpcd slots every ~400 ms, so state changes lag a little."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def card_in_slot0() -> bool:
    return any(r.name == "pcsc:" + SLOT0 and r.card_present for r in list_pcsc_readers())


@pytest.fixture(scope="module")
def pcscd() -> PcscdService:
    # Shared, not owned: libpcsclite talks to one socket path per process,
    # so a session-wide service (e.g. the mock_card plugin's) must be reused.
    return PcscdService.shared()


@pytest.fixture
def plug(pcscd: PcscdService) -> Iterator[Callable[..., VpcdClient]]:
    """Insert a card into slot 0; every card is pulled again after the test."""
    clients: list[VpcdClient] = []

    def insert(card: FakeCard, latency: float = 0.0) -> VpcdClient:
        client = VpcdClient(card, port=pcscd.vpcd_port, latency=latency).start()
        clients.append(client)
        assert client.wait_connected(5), "pcscd never picked up the virtual card"
        assert eventually(card_in_slot0)
        return client

    yield insert
    for client in clients:
        client.stop()
    assert eventually(lambda: not card_in_slot0())


# -- through pcscd --------------------------------------------------------


@pytest.mark.pcsc
@skip_without_pcscd
def test_reader_shows_card_only_while_client_connected(plug: Callable[..., VpcdClient]) -> None:
    readers = {r.name: r for r in list_pcsc_readers()}
    assert {"pcsc:Virtual PCD 00 00", "pcsc:Virtual PCD 00 01"} <= readers.keys()
    assert readers["pcsc:" + SLOT0].kind == "pcsc"
    assert not readers["pcsc:" + SLOT0].card_present

    client = plug(FakeCard())
    assert card_in_slot0()
    client.stop()
    assert eventually(lambda: not card_in_slot0())


@pytest.mark.pcsc
@skip_without_pcscd
def test_transmit_round_trips_exact_bytes(plug: Callable[..., VpcdClient]) -> None:
    card = FakeCard()
    plug(card)
    with PcscTransport(SLOT0) as transport:
        assert transport.name == "pcsc:" + SLOT0
        assert transport.atr == T1_ATR
        for apdu in (
            bytes.fromhex("00A4040C07A0000002471001"),
            bytes.fromhex("00B0000000"),
            bytes([0x00, 0xD6, 0x00, 0x00, 0xFF, *range(255)]),
        ):
            assert transport.transmit(apdu) == apdu + OK
            assert card.commands[-1] == apdu


@pytest.mark.pcsc
@skip_without_pcscd
def test_extended_length_passes_unchanged(plug: Callable[..., VpcdClient]) -> None:
    body = bytes(i % 251 for i in range(3000))
    command = (
        bytes.fromhex("00DA0000") + b"\x00" + len(body).to_bytes(2, "big") + body + b"\x00\x00"
    )
    answer = bytes(i % 253 for i in range(4000))

    def extended(apdu: bytes) -> bytes:
        if apdu == command:
            return answer + OK
        if apdu[:2] == b"\x00\xee":  # "give me P1P2 bytes"
            return bytes(int.from_bytes(apdu[2:4], "big")) + OK
        return b"\x6a\x80"

    card = FakeCard(extended)
    plug(card)
    with PcscTransport(SLOT0) as transport:
        assert transport.transmit(command) == answer + OK
        assert card.commands == [command]
        # vpcd's 16-bit frame length is the real ceiling (pcscd allows ~64 KiB + header).
        assert transport.max_response_length == 65533
        assert transport.transmit(bytes.fromhex("00EEFFFD")) == bytes(65533) + OK


@pytest.mark.pcsc
@skip_without_pcscd
@pytest.mark.parametrize(("atr", "protocol"), [(T1_ATR, "T=1"), (T0_ATR, "T=0")], ids=["T1", "T0"])
def test_61xx_and_6cxx_reach_the_caller_untouched(
    plug: Callable[..., VpcdClient], atr: bytes, protocol: str
) -> None:
    replies = {0xA4: bytes.fromhex("6110"), 0xB0: bytes.fromhex("6C08")}
    card = FakeCard(lambda apdu: replies.get(apdu[1], OK), atr=atr)
    plug(card)
    select, read = bytes.fromhex("00A4040000"), bytes.fromhex("00B0000000")
    with PcscTransport(SLOT0) as transport:
        assert transport.protocol == protocol
        assert transport.transmit(select) == bytes.fromhex("6110")
        assert transport.transmit(read) == bytes.fromhex("6C08")
    # No GET RESPONSE or re-sent READ BINARY from anything below us.
    assert card.commands == [select, read]


@pytest.mark.pcsc
@skip_without_pcscd
def test_card_is_powered_for_the_transport_and_reset_on_close(
    plug: Callable[..., VpcdClient],
) -> None:
    card = FakeCard()
    plug(card)
    transport = PcscTransport(None)  # the only reader with a card
    assert transport.reader_name == SLOT0
    assert card.events and card.events[-1] == "on"
    ons = card.events.count("on")
    transport.close()
    assert card.events.count("on") == ons + 1  # SCARD_RESET_CARD ends any session


@pytest.mark.pcsc
@skip_without_pcscd
def test_pulling_the_card_mid_session_raises_card_removed(
    plug: Callable[..., VpcdClient],
) -> None:
    client = plug(FakeCard())
    with PcscTransport(SLOT0) as transport:
        assert transport.transmit(b"\x00\x01\x02\x03") == b"\x00\x01\x02\x03" + OK
        client.stop()
        started = time.monotonic()
        with pytest.raises(CardRemovedError):
            transport.transmit(b"\x00\x01\x02\x03")
        assert time.monotonic() - started < 2.0
        with pytest.raises(CardRemovedError):
            transport.transmit(b"\x00\x01\x02\x03")
        assert not transport.card_present()


@pytest.mark.pcsc
@skip_without_pcscd
def test_slow_card_raises_card_timeout(plug: Callable[..., VpcdClient]) -> None:
    plug(FakeCard(), latency=1.5)
    transport = PcscTransport(SLOT0, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(CardTimeoutError):
        transport.transmit(b"\x00\x01\x02\x03")
    assert time.monotonic() - started < 1.0
    transport.close()  # must not wait for the stuck command
    assert time.monotonic() - started < 1.2


@pytest.mark.pcsc
@skip_without_pcscd
def test_wait_for_card_event_sees_insertion_and_removal(pcscd: PcscdService) -> None:
    assert wait_for_card_event("pcsc:" + SLOT0, 0.2) is None
    client = VpcdClient(FakeCard(), port=pcscd.vpcd_port)
    threading.Timer(0.1, client.start).start()
    try:
        assert wait_for_card_event(SLOT0, 5) is True
        threading.Timer(0.1, client.stop).start()
        assert wait_for_card_event(SLOT0, 5) is False
    finally:
        client.stop()


@pytest.mark.pcsc
@skip_without_pcscd
def test_client_comes_back_after_pcscd_restart(
    pcscd: PcscdService, plug: Callable[..., VpcdClient]
) -> None:
    plug(FakeCard())
    pcscd.restart()
    assert eventually(card_in_slot0)


@pytest.mark.pcsc
@skip_without_pcscd
def test_reader_errors_are_typed(pcscd: PcscdService) -> None:
    with pytest.raises(ReaderNotFoundError, match="Virtual PCD 00 01"):
        PcscTransport("no such reader")
    with pytest.raises(ReaderNotFoundError):
        PcscTransport(7)
    with pytest.raises(NoCardError):
        PcscTransport(None)
    with pytest.raises(NoCardError):
        PcscTransport(SLOT0)


@pytest.mark.pcsc
@skip_without_pcscd
def test_without_pcscd_discovery_is_empty_and_strict_says_why(pcscd: PcscdService) -> None:
    pcscd.stop()
    try:
        assert list_pcsc_readers() == []
        with pytest.raises(ReaderNotFoundError, match="pcscd"):
            list_pcsc_readers(strict=True)
        with pytest.raises(ReaderNotFoundError, match="pcscd"):
            PcscTransport(None)
        with pytest.raises(ReaderNotFoundError):
            wait_for_card_event(SLOT0, 0.1)
    finally:
        pcscd.start()


# -- vpcd framing, against a fake vpcd (no pcscd needed) -------------------


class FakeVpcd:
    """The listening side of vpcd, driven by the test."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(5)
        self.port = self.server.getsockname()[1]

    def accept(self) -> socket.socket:
        conn, _ = self.server.accept()
        conn.settimeout(5)
        return conn

    @staticmethod
    def send(conn: socket.socket, payload: bytes) -> None:
        conn.sendall(struct.pack(">H", len(payload)) + payload)

    @staticmethod
    def recv(conn: socket.socket) -> bytes:
        def exact(n: int) -> bytes:
            buf = b""
            while len(buf) < n:
                chunk = conn.recv(n - len(buf))
                assert chunk, "client closed the connection"
                buf += chunk
            return buf

        (length,) = struct.unpack(">H", exact(2))
        return exact(length)


def test_vpcd_client_speaks_the_vpcd_protocol() -> None:
    vpcd = FakeVpcd()
    card = FakeCard()
    with VpcdClient(card, port=vpcd.port) as client, vpcd.server:
        conn = vpcd.accept()
        vpcd.send(conn, b"\x04")
        assert vpcd.recv(conn) == T1_ATR
        vpcd.send(conn, b"\x01")  # power on: no answer expected...
        vpcd.send(conn, b"\x04")  # ...so the next answer is this ATR
        assert vpcd.recv(conn) == T1_ATR
        assert client.wait_connected(2)
        vpcd.send(conn, b"\x00\xb0\x00\x00\x00")
        assert vpcd.recv(conn) == b"\x00\xb0\x00\x00\x00" + OK
        vpcd.send(conn, b"\x00")
        vpcd.send(conn, b"\x04")
        assert vpcd.recv(conn) == T1_ATR
        assert card.events == ["on", "off"]
        client.stop()
        assert conn.recv(1) == b""  # closed: pcscd would now report the card removed
        conn.close()


def test_vpcd_client_drops_a_garbled_connection_and_reconnects() -> None:
    vpcd = FakeVpcd()
    with VpcdClient(FakeCard(), port=vpcd.port), vpcd.server:
        first = vpcd.accept()
        vpcd.send(first, b"\x07")  # no such control message
        assert first.recv(1) == b""
        first.close()
        second = vpcd.accept()
        vpcd.send(second, b"\x04")
        assert vpcd.recv(second) == T1_ATR
        second.sendall(b"\x00\x00")  # a zero-length frame is malformed too
        assert second.recv(1) == b""
        second.close()
        third = vpcd.accept()  # and it keeps coming back
        third.close()
