"""GENERAL AUTHENTICATE dynamic authentication data (ICAO 9303-11 §4.4.5, Table 4).

Every PACE command and response is a 7C template holding context-specific
data objects; this module is the only place that builds or parses them, so
hostile bytes from either side end in `MalformedResponseError` here.
"""

from __future__ import annotations

from idcard.apdu.tlv import encode_tlv, parse_single
from idcard.errors import MalformedResponseError

TAG_DYNAMIC_AUTHENTICATION_DATA = 0x7C
TAG_ENCRYPTED_NONCE = 0x80
TAG_TERMINAL_MAPPING = 0x81
TAG_CHIP_MAPPING = 0x82
TAG_TERMINAL_PUBLIC_KEY = 0x83
TAG_CHIP_PUBLIC_KEY = 0x84
TAG_TERMINAL_TOKEN = 0x85
TAG_CHIP_TOKEN = 0x86
TAG_CAR = 0x87
TAG_PREVIOUS_CAR = 0x88
TAG_ENCRYPTED_CHIP_AUTHENTICATION_DATA = 0x8A


def build(*objects: tuple[int, bytes]) -> bytes:
    """7C { tag value ... } in the given order (the order §9.3.3 fixes)."""
    return encode_tlv(
        TAG_DYNAMIC_AUTHENTICATION_DATA, b"".join(encode_tlv(tag, value) for tag, value in objects)
    )


def parse(data: bytes) -> dict[int, bytes]:
    """The data objects inside one 7C template, by tag; duplicates are malformed."""
    outer = parse_single(bytes(data), TAG_DYNAMIC_AUTHENTICATION_DATA)
    objects: dict[int, bytes] = {}
    for item in outer.children():
        if item.tag in objects:
            raise MalformedResponseError(f"PACE data object {item.tag:02X} appears twice.")
        objects[item.tag] = item.value
    return objects


def require(objects: dict[int, bytes], tag: int) -> bytes:
    try:
        return objects[tag]
    except KeyError:
        raise MalformedResponseError(f"PACE data object {tag:02X} is missing.") from None


def expect_exactly(objects: dict[int, bytes], *tags: int) -> None:
    """For the chip: a command carrying anything but the step's objects is refused."""
    if set(objects) != set(tags):
        found = " ".join(f"{t:02X}" for t in sorted(objects)) or "none"
        wanted = " ".join(f"{t:02X}" for t in tags) or "none"
        raise MalformedResponseError(f"PACE step expects data objects {wanted}, got {found}.")
