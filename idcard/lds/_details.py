"""The shared shape of DG11 and DG12 (ICAO 9303-10 §4.7.11/12), driven by a field table.

    '6B'/'6C' { '5C' tag list, element, element, 'A0' { '02' count, item, item }, ... }

Each element is optional. Text is UTF-8 (names and addresses in Persian);
dates are "YYYYMMDD" in ASCII, or 4 BCD bytes on some cards. Elements this
module does not know are kept in `unknown` and written back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from idcard.apdu.tlv import Tlv, encode_tlv
from idcard.errors import MalformedResponseError
from idcard.lds._codec import children, outer, uint, utf8
from idcard.lds.tags import encode_tag_list

Kind = Literal["text", "date", "binary", "list"]

TAG_TAG_LIST = 0x5C
TAG_LIST_TEMPLATE = 0xA0
TAG_COUNT = 0x02


@dataclass(frozen=True)
class Element:
    tag: int
    attribute: str
    kind: Kind
    label: str


def _bcd(value: bytes) -> str | None:
    digits = value.hex()
    return digits if digits.isdigit() else None


def _date(value: bytes, what: str) -> str:
    if value.isascii() and value.decode("ascii").isdigit():
        return value.decode("ascii")
    if len(value) in (4, 7) and (digits := _bcd(value)) is not None:
        return digits  # BCD: YYYYMMDD in 4 bytes, YYYYMMDDhhmmss in 7
    return utf8(value, what)


def _list(item: Tlv, element: Element, what: str) -> list[str]:
    inner = children(item, what)
    if not inner or inner[0].tag != TAG_COUNT:
        raise MalformedResponseError(f"{what}: the {element.label} template has no count")
    count = uint(inner[0].value, f"{what}: {element.label} count")
    for i in inner[1:]:
        if i.tag != element.tag:
            raise MalformedResponseError(
                f"{what}: unexpected tag {i.tag:X} in the {element.label} template"
            )
    if count != len(inner) - 1:
        raise MalformedResponseError(
            f"{what}: the {element.label} template says {count} entries, holds {len(inner) - 1}"
        )
    return [utf8(i.value, f"{what}: {element.label} ({i.tag:X})") for i in inner[1:]]


def parse_details(
    data: bytes, file_tag: int, what: str, table: tuple[Element, ...]
) -> dict[str, Any]:
    """Keyword arguments for the data group's dataclass (attribute -> value, plus `unknown`)."""
    by_tag = {e.tag: e for e in table}
    list_element = next((e for e in table if e.kind == "list"), None)
    values: dict[str, Any] = {}
    unknown: list[Tlv] = []
    seen_tag_list = False
    for item in children(outer(data, file_tag, what), what):
        if item.tag == TAG_TAG_LIST and not seen_tag_list:
            # The tag list only announces what follows; the elements themselves decide.
            seen_tag_list = True
            continue
        if item.tag == TAG_LIST_TEMPLATE and list_element is not None:
            entries = tuple(_list(item, list_element, what))
            name = list_element.attribute
            values[name] = values.get(name, ()) + entries
            continue
        element = by_tag.get(item.tag)
        if element is None:
            unknown.append(item)
            continue
        label = f"{what}: {element.label} ({element.tag:X})"
        if element.kind == "list":  # a bare item without the A0 template
            values[element.attribute] = values.get(element.attribute, ()) + (
                utf8(item.value, label),
            )
            continue
        if element.attribute in values:
            raise MalformedResponseError(f"{label} appears twice")
        if element.kind == "text":
            values[element.attribute] = utf8(item.value, label)
        elif element.kind == "date":
            values[element.attribute] = _date(item.value, label)
        else:
            values[element.attribute] = item.value
    values["unknown"] = tuple(unknown)
    return values


def encode_details(file_tag: int, table: tuple[Element, ...], obj: object) -> bytes:
    tags: list[int] = []
    body = b""
    for element in table:
        value = getattr(obj, element.attribute)
        if value is None or (element.kind == "list" and not value):
            continue
        tags.append(element.tag)
        if element.kind == "list":
            items = b"".join(encode_tlv(element.tag, v.encode("utf-8")) for v in value)
            body += encode_tlv(
                TAG_LIST_TEMPLATE, encode_tlv(TAG_COUNT, bytes([len(value)])) + items
            )
        elif element.kind == "binary":
            body += encode_tlv(element.tag, value)
        else:
            body += encode_tlv(element.tag, value.encode("utf-8"))
    unknown: tuple[Tlv, ...] = getattr(obj, "unknown")  # noqa: B009
    tags.extend(t.tag for t in unknown)
    body += b"".join(t.encode() for t in unknown)
    return encode_tlv(file_tag, encode_tlv(TAG_TAG_LIST, encode_tag_list(tags)) + body)
