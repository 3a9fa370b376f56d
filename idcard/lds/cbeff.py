"""Biometric templates of DG2/DG3/DG4 (ICAO 9303-10 §4.7.2, ISO/IEC 7816-11 CBEFF).

    '75'/'63'/'76' { '7F61' { '02' count, '7F60' { 'A1' header, '5F2E'|'7F2E' data } ... } }

This module only takes the container apart; the biometric data blocks stay
bytes (dg2.py/face.py read face records; fingerprints and irises are
EAC-protected and nothing here needs to look inside them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from idcard.apdu.tlv import Tlv, encode_tlv
from idcard.errors import MalformedResponseError
from idcard.lds._codec import children, outer, remember, uint

TAG_GROUP = 0x7F61
TAG_COUNT = 0x02
TAG_INFO = 0x7F60
TAG_HEADER = 0xA1
TAG_BDB = 0x5F2E
TAG_BDB_CONSTRUCTED = 0x7F2E

# Biometric header template elements (ISO/IEC 7816-11, as profiled by 9303-10).
TAG_HEADER_VERSION = 0x80
TAG_BIOMETRIC_TYPE = 0x81
TAG_BIOMETRIC_SUBTYPE = 0x82
TAG_CREATION_DATE = 0x83
TAG_VALIDITY = 0x85
TAG_CREATOR = 0x86
TAG_FORMAT_OWNER = 0x87
TAG_FORMAT_TYPE = 0x88

FORMAT_OWNER_JTC1_SC37 = 0x0101
FORMAT_TYPE_FACE_19794 = 0x0008
FORMAT_TYPE_FACE_39794 = 0x002A  # IBIA "g3-binary-face-image"
BIOMETRIC_TYPE_FACE = 0x02


@dataclass(frozen=True)
class BiometricHeader:
    """The 'A1' biometric header template, element by element in the card's order."""

    elements: tuple[Tlv, ...]

    def get(self, tag: int) -> bytes | None:
        for element in self.elements:
            if element.tag == tag:
                return element.value
        return None

    def _int(self, tag: int) -> int | None:
        value = self.get(tag)
        return int.from_bytes(value, "big") if value else None

    @property
    def biometric_type(self) -> int | None:
        return self._int(TAG_BIOMETRIC_TYPE)

    @property
    def biometric_subtype(self) -> int | None:
        return self._int(TAG_BIOMETRIC_SUBTYPE)

    @property
    def format_owner(self) -> int | None:
        return self._int(TAG_FORMAT_OWNER)

    @property
    def format_type(self) -> int | None:
        return self._int(TAG_FORMAT_TYPE)

    @classmethod
    def face(cls, format_type: int = FORMAT_TYPE_FACE_19794) -> BiometricHeader:
        """The header ICAO DG2 files carry (same elements as the specimens)."""
        return cls(
            (
                Tlv(TAG_BIOMETRIC_TYPE, bytes([BIOMETRIC_TYPE_FACE])),
                Tlv(TAG_BIOMETRIC_SUBTYPE, b"\x00"),
                Tlv(TAG_FORMAT_OWNER, FORMAT_OWNER_JTC1_SC37.to_bytes(2, "big")),
                Tlv(TAG_FORMAT_TYPE, format_type.to_bytes(2, "big")),
            )
        )

    @classmethod
    def parse_value(cls, value: bytes, what: str) -> BiometricHeader:
        try:
            elements = Tlv(TAG_HEADER, value).children()
        except MalformedResponseError as exc:
            raise MalformedResponseError(f"{what}: biometric header: {exc.message}") from exc
        return cls(tuple(elements))

    def encode(self) -> bytes:
        return encode_tlv(TAG_HEADER, b"".join(e.encode() for e in self.elements))


@dataclass(frozen=True)
class BiometricInfo:
    """One '7F60' biometric information template: header plus data block."""

    header: BiometricHeader
    bdb: bytes
    #: '5F2E' (primitive) or '7F2E' (constructed, e.g. the ISO 39794 encodings).
    bdb_tag: int = TAG_BDB
    extra: tuple[Tlv, ...] = ()

    def encode(self) -> bytes:
        body = self.header.encode() + encode_tlv(self.bdb_tag, self.bdb)
        return encode_tlv(TAG_INFO, body + b"".join(t.encode() for t in self.extra))


def _parse_info(item: Tlv, what: str) -> BiometricInfo:
    header: BiometricHeader | None = None
    bdb: Tlv | None = None
    extra: list[Tlv] = []
    for element in children(item, what):
        if element.tag == TAG_HEADER and header is None:
            header = BiometricHeader.parse_value(element.value, what)
        elif element.tag in (TAG_BDB, TAG_BDB_CONSTRUCTED) and bdb is None:
            bdb = element
        else:
            extra.append(element)
    if header is None:
        raise MalformedResponseError(f"{what}: no biometric header template (A1)")
    if bdb is None:
        raise MalformedResponseError(f"{what}: no biometric data block (5F2E/7F2E)")
    return BiometricInfo(header, bdb.value, bdb.tag, tuple(extra))


@dataclass(frozen=True)
class BiometricDataGroup:
    """DG2, DG3 or DG4 as a container of biometric information templates."""

    tag: int
    infos: tuple[BiometricInfo, ...]
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, data: bytes, tag: int | None = None) -> BiometricDataGroup:
        """Parse a biometric DG; `tag` (e.g. 0x75) is checked when given."""
        if tag is None:
            if not data:
                raise MalformedResponseError("biometric data group: the file is empty")
            tag = data[0]
        what = f"DG with tag {tag:02X}"
        group = outer(data, tag, what)
        inner = children(group, what)
        if len(inner) != 1 or inner[0].tag != TAG_GROUP:
            raise MalformedResponseError(f"{what}: expected one biometric group template (7F61)")
        items = children(inner[0], what)
        if not items or items[0].tag != TAG_COUNT:
            raise MalformedResponseError(f"{what}: the group template does not start with a count")
        count = uint(items[0].value, f"{what}: number of instances")
        infos: list[BiometricInfo] = []
        for item in items[1:]:
            if item.tag != TAG_INFO:
                raise MalformedResponseError(f"{what}: unexpected tag {item.tag:X} in 7F61")
            infos.append(_parse_info(item, f"{what}, instance {len(infos) + 1}"))
        if count != len(infos):
            raise MalformedResponseError(
                f"{what}: says {count} biometric instances, holds {len(infos)}"
            )
        return remember(cls(tag, tuple(infos)), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        return encode_group(self.tag, self.infos)


def encode_group(tag: int, infos: tuple[BiometricInfo, ...] | list[BiometricInfo]) -> bytes:
    body = encode_tlv(TAG_COUNT, bytes([len(infos)])) + b"".join(i.encode() for i in infos)
    return encode_tlv(tag, encode_tlv(TAG_GROUP, body))
