"""Personalisation: turn a citizen's data into a card image.

The demo citizen is fictional (card-profile.md); all values are fixed so
screenshots and tests are stable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from idcard.apdu.tlv import encode_tlv
from idcard.lds.checkdigit import icao_check_digit, mrz_information
from mock_card.filesystem import FID_CARD_ACCESS, FID_COM, dg_fid
from mock_card.image import (
    DEFAULT_PACE_OID,
    DEFAULT_PACE_PARAMETER_ID,
    PROFILE_NID,
    PROFILE_PASSPORT_BAC,
    CardImage,
    Counters,
    Secrets,
    Settings,
)


@dataclass(frozen=True)
class Citizen:
    family_name_fa: str = "رضایی"
    given_name_fa: str = "سارا"
    family_name: str = "REZAEI"
    given_name: str = "SARA"
    father_name_fa: str = "علی"
    national_code: str = "0012345679"
    birth_date: str = "19900803"  # YYYYMMDD, Gregorian
    birth_place_fa: str = "تهران"
    address_fa: str = "تهران، خیابان آزادی، پلاک ۱۲، کد پستی ۱۳۴۵۶۷۸۹۰۱"
    sex: str = "F"
    document_number: str = "A12345678"
    issue_date: str = "20260115"
    expiry_date: str = "20360114"
    issuer: str = "IRN"
    issuing_authority_fa: str = "سازمان ثبت احوال کشور"

    @property
    def mrz_information(self) -> str:
        return mrz_information(self.document_number, self.birth_date[2:], self.expiry_date[2:])


DEMO_CITIZEN = Citizen()


def td1_mrz(c: Citizen) -> str:
    """The three 30-character lines of a TD1 MRZ, with every check digit."""
    doc = c.document_number.ljust(9, "<")
    line1 = f"ID{c.issuer}{doc}{icao_check_digit(doc)}{c.national_code.ljust(15, '<')}"
    birth, expiry = c.birth_date[2:], c.expiry_date[2:]
    line2 = (
        f"{birth}{icao_check_digit(birth)}{c.sex}{expiry}{icao_check_digit(expiry)}"
        f"{c.issuer}{'<' * 11}"
    )
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += str(icao_check_digit(composite))
    name = f"{c.family_name}<<{c.given_name.replace(' ', '<')}"
    line3 = name.ljust(30, "<")[:30]
    return line1 + line2 + line3


def ef_com(dg_tags: list[int]) -> bytes:
    body = encode_tlv(0x5F01, b"0107") + encode_tlv(0x5F36, b"040000")
    body += encode_tlv(0x5C, bytes(dg_tags))
    return encode_tlv(0x60, body)


def dg1(c: Citizen) -> bytes:
    return encode_tlv(0x61, encode_tlv(0x5F1F, td1_mrz(c).encode("ascii")))


def dg2_placeholder(c: Citizen, size: int = 20_000) -> bytes:
    """A face data group of realistic size (the image itself arrives with the LDS work)."""
    filler = b""
    counter = 0
    while len(filler) < size:
        filler += hashlib.sha256(c.national_code.encode() + counter.to_bytes(4, "big")).digest()
        counter += 1
    bio = encode_tlv(0x5F2E, filler[:size])
    group = encode_tlv(0x02, b"\x01") + encode_tlv(0x7F60, encode_tlv(0xA1, b"") + bio)
    return encode_tlv(0x75, encode_tlv(0x7F61, group))


def dg11(c: Citizen) -> bytes:
    tags = [0x5F0E, 0x5F10, 0x5F2B, 0x5F11, 0x5F42, 0x5F15]
    body = encode_tlv(0x5C, b"".join(t.to_bytes(2, "big") for t in tags))
    body += encode_tlv(0x5F0E, f"{c.family_name_fa}<<{c.given_name_fa}".encode())
    body += encode_tlv(0x5F10, c.national_code.encode())
    body += encode_tlv(0x5F2B, c.birth_date.encode())
    body += encode_tlv(0x5F11, c.birth_place_fa.encode())
    body += encode_tlv(0x5F42, c.address_fa.encode())
    body += encode_tlv(0x5F15, c.father_name_fa.encode())
    return encode_tlv(0x6B, body)


def dg12(c: Citizen) -> bytes:
    body = encode_tlv(0x5C, bytes.fromhex("5F195F26"))
    body += encode_tlv(0x5F19, c.issuing_authority_fa.encode())
    body += encode_tlv(0x5F26, c.issue_date.encode())
    return encode_tlv(0x6C, body)


def card_access(pace_oid: str, parameter_id: int) -> bytes:
    from idcard.lds.security_infos import PaceInfo, SecurityInfos, encode_security_infos

    return encode_security_infos(SecurityInfos([PaceInfo(pace_oid, 2, parameter_id)]))


def personalize(
    citizen: Citizen = DEMO_CITIZEN,
    *,
    profile: str = PROFILE_NID,
    pace_oid: str = DEFAULT_PACE_OID,
    pace_parameter_id: int = DEFAULT_PACE_PARAMETER_ID,
    extended_length: bool = True,
    pin: str = "123456",
    can: str = "123456",
    puk: str = "12345678",
    pin2: str = "12345",
) -> CardImage:
    if profile not in (PROFILE_NID, PROFILE_PASSPORT_BAC):
        raise ValueError(f"unknown profile {profile!r}")
    lds = {
        FID_COM: ef_com([0x61, 0x75, 0x6B, 0x6C]),
        dg_fid(1): dg1(citizen),
        dg_fid(2): dg2_placeholder(citizen),
        dg_fid(11): dg11(citizen),
        dg_fid(12): dg12(citizen),
    }
    mf: dict[int, bytes] = {}
    if profile == PROFILE_NID:
        mf[FID_CARD_ACCESS] = card_access(pace_oid, pace_parameter_id)
    return CardImage(
        settings=Settings(
            profile=profile,
            pace_oid=pace_oid,
            pace_parameter_id=pace_parameter_id,
            extended_length=extended_length if profile == PROFILE_NID else False,
        ),
        secrets=Secrets(pin=pin, can=can, puk=puk, pin2=pin2, mrz_information=citizen.mrz_information),
        counters=Counters(),
        files={"mf": mf, "lds": lds},
    )


def demo_card(**overrides: object) -> CardImage:
    return personalize(DEMO_CITIZEN, **overrides)  # type: ignore[arg-type]
