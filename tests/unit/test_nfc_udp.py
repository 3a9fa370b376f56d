"""The emulated ISO-DEP card on nfcpy's udp radio, read through nfcpy's real stack.

`NfcTransport` tests go through nfcpy's udp device, activation and
IsoDepInitiator exactly as the product does; `RawReader` tests speak the
udp wire format by hand to reach corner cases nfcpy never produces.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
import time
from collections.abc import Callable, Iterator
from functools import reduce
from operator import xor

import pytest

from mock_card.frontends.nfc_udp import NfcUdpTarget, historical_bytes_from_atr
from reader.errors import (
    CardRemovedError,
    CardTimeoutError,
    DriverMissingError,
    NoCardError,
    TransportError,
)
from reader.nfc import NfcTransport, atr_from_ats, list_nfc_readers, parse_nfc_reader_name

needs_nfcpy = pytest.mark.system_part(importlib.util.find_spec("nfc") is None and "needs nfcpy")
SW_OK = b"\x90\x00"
HISTORICAL = b"NID-V1-EMU"
FAST_FWI = 8  # FWT 77 ms: nfcpy gives up on a silent card after ~0.5 s


def pcsc_atr(historical: bytes) -> bytes:
    atr = bytes([0x3B, 0x80 | len(historical), 0x80, 0x01]) + historical
    return atr + bytes([reduce(xor, atr[1:])])


class FakeCard:
    """Records power and APDUs; answers with `respond` (default: echo the APDU)."""

    def __init__(self, respond: Callable[[bytes], bytes] | None = None) -> None:
        self.atr = pcsc_atr(HISTORICAL)
        self.events: list[str] = []
        self.apdus: list[bytes] = []
        self._respond = respond or (lambda apdu: apdu + SW_OK)

    def power_on(self) -> None:
        self.events.append("on")

    def power_off(self) -> None:
        self.events.append("off")

    def process(self, apdu: bytes) -> bytes:
        self.apdus.append(apdu)
        return self._respond(apdu)


class RawReader:
    """A reader speaking nfcpy's udp datagrams by hand."""

    def __init__(self, port: int) -> None:
        self.addr = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2.0)

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, datagram: bytes) -> None:
        self.sock.sendto(datagram, self.addr)

    def send(self, frame: bytes) -> None:
        self.send_raw(b"106A " + frame.hex().encode())

    def recv(self) -> bytes:
        datagram, _ = self.sock.recvfrom(4096)
        brty, data = datagram.split()
        assert brty == b"106A"
        return bytes.fromhex(data.decode())

    def exchange(self, frame: bytes) -> bytes:
        self.send(frame)
        return self.recv()

    def assert_silent(self, wait: float = 0.2) -> None:
        self.sock.settimeout(wait)
        try:
            with pytest.raises(TimeoutError):
                self.sock.recvfrom(4096)
        finally:
            self.sock.settimeout(2.0)

    def activate(self, rats_param: int = 0x80) -> bytes:
        """REQA, anticollision, select and RATS for a 4-byte UID; returns the ATS."""
        assert self.exchange(b"\x26") == b"\x04\x00"
        cl1 = self.exchange(b"\x93\x20")
        assert self.exchange(b"\x93\x70" + cl1) == b"\x20"
        return self.exchange(bytes([0xE0, rats_param]))


def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def card() -> FakeCard:
    return FakeCard()


@pytest.fixture
def target(card: FakeCard) -> Iterator[NfcUdpTarget]:
    with NfcUdpTarget(card, port=0) as target:
        yield target


@pytest.fixture
def raw(target: NfcUdpTarget) -> Iterator[RawReader]:
    reader = RawReader(target.port)
    yield reader
    reader.close()


def connect(target: NfcUdpTarget, timeout: float = 2.0) -> NfcTransport:
    return NfcTransport(f"udp:127.0.0.1:{target.port}", timeout=timeout)


# -- through nfcpy -------------------------------------------------------------


@needs_nfcpy
def test_apdus_round_trip_unchanged(target: NfcUdpTarget, card: FakeCard) -> None:
    apdus = [
        bytes.fromhex("00A4040C07A0000002471001"),
        bytes.fromhex("00B0000000"),
        bytes.fromhex("0084000008"),
        bytes.fromhex("0C2A00BE000010") + bytes(range(16)) + b"\x00\x00",
    ]
    with connect(target) as transport:
        assert transport.name == f"nfc:udp:127.0.0.1:{target.port}"
        for apdu in apdus:
            assert transport.transmit(apdu) == apdu + SW_OK
        assert card.apdus == apdus
        assert card.events == ["on"]


@needs_nfcpy
def test_atr_is_built_from_ats_historical_bytes(target: NfcUdpTarget, card: FakeCard) -> None:
    with connect(target) as transport:
        # The card's ATR is itself PC/SC's contactless form: it survives the
        # trip ATR -> ATS historical bytes -> ATR.
        assert transport.atr == card.atr == pcsc_atr(HISTORICAL)


@needs_nfcpy
def test_extended_length_chains_both_ways() -> None:
    big_response = bytes(i * 7 % 256 for i in range(4000)) + SW_OK
    card = FakeCard(lambda apdu: big_response)
    data = bytes(i % 251 for i in range(3000))
    command = (
        bytes.fromhex("00DA0000") + b"\x00" + len(data).to_bytes(2, "big") + data + b"\x00\x00"
    )
    with NfcUdpTarget(card, port=0) as target, connect(target) as transport:
        assert transport.transmit(command) == big_response
        assert transport.transmit(command) == big_response
    assert card.apdus == [command, command]


@needs_nfcpy
def test_close_deselects_and_powers_off(target: NfcUdpTarget, card: FakeCard) -> None:
    transport = connect(target)
    transport.transmit(b"\x00\xa4\x00\x00")
    transport.close()
    wait_until(lambda: card.events == ["on", "off"])
    transport.close()  # idempotent
    with pytest.raises(TransportError):
        transport.transmit(b"\x00\xa4\x00\x00")
    assert not transport.card_present()
    # The card can be activated again afterwards.
    with connect(target) as again:
        assert again.transmit(b"\x00\x01\x02\x03") == b"\x00\x01\x02\x03" + SW_OK
    wait_until(lambda: card.events == ["on", "off", "on", "off"])


@needs_nfcpy
def test_presence_check_keeps_the_session(target: NfcUdpTarget) -> None:
    with connect(target) as transport:
        assert transport.card_present()
        assert transport.transmit(b"\x00\xb0\x00\x00\x10") == b"\x00\xb0\x00\x00\x10" + SW_OK
        assert transport.card_present()
        assert transport.transmit(b"\x00\xb0\x00\x10\x10") == b"\x00\xb0\x00\x10\x10" + SW_OK


@needs_nfcpy
def test_stopped_target_raises_typed_error_fast(card: FakeCard) -> None:
    target = NfcUdpTarget(card, port=0, fwi=FAST_FWI).start()
    transport = connect(target)
    try:
        assert transport.transmit(b"\x00\x00\x00\x00") == b"\x00\x00\x00\x00" + SW_OK
        target.stop()
        assert card.events == ["on", "off"]
        started = time.monotonic()
        with pytest.raises((CardTimeoutError, CardRemovedError)) as first:
            transport.transmit(b"\x00\x00\x00\x00")
        assert time.monotonic() - started < 2.0
        # Block numbers are lost: later calls fail at once, with the same code.
        started = time.monotonic()
        with pytest.raises(TransportError) as second:
            transport.transmit(b"\x00\x00\x00\x00")
        assert time.monotonic() - started < 0.1
        assert second.value.code == first.value.code
        assert not transport.card_present()
    finally:
        transport.close()
        target.stop()


@needs_nfcpy
def test_no_card_raises_no_card_error() -> None:
    started = time.monotonic()
    with pytest.raises(NoCardError):
        NfcTransport(f"udp:127.0.0.1:{free_udp_port()}", timeout=0.3)
    # nfcpy's udp driver waits a fixed 1 s for each SENS_RES.
    assert time.monotonic() - started < 0.3 + 1.5


@needs_nfcpy
def test_slow_card_is_bridged_with_wtx() -> None:
    card = FakeCard()
    with NfcUdpTarget(card, port=0, fwi=FAST_FWI, latency=0.6) as target:
        with connect(target) as transport:
            started = time.monotonic()
            assert transport.transmit(b"\x00\x88\x00\x00") == b"\x00\x88\x00\x00" + SW_OK
            assert time.monotonic() - started >= 0.6
            target.latency = 0.0
            assert transport.transmit(b"\x00\x88\x00\x01") == b"\x00\x88\x00\x01" + SW_OK


@needs_nfcpy
def test_seven_byte_uid(card: FakeCard) -> None:
    with NfcUdpTarget(card, port=0, uid=bytes.fromhex("04A1B2C3D4E5F6")) as target:
        with connect(target) as transport:
            assert transport.transmit(b"\x00\x01\x02\x03") == b"\x00\x01\x02\x03" + SW_OK


@needs_nfcpy
def test_junk_datagrams_are_ignored(target: NfcUdpTarget, card: FakeCard, raw: RawReader) -> None:
    junk = [
        b"",
        b"\xff\xfe\x00",
        b"106A",
        b"106A zz",
        b"106A 0",
        b"106A 0102 0304",
        b"106B 050010",
        b"212F 0600ffff0100",
        b"RFOFF",  # not from the active reader
        b"106A 0200a40000",  # an I-block before any activation
        b"106A e080",  # RATS before select
        b"106A 9370" + b"00" * 5,  # select of a UID that is not ours
        b"\x80" * 2000,
    ]
    for datagram in junk:
        raw.send_raw(datagram)
    raw.assert_silent()
    with connect(target) as transport:
        for datagram in junk:  # from a stranger, mid-session
            raw.send_raw(datagram)
        assert transport.transmit(b"\x00\x01\x02\x03") == b"\x00\x01\x02\x03" + SW_OK
    assert card.apdus == [b"\x00\x01\x02\x03"]


# -- the card side, by hand ------------------------------------------------------


def test_ats_announces_fsc_256_and_fwi(raw: RawReader) -> None:
    ats = raw.activate()
    assert ats[0] == len(ats)
    assert ats[1] == 0x78  # TA, TB, TC present; FSCI 8
    assert ats[3] >> 4 == 12  # FWT 1.24 s
    assert ats[5:] == HISTORICAL


def test_rfoff_powers_off(raw: RawReader, card: FakeCard) -> None:
    raw.activate()
    wait_until(lambda: card.events == ["on"])
    assert raw.exchange(b"\x02\x00\xca\x01\x00") == b"\x02\x00\xca\x01\x00" + SW_OK
    raw.send_raw(b"RFOFF")
    wait_until(lambda: card.events == ["on", "off"])
    raw.send(b"\x03\x00\xca\x01\x00")  # the card is gone: no answer
    raw.assert_silent()


def test_block_protocol_rules(raw: RawReader, card: FakeCard) -> None:
    card._respond = lambda apdu: bytes(range(100)) + SW_OK
    ats = raw.activate(rats_param=0x20)  # FSD 32
    assert len(ats) <= 32 - 2
    # Presence check right after activation: R(NAK) 0 -> R(ACK) 1.
    assert raw.exchange(b"\xb2") == b"\xa3"
    # A chained command, each part acknowledged with its block number.
    assert raw.exchange(b"\x12\x00\xda\x00\x00") == b"\xa2"
    assert raw.exchange(b"\x13\x05\x01\x02") == b"\xa3"
    first = raw.exchange(b"\x02\x03\x04\x05")
    assert card.apdus == [b"\x00\xda\x00\x00\x05\x01\x02\x03\x04\x05"]
    # The response is chained in frames of at most FSD - 2 bytes.
    assert first[0] == 0x12 and len(first) == 32 - 2
    assert raw.exchange(b"\xb2") == first  # R(NAK), same number: resend
    assert raw.exchange(b"\xa2") == first  # R(ACK), same number: resend
    received = first[1:]
    number = 1
    while True:
        block = raw.exchange(bytes([0xA2 | number]))
        assert block[0] & 0x01 == number and len(block) <= 32 - 2
        received += block[1:]
        number ^= 1
        if not block[0] & 0x10:
            break
    assert received == bytes(range(100)) + SW_OK
    # Presence check between commands: R(NAK) with the next number -> R(ACK).
    assert raw.exchange(bytes([0xB2 | number])) == bytes([0xA2 | number ^ 1])
    assert raw.exchange(b"\xc2") == b"\xc2"  # DESELECT
    assert card.events == ["on", "off"]
    raw.send(bytes([0x02 | number]) + b"\x00\x00\x00\x00")
    raw.assert_silent()


def test_seven_and_ten_byte_uid_anticollision(card: FakeCard) -> None:
    for uid, sens_res in (
        (bytes.fromhex("04A1B2C3D4E5F6"), b"\x44\x00"),
        (bytes(range(1, 11)), b"\x84\x00"),
    ):
        with NfcUdpTarget(card, port=0, uid=uid) as target:
            raw = RawReader(target.port)
            assert raw.exchange(b"\x52") == sens_res
            collected = b""
            for sel in (0x93, 0x95, 0x97):
                level = raw.exchange(bytes([sel, 0x20]))
                assert level[4] == reduce(xor, level[:4])
                sel_res = raw.exchange(bytes([sel, 0x70]) + level)
                if sel_res == b"\x04":
                    assert level[0] == 0x88
                    collected += level[1:4]
                else:
                    assert sel_res == b"\x20"
                    collected += level[:4]
                    break
            assert collected == uid
            raw.close()


def test_card_backend_errors_become_6f00(card: FakeCard, raw: RawReader) -> None:
    def broken(apdu: bytes) -> bytes:
        raise RuntimeError("bug")

    card._respond = broken
    raw.activate()
    assert raw.exchange(b"\x02\x00\xb0\x00\x00") == b"\x02\x6f\x00"


def test_historical_bytes_from_contact_atr() -> None:
    assert historical_bytes_from_atr(pcsc_atr(b"ABC")) == b"ABC"
    # TA1 TB1 TC1 TD1, TD2, TB3, then 4 historical bytes and TCK.
    assert (
        historical_bytes_from_atr(bytes.fromhex("3BF4961300812145414243440F"))
        == b"\x41\x42\x43\x44"
    )
    assert historical_bytes_from_atr(b"\x3b") == b""
    assert historical_bytes_from_atr(bytes.fromhex("3B8F")) == b""


def test_atr_from_ats() -> None:
    ats = bytes.fromhex("0A788077024E49442D5631")  # TL 10, TA TB TC, hist "NID-V1" ...
    assert atr_from_ats(ats) == pcsc_atr(bytes.fromhex("4E49442D56"))
    assert atr_from_ats(b"") == pcsc_atr(b"")
    assert atr_from_ats(bytes.fromhex("0100")) == pcsc_atr(b"")


def test_target_validates_arguments(card: FakeCard) -> None:
    with pytest.raises(ValueError):
        NfcUdpTarget(card, uid=b"\x01\x02\x03")
    with pytest.raises(ValueError):
        NfcUdpTarget(card, uid=bytes.fromhex("88010203"))
    with pytest.raises(ValueError):
        NfcUdpTarget(card, fwi=15)


# -- names, discovery, missing driver -------------------------------------------


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("nfc:usb", "usb"),
        ("nfc:usb:1:4", "usb:001:004"),
        ("nfc:usb:001:023", "usb:001:023"),
        ("nfc:udp:localhost:54321", "udp:localhost:54321"),
        ("nfc:udp:127.0.0.1:9", "udp:127.0.0.1:9"),
    ],
)
def test_parse_nfc_reader_name(name: str, path: str) -> None:
    assert parse_nfc_reader_name(name) == path


@pytest.mark.parametrize(
    "name",
    [
        "usb",
        "nfc:",
        "nfc:usb:1",
        "nfc:usb:054c:06c3",
        "nfc:udp",
        "nfc:udp:host",
        "nfc:udp:host:0",
        "nfc:udp:host:70000",
        "nfc:udp::54321",
        "nfc:tty:USB0:pn532",
        "pcsc:nfc:usb",
    ],
)
def test_parse_nfc_reader_name_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        parse_nfc_reader_name(name)


def test_list_nfc_readers_never_raises() -> None:
    readers = list_nfc_readers()
    assert all(info.kind == "nfc" and info.name.startswith("nfc:usb") for info in readers)


def test_missing_nfcpy_is_a_driver_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nfc", None)  # makes "import nfc" fail
    with pytest.raises(DriverMissingError, match=r"pip install 'idcard\[nfc\]'"):
        NfcTransport("udp:127.0.0.1:54321", timeout=0.1)
    assert list_nfc_readers() == []
