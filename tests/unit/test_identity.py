"""The demo citizen end to end through our encoders, Identity.to_json, and the national code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from idcard.apdu.tlv import Tlv, encode_tlv, parse_single
from idcard.errors import MalformedResponseError
from idcard.lds.dg1 import Dg1
from idcard.lds.dg11 import Dg11
from idcard.lds.dg12 import Dg12
from idcard.lds.identity import Identity, solar_hijri
from idcard.lds.mrz import Mrz
from idcard.lds.national_code import is_valid_national_code, national_code_check_digit
from tests.vectors import VECTORS

TODAY = dt.date(2026, 5, 1)

# The fictional citizen of card-profile.md.
MRZ = Mrz.td1(
    document_number="A12345678",
    birth_date="19900803",
    expiry_date="20360114",
    sex="F",
    issuer="IRN",
    primary_identifier="REZAEI",
    secondary_identifier="SARA",
    optional_data="0012345679",
)
DG11 = Dg11(
    full_name="رضایی<<سارا",
    personal_number="0012345679",
    full_date_of_birth="19900803",
    place_of_birth="تهران",
    address="تهران، خیابان آزادی، پلاک ۱۲، کد پستی ۱۳۴۵۶۷۸۹۰۱",
    personal_summary="علی",
)
DG12 = Dg12(issuing_authority="سازمان ثبت احوال کشور", date_of_issue="20260115")


def _card() -> tuple[bytes, bytes, bytes]:
    return Dg1(MRZ).encode(), DG11.encode(), DG12.encode()


def test_demo_citizen_files_parse_back() -> None:
    dg1, dg11, dg12 = _card()
    assert Dg1.parse(dg1).mrz == MRZ
    assert Dg11.parse(dg11) == DG11
    assert Dg12.parse(dg12) == DG12
    # The tag list comes first and announces exactly the elements present, in order.
    assert parse_single(dg11).children()[0] == Tlv(0x5C, bytes.fromhex("5F0E5F105F2B5F115F425F15"))
    assert parse_single(dg12).children()[0] == Tlv(0x5C, bytes.fromhex("5F195F26"))


def test_identity_json_of_the_demo_citizen() -> None:
    dg1, dg11, dg12 = _card()
    identity = Identity.from_lds(Dg1.parse(dg1), Dg11.parse(dg11), Dg12.parse(dg12), today=TODAY)
    assert identity.to_json() == {
        "nationalCode": "0012345679",
        "familyName": {"fa": "رضایی", "latin": "REZAEI"},
        "givenName": {"fa": "سارا", "latin": "SARA"},
        "fatherName": "علی",
        "birthDate": "1990-08-03",
        "birthDateSolarHijri": "1369-05-12",
        "placeOfBirth": "تهران",
        "address": "تهران، خیابان آزادی، پلاک ۱۲، کد پستی ۱۳۴۵۶۷۸۹۰۱",
        "sex": "F",
        "nationality": "IRN",
        "documentCode": "ID",
        "issuingState": "IRN",
        "documentNumber": "A12345678",
        "expiryDate": "2036-01-14",
        "expiryDateSolarHijri": "1414-10-24",
        "issueDate": "2026-01-15",
        "issueDateSolarHijri": "1404-10-25",
        "issuingAuthority": "سازمان ثبت احوال کشور",
    }
    assert identity.national_code_valid
    # JSON-serialisable as is, Persian text intact.
    assert "رضایی" in json.dumps(identity.to_json(), ensure_ascii=False)


def test_identity_from_dg1_alone() -> None:
    identity = Identity.from_lds(Dg1(MRZ), today=TODAY)
    out = identity.to_json()
    assert out["nationalCode"] == "0012345679"  # from the TD1 optional data
    assert out["familyName"] == {"fa": None, "latin": "REZAEI"}
    assert out["birthDate"] == "1990-08-03" and out["birthDateSolarHijri"] == "1369-05-12"
    assert out["fatherName"] is None and out["issueDate"] is None


def test_dg11_date_wins_over_the_mrz() -> None:
    # A DG11 full date is authoritative (the MRZ's two-digit year is a guess).
    old = Identity.from_lds(Dg1(MRZ), Dg11(full_date_of_birth="18900803"), today=TODAY)
    assert old.birth_date == dt.date(1890, 8, 3)
    partial = Identity.from_lds(Dg1(MRZ), Dg11(full_date_of_birth="19900800"), today=TODAY)
    assert partial.birth_date == dt.date(1990, 8, 3)


def test_identity_of_a_passport_specimen() -> None:
    dg1 = Dg1.parse((VECTORS / "lds" / "bsi2008-mustermann" / "Datagroup1.bin").read_bytes())
    identity = Identity.from_lds(dg1, today=TODAY)
    assert identity.national_code is None and not identity.national_code_valid
    assert identity.birth_date == dt.date(1996, 8, 12)
    assert identity.expiry_date == dt.date(2013, 10, 31)
    assert identity.family_name.latin == "MUSTERMANN" and identity.issuing_state == "D"


def test_solar_hijri() -> None:
    assert solar_hijri(dt.date(1990, 8, 3)) == "1369-05-12"
    assert solar_hijri(dt.date(2025, 3, 21)) == "1404-01-01"  # Nowruz
    assert solar_hijri(None) is None


def test_dg11_bcd_dates_and_unknown_elements() -> None:
    # 5F2B as 4 BCD bytes (some cards), an unknown element, other names bare.
    body = bytes.fromhex("5C065F2B5F0F5F5A") + bytes.fromhex("5F2B0419900803")
    body += bytes.fromhex("5F0F0141") + bytes.fromhex("5F5A0200FF")
    data = bytes([0x6B, len(body)]) + body
    dg11 = Dg11.parse(data)
    assert dg11.full_date_of_birth == "19900803"
    assert dg11.other_names == ("A",)
    assert [t.tag for t in dg11.unknown] == [0x5F5A]
    assert dg11.encode() == data
    rebuilt = Dg11.parse(dataclasses.replace(dg11).encode())
    assert rebuilt == dg11 and rebuilt.unknown[0].value == b"\x00\xff"


def test_dg12_other_persons_and_images() -> None:
    dg12 = Dg12(
        issuing_authority="IR",
        other_persons=("رضا", "مینا"),
        image_front=b"\xff\xd8\xff\x00",
        personalization_time="20260115103000",
        personalization_device_serial="SN-1",
    )
    data = dg12.encode()
    assert Dg12.parse(data) == dg12
    assert bytes.fromhex("A0") in data


def _dg11(*elements: bytes, tags: str = "5F0E") -> bytes:
    return encode_tlv(0x6B, encode_tlv(0x5C, bytes.fromhex(tags)) + b"".join(elements))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_dg11(encode_tlv(0x5F0E, b"\xd8")), r"full name \(5F0E\) is not valid UTF-8"),
        (_dg11(encode_tlv(0x5F0E, "رضایی".encode())[:-1]), "claims"),
        (_dg11(encode_tlv(0x5F10, b"1"), encode_tlv(0x5F10, b"2")), "appears twice"),
        (_dg11(encode_tlv(0xA0, bytes.fromhex("0201025F0F0141"))), "says 2 entries"),
        (_dg11(encode_tlv(0xA0, bytes.fromhex("5F0F0141"))), "has no count"),
        (_dg11(encode_tlv(0xA0, bytes.fromhex("0201015F0E0141"))), "unexpected tag 5F0E"),
        (_dg11()[:-1], "claims"),
        (encode_tlv(0x6C, b"") + b"\x00\x01", "trailing"),
        (encode_tlv(0x6B, b""), None),
    ],
)
def test_hostile_details(data: bytes, message: str | None) -> None:
    if message is None:
        assert Dg11.parse(data) == Dg11()
        return
    parse = Dg12.parse if data[0] == 0x6C else Dg11.parse
    with pytest.raises(MalformedResponseError, match=message):
        parse(data)


# --- national code ------------------------------------------------------------------------


def test_national_code_of_the_demo_citizen() -> None:
    assert is_valid_national_code("0012345679")
    assert national_code_check_digit("001234567") == 9


@pytest.mark.parametrize(
    "code", ["0012345678", "1012345679", "001234567", "00123456790", "۰۰۱۲۳۴۵۶۷۹", "00123456x9", ""]
)
def test_invalid_national_codes(code: str) -> None:
    assert not is_valid_national_code(code)


def test_national_code_check_digit_rule() -> None:
    # s < 2 gives s itself; otherwise 11 - s.
    for first9 in ("000000000", "000000001", "123456789", "999999999", "000000010"):
        s = sum(int(d) * (10 - i) for i, d in enumerate(first9)) % 11
        assert national_code_check_digit(first9) == (s if s < 2 else 11 - s)
        assert is_valid_national_code(first9 + str(national_code_check_digit(first9)))
    assert national_code_check_digit("000000000") == 0  # s = 0
    assert national_code_check_digit("000000006") == 1  # s = 12 mod 11 = 1
    assert national_code_check_digit("000000001") == 9  # s = 2
    assert national_code_check_digit("000000010") == 8  # s = 3
    assert national_code_check_digit("000000100") == 7  # s = 4
    with pytest.raises(ValueError):
        national_code_check_digit("12345678")


@pytest.mark.parametrize(
    ("dg11", "dg12"),
    [
        (Dg11(full_date_of_birth="00010101"), None),  # the fuzzer's crashing birth date
        (None, Dg12(date_of_issue="06000101")),  # an issue date before Solar Hijri year 1
    ],
)
def test_date_outside_solar_hijri_range_is_a_typed_error(dg11, dg12) -> None:  # noqa: ANN001
    with pytest.raises(MalformedResponseError, match="Solar Hijri"):
        Identity.from_lds(Dg1(MRZ), dg11, dg12, today=TODAY)
    with pytest.raises(MalformedResponseError):
        solar_hijri(dt.date(622, 3, 1))


def test_date_outside_solar_hijri_range_fails_the_document() -> None:
    from idcard.document import DocumentFiles, verify_files

    files = DocumentFiles(None, {1: Dg1(MRZ).encode(), 11: Dg11(full_date_of_birth="00010101").encode()})
    document = verify_files(files, None, at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    parse = document.verdict.get("lds.parse")
    assert parse is not None and parse.result.value == "failed" and document.identity is None
    json.dumps(document.to_json())
