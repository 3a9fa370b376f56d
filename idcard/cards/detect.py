"""Which card family is in the reader (iran-nid-cards.md §1).

The ATR only says "an NOCR card, probably": the vendor's list is compared by
prefix and never used to reject a card, because real cards append bytes. The
family comes from which application answers SELECT, in the probe order the
working apps use: Pardis first, then the Mav IAS application, then Omid.
"""

from __future__ import annotations

import enum

from idcard.apdu.response import ResponseAPDU
from reader.base import Transport

#: ATRs the vendor library accepts (spec §1). Which belongs to which family is not public.
NOCR_ATRS: tuple[bytes, ...] = tuple(
    bytes.fromhex(h)
    for h in (
        "3B7F94000080318065B0850202ED120FFF829000",
        "3B7F96000080318065B0850300EF120FFF829000",
        "3BFF9600008131FE4380318065B085040011120FFF829000E0",
        "3B781800000073C84013009000",
        "3B7D95000080318065B0850101C883019000",
        "3BDB97008131FE85801349524E7396715B91302F",
        "3BDB96008131FE85801349524E7396715B91302E",
    )
)

AID_PARDIS = b"PARDIS,MATIRAN "
AID_MAV_IAS = bytes.fromhex("A0000000180C000001634200")
AID_OMID = b"MATIRAN ID CARD "


class Family(enum.Enum):
    PARDIS = "pardis"
    #: A Mav card whose generation (Mav2/3/4) is not established: the chip-type query is not public.
    MAV = "mav"
    OMID = "omid"
    UNKNOWN = "unknown"


def is_nocr_atr(atr: bytes) -> bool:
    """Whether the ATR starts with one the vendor library lists (longer ATRs still match)."""
    return any(atr.startswith(known) for known in NOCR_ATRS)


def _select_aid(aid: bytes, *, with_le: bool) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + (b"\x00" if with_le else b"")


#: Probe order and exact SELECT forms of the spec (§1 order; §3.2 Pardis and Mav, §3.6 Omid).
PROBES: tuple[tuple[Family, bytes], ...] = (
    (Family.PARDIS, _select_aid(AID_PARDIS, with_le=False)),
    (Family.MAV, _select_aid(AID_MAV_IAS, with_le=False)),
    (Family.OMID, _select_aid(AID_OMID, with_le=True)),
)


def _answered(raw: bytes) -> bool:
    response = ResponseAPDU.parse(raw)
    return response.ok or response.sw1 == 0x61


def detect_family(transport: Transport) -> Family:
    """Probe the applications in order; the first that answers 9000 (or 61xx) names the family.

    Never rejects on the ATR: an unlisted ATR with a known application is still that family.
    """
    for family, command in PROBES:
        if _answered(transport.transmit(command)):
            return family
    return Family.UNKNOWN
