"""LDS file tags (ICAO 9303-10 §4.6.1) and the tag lists of EF.COM, DG11 and DG12."""

from __future__ import annotations

from collections.abc import Iterable

from idcard.apdu.tlv import encode_tag
from idcard.errors import MalformedResponseError

TAG_COM = 0x60
TAG_SOD = 0x77

#: Data group number -> the tag its file starts with.
DG_TAGS: dict[int, int] = {
    1: 0x61,
    2: 0x75,
    3: 0x63,
    4: 0x76,
    5: 0x65,
    6: 0x66,
    7: 0x67,
    8: 0x68,
    9: 0x69,
    10: 0x6A,
    11: 0x6B,
    12: 0x6C,
    13: 0x6D,
    14: 0x6E,
    15: 0x6F,
    16: 0x70,
}

#: The reverse table: file tag -> data group number.
TAG_DGS: dict[int, int] = {tag: dg for dg, tag in DG_TAGS.items()}


def tag_for_dg(dg: int) -> int:
    try:
        return DG_TAGS[dg]
    except KeyError:
        raise ValueError(f"there is no data group {dg}") from None


def dg_for_tag(tag: int) -> int | None:
    """The data group a file tag stands for, or None for a tag that is no data group."""
    return TAG_DGS.get(tag)


def parse_tag_list(data: bytes) -> tuple[int, ...]:
    """Split the value of a '5C' tag list into tags (one- or multi-byte BER tags)."""
    tags: list[int] = []
    pos = 0
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag & 0x1F == 0x1F:
            for _ in range(3):
                if pos >= len(data):
                    raise MalformedResponseError("tag list: truncated multi-byte tag")
                tag = (tag << 8) | data[pos]
                pos += 1
                if not data[pos - 1] & 0x80:
                    break
            else:
                raise MalformedResponseError("tag list: tag longer than 4 bytes")
        tags.append(tag)
    return tuple(tags)


def encode_tag_list(tags: Iterable[int]) -> bytes:
    return b"".join(encode_tag(t) for t in tags)
