"""Helpers shared by the LDS file codecs.

Every parsed LDS object remembers the exact bytes it came from (`_raw`, not an
init field): `encode()` re-emits them, so a card's encoding quirks (long-form
lengths, element order, BCD dates) survive a round trip and hashes in EF.SOD
still match. `dataclasses.replace()` does not copy init=False fields, so a
changed copy has no `_raw` and is encoded canonically from its fields.
"""

from __future__ import annotations

from typing import TypeVar

from idcard.apdu.tlv import Tlv, parse_single
from idcard.errors import MalformedResponseError

T = TypeVar("T")


def remember(obj: T, raw: bytes) -> T:
    object.__setattr__(obj, "_raw", bytes(raw))
    return obj


def outer(data: bytes, tag: int, what: str) -> Tlv:
    """The single TLV a file consists of, with a message naming the file when it is not."""
    if not data:
        raise MalformedResponseError(f"{what}: the file is empty")
    try:
        return parse_single(bytes(data), tag)
    except MalformedResponseError as exc:
        raise MalformedResponseError(f"{what}: {exc.message}") from exc


def children(tlv: Tlv, what: str) -> list[Tlv]:
    try:
        return tlv.children()
    except MalformedResponseError as exc:
        raise MalformedResponseError(f"{what}: {exc.message}") from exc


def utf8(value: bytes, what: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedResponseError(f"{what} is not valid UTF-8") from None


def ascii_text(value: bytes, what: str) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedResponseError(f"{what} is not ASCII") from None


def uint(value: bytes, what: str) -> int:
    if not value:
        raise MalformedResponseError(f"{what} is empty")
    return int.from_bytes(value, "big")
