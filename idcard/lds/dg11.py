"""DG11, additional personal details (ICAO 9303-10 §4.7.11).

The national card profile (card-profile.md) fills: 5F0E full name in Persian
as "FAMILY<<GIVEN", 5F10 national code, 5F2B date of birth (Gregorian
YYYYMMDD), 5F11 place of birth, 5F42 address, and 5F15 ("personal summary")
with the father's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from idcard.apdu.tlv import Tlv
from idcard.lds._codec import remember
from idcard.lds._details import Element, encode_details, parse_details
from idcard.lds.tags import DG_TAGS

TAG_DG11 = DG_TAGS[11]

_TABLE = (
    Element(0x5F0E, "full_name", "text", "full name"),
    Element(0x5F0F, "other_names", "list", "other names"),
    Element(0x5F10, "personal_number", "text", "personal number"),
    Element(0x5F2B, "full_date_of_birth", "date", "full date of birth"),
    Element(0x5F11, "place_of_birth", "text", "place of birth"),
    Element(0x5F42, "address", "text", "address"),
    Element(0x5F12, "telephone", "text", "telephone"),
    Element(0x5F13, "profession", "text", "profession"),
    Element(0x5F14, "title", "text", "title"),
    Element(0x5F15, "personal_summary", "text", "personal summary"),
    Element(0x5F16, "proof_of_citizenship", "binary", "proof of citizenship"),
    Element(0x5F17, "other_td_numbers", "text", "other valid TD numbers"),
    Element(0x5F18, "custody_information", "text", "custody information"),
)


def _split_name(full_name: str) -> tuple[str, str]:
    family, _, given = full_name.partition("<<")
    return " ".join(family.replace("<", " ").split()), " ".join(given.replace("<", " ").split())


@dataclass(frozen=True)
class Dg11:
    #: "FAMILY<<GIVEN" as on the card ('<' separates names, as in the MRZ).
    full_name: str | None = None
    other_names: tuple[str, ...] = ()
    #: The national code on national cards.
    personal_number: str | None = None
    #: "YYYYMMDD" (BCD-coded dates are returned as the same digits).
    full_date_of_birth: str | None = None
    place_of_birth: str | None = None
    address: str | None = None
    telephone: str | None = None
    profession: str | None = None
    title: str | None = None
    #: The father's name in the national card profile.
    personal_summary: str | None = None
    #: An image (JPEG) per 9303-10, so bytes.
    proof_of_citizenship: bytes | None = None
    other_td_numbers: str | None = None
    custody_information: str | None = None
    unknown: tuple[Tlv, ...] = ()
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def family_name(self) -> str | None:
        return _split_name(self.full_name)[0] if self.full_name is not None else None

    @property
    def given_names(self) -> str | None:
        return _split_name(self.full_name)[1] if self.full_name is not None else None

    @property
    def father_name(self) -> str | None:
        return self.personal_summary

    @classmethod
    def parse(cls, data: bytes) -> Dg11:
        return remember(cls(**parse_details(data, TAG_DG11, "DG11", _TABLE)), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        return encode_details(TAG_DG11, _TABLE, self)
