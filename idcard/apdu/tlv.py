"""BER-TLV (ISO 7816-4 / X.690 definite lengths): one parser, one encoder.

Card answers are hostile input: every length is checked against the bytes
actually present, nesting depth is bounded, and all failures raise
`MalformedResponseError` instead of IndexError.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from idcard.errors import MalformedResponseError

#: Deepest nesting accepted: no card file nests more than a handful of levels,
#: and each level is parsed on demand (`children`), so this bounds the work
#: a hostile object can cause by nesting.
MAX_DEPTH = 32


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    #: Nesting level (0 = outermost object); not part of the object's identity.
    depth: int = field(default=0, compare=False, repr=False)

    @property
    def constructed(self) -> bool:
        first = self.tag
        while first > 0xFF:
            first >>= 8
        return bool(first & 0x20)

    def children(self) -> list[Tlv]:
        return parse_all(self.value, depth=self.depth + 1)

    def find(self, tag: int) -> Tlv | None:
        for child in self.children():
            if child.tag == tag:
                return child
        return None

    def encode(self) -> bytes:
        return encode_tlv(self.tag, self.value)


def encode_tag(tag: int) -> bytes:
    if tag < 0:
        raise ValueError("negative tag")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    if len(body) > 4:
        raise ValueError("length too large")
    return bytes([0x80 | len(body)]) + body


def encode_tlv(tag: int, value: bytes) -> bytes:
    return encode_tag(tag) + encode_length(len(value)) + value


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise MalformedResponseError("TLV: missing tag")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        for _ in range(4):
            if pos >= len(data):
                raise MalformedResponseError("TLV: truncated multi-byte tag")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
        else:
            raise MalformedResponseError("TLV: tag longer than 4 bytes")
    return tag, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise MalformedResponseError("TLV: missing length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise MalformedResponseError("TLV: indefinite length is not allowed here")
    if count > 4:
        raise MalformedResponseError("TLV: length field longer than 4 bytes")
    if pos + count > len(data):
        raise MalformedResponseError("TLV: truncated length field")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def _check_depth(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise MalformedResponseError(f"TLV: nested deeper than {MAX_DEPTH} levels")


def parse_one(data: bytes, pos: int = 0, *, depth: int = 0) -> tuple[Tlv, int]:
    """Parse one TLV at `pos` (`depth` levels inside other objects); return it and the offset after it."""
    _check_depth(depth)
    tag, pos = _read_tag(data, pos)
    length, pos = _read_length(data, pos)
    end = pos + length
    if end > len(data):
        raise MalformedResponseError(
            f"TLV: tag {tag:X} claims {length} bytes, only {len(data) - pos} present"
        )
    return Tlv(tag, bytes(data[pos:end]), depth), end


def iter_tlv(data: bytes, *, depth: int = 0) -> Iterator[Tlv]:
    _check_depth(depth)
    pos = 0
    while pos < len(data):
        # ISO 7816-4 allows 00/FF padding between objects in some files.
        if data[pos] in (0x00, 0xFF):
            pos += 1
            continue
        item, pos = parse_one(data, pos, depth=depth)
        yield item


def parse_all(data: bytes, *, depth: int = 0) -> list[Tlv]:
    return list(iter_tlv(data, depth=depth))


def parse_single(data: bytes, expected_tag: int | None = None) -> Tlv:
    """Parse exactly one TLV spanning all of `data`."""
    item, end = parse_one(data, 0)
    if end != len(data):
        raise MalformedResponseError(f"TLV: {len(data) - end} trailing bytes after tag {item.tag:X}")
    if expected_tag is not None and item.tag != expected_tag:
        raise MalformedResponseError(f"TLV: expected tag {expected_tag:X}, got {item.tag:X}")
    return item


def header_length(data: bytes) -> int:
    """Length the complete TLV starting at data[0] will have, from its header alone.

    Used to learn a file's size from its first bytes before reading the rest.
    """
    tag, pos = _read_tag(data, 0)
    length, pos = _read_length(data, pos)
    return pos + length
