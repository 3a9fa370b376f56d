"""DG12, additional document details (ICAO 9303-10 §4.7.12)."""

from __future__ import annotations

from dataclasses import dataclass, field

from idcard.apdu.tlv import Tlv
from idcard.lds._codec import remember
from idcard.lds._details import Element, encode_details, parse_details
from idcard.lds.tags import DG_TAGS

TAG_DG12 = DG_TAGS[12]

_TABLE = (
    Element(0x5F19, "issuing_authority", "text", "issuing authority"),
    Element(0x5F26, "date_of_issue", "date", "date of issue"),
    Element(0x5F1A, "other_persons", "list", "names of other persons"),
    Element(0x5F1B, "endorsements", "text", "endorsements and observations"),
    Element(0x5F1C, "tax_exit_requirements", "text", "tax/exit requirements"),
    Element(0x5F1D, "image_front", "binary", "image of the front"),
    Element(0x5F1E, "image_rear", "binary", "image of the rear"),
    Element(0x5F55, "personalization_time", "date", "date and time of personalisation"),
    Element(
        0x5F56, "personalization_device_serial", "text", "personalisation system serial number"
    ),
)


@dataclass(frozen=True)
class Dg12:
    issuing_authority: str | None = None
    #: "YYYYMMDD" (BCD-coded dates are returned as the same digits).
    date_of_issue: str | None = None
    other_persons: tuple[str, ...] = ()
    endorsements: str | None = None
    tax_exit_requirements: str | None = None
    #: Images (JPEG) of the document's front and rear.
    image_front: bytes | None = None
    image_rear: bytes | None = None
    #: "YYYYMMDDhhmmss".
    personalization_time: str | None = None
    personalization_device_serial: str | None = None
    unknown: tuple[Tlv, ...] = ()
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, data: bytes) -> Dg12:
        return remember(cls(**parse_details(data, TAG_DG12, "DG12", _TABLE)), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        return encode_details(TAG_DG12, _TABLE, self)
