"""APDU encoding, BER-TLV and the channel's handling of hostile card answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idcard.apdu.atr import supports_extended_length
from idcard.apdu.channel import CardChannel, redact
from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU, status_error
from idcard.apdu.tlv import MAX_DEPTH, Tlv, encode_tlv, header_length, parse_all, parse_single
from idcard.errors import (
    CardStatusError,
    IdCardError,
    MalformedResponseError,
    PinError,
    SecureMessagingError,
)
from mock_card.card import ATR_EXTENDED, ATR_SHORT
from reader.base import Transport
from reader.errors import CardRemovedError, CardTimeoutError


class ScriptedTransport(Transport):
    """Answers from a list, records what was sent: for card behaviour hardware can't produce on demand."""

    name = "scripted"

    def __init__(self, answers: list[bytes | Exception]) -> None:
        self.answers = list(answers)
        self.sent: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return ATR_EXTENDED

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("apdu", "hex_"),
    [
        (CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x01\x1e"), "00a4020c02011e"),
        (CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=256), "00b0000000"),
        (CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=65536), "00b00000000000"),
        (CommandAPDU(0x00, 0x84, 0x00, 0x00, le=8), "0084000008"),
        (CommandAPDU(0x00, 0x22, 0xC1, 0xA4, b"\x80\x01\x02"), "0022c1a403800102"),
        (CommandAPDU(0x10, 0x86, 0, 0, b"\x7c\x00", le=256), "10860000027c0000"),
        (CommandAPDU(0x00, 0xD6, 0, 0, b"\xaa" * 300), "00d60000" + "00012c" + "aa" * 300),
        (CommandAPDU(0x00, 0xB0, 0, 0, b"\x01", le=1000), "00b00000" + "000001" + "01" + "03e8"),
        (CommandAPDU(0x00, 0x20, 0x00, 0x82), "00200082"),
    ],
)
def test_command_encode_parse_round_trip(apdu: CommandAPDU, hex_: str) -> None:
    assert apdu.encode().hex() == hex_
    parsed = CommandAPDU.parse(bytes.fromhex(hex_))
    assert parsed.encode().hex() == hex_
    assert (parsed.cla, parsed.ins, parsed.p1, parsed.p2, parsed.data, parsed.le) == (
        apdu.cla, apdu.ins, apdu.p1, apdu.p2, apdu.data, apdu.le,
    )


@pytest.mark.parametrize("raw", ["00a4", "00a4020c05011e", "00a4020c0501", "00b0000000000501"])
def test_command_parse_rejects_lying_lengths(raw: str) -> None:
    with pytest.raises(MalformedResponseError):
        CommandAPDU.parse(bytes.fromhex(raw))


def test_tlv_round_trip_and_header_length() -> None:
    inner = encode_tlv(0x5F1F, b"x" * 200)
    outer = encode_tlv(0x61, inner)
    item = parse_single(outer, 0x61)
    assert item.find(0x5F1F).value == b"x" * 200
    assert item.encode() == outer
    assert header_length(outer[:6]) == len(outer)


@pytest.mark.parametrize(
    "raw",
    [
        "61",  # no length
        "6105aabb",  # length larger than the data
        "618401",  # truncated long length
        "61850100000000",  # 5-byte length field
        "1f",  # truncated multi-byte tag
        "1fffffffff0100",  # tag over 4 bytes
        "6180",  # indefinite length
    ],
)
def test_tlv_hostile_input_is_typed(raw: str) -> None:
    with pytest.raises(MalformedResponseError):
        parse_all(bytes.fromhex(raw))


@given(st.binary(max_size=300))
def test_tlv_fuzz_only_typed_errors(data: bytes) -> None:
    try:
        for item in parse_all(data):
            if item.constructed:
                item.children()
    except MalformedResponseError:
        pass


def test_status_words_are_typed_with_codes() -> None:
    err = status_error(0x63C2)
    assert isinstance(err, PinError) and err.tries_left == 2 and err.code == "pin.wrong"
    assert status_error(0x63C0).code == "pin.blocked"
    assert status_error(0x6983).code == "pin.blocked"
    assert isinstance(status_error(0x6988), SecureMessagingError)
    assert status_error(0x6A82).code == "card.file_not_found"
    unknown = status_error(0x6F42)
    assert isinstance(unknown, CardStatusError) and "6F42" in unknown.message
    with pytest.raises(CardStatusError):
        ResponseAPDU(b"", 0x6982).check()


def test_response_shorter_than_status_word() -> None:
    channel = CardChannel(ScriptedTransport([b"\x90"]))
    with pytest.raises(MalformedResponseError):
        channel.send(CommandAPDU(0, 0xB0, 0, 0, le=4))


def test_get_response_and_wrong_le_are_handled_below_protocol_code() -> None:
    transport = ScriptedTransport(
        [bytes.fromhex("6C04"), bytes.fromhex("aabb6102"), bytes.fromhex("ccdd9000")]
    )
    channel = CardChannel(transport)
    assert channel.send_checked(CommandAPDU(0, 0xB0, 0, 0, le=10)) == bytes.fromhex("aabbccdd")
    assert [s.hex() for s in transport.sent] == ["00b000000a", "00b0000004", "00c0000002"]
    assert channel.stats.apdus == 3


def test_endless_61xx_does_not_hang() -> None:
    transport = ScriptedTransport([bytes.fromhex("6101")] * 300)
    with pytest.raises(MalformedResponseError):
        CardChannel(transport).send(CommandAPDU(0, 0xB0, 0, 0, le=1))


def test_transport_errors_pass_through_typed() -> None:
    for exc in (CardRemovedError("gone"), CardTimeoutError("silent")):
        with pytest.raises(type(exc)):
            CardChannel(ScriptedTransport([exc])).send(CommandAPDU(0, 0xB0, 0, 0, le=1))


def test_atr_capabilities() -> None:
    assert supports_extended_length(ATR_EXTENDED)
    assert not supports_extended_length(ATR_SHORT)
    assert not supports_extended_length(b"")
    assert not supports_extended_length(bytes.fromhex("3b8f8001804f0ca000000306030001000000006a"))


def test_apdu_log_redacts_secret_commands() -> None:
    change_pin = CommandAPDU(0x00, 0x2C, 0x02, 0x03, b"654321").encode()
    assert "363534333231" not in redact(change_pin)
    assert "redacted" in redact(change_pin)
    assert redact(bytes.fromhex("00b0000004")) == "00b0000004"


def test_all_errors_share_the_typed_base() -> None:
    for err in (MalformedResponseError("x"), PinError("y"), status_error(0x6A80)):
        assert isinstance(err, IdCardError) and err.code


def _nested(levels: int) -> bytes:
    data = encode_tlv(0x80, b"\x01")
    for _ in range(levels):
        data = encode_tlv(0x30, data)
    return data


def _walk(item: Tlv) -> int:
    """Deepest level reached by descending through every constructed object."""
    return max([item.depth] + [_walk(c) if c.constructed else c.depth for c in item.children()])


def test_tlv_nesting_is_bounded_by_max_depth() -> None:
    # MAX_DEPTH levels of constructed objects inside the outermost one parse...
    assert _walk(parse_single(_nested(MAX_DEPTH))) == MAX_DEPTH
    # ... one more is a typed error, not unbounded work.
    with pytest.raises(MalformedResponseError, match="deeper than"):
        _walk(parse_single(_nested(MAX_DEPTH + 1)))
    with pytest.raises(MalformedResponseError):
        parse_all(b"\x80\x00", depth=MAX_DEPTH + 1)
    # Depth is bookkeeping, not identity: a parsed child equals one built by hand.
    child = parse_single(encode_tlv(0x30, encode_tlv(0x80, b"\x01"))).children()[0]
    assert child == Tlv(0x80, b"\x01") and child.depth == 1
