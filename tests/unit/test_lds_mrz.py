"""MRZ parsing (TD1/TD2/TD3), every check digit, the long-number rule, building, dates."""

from __future__ import annotations

import datetime as dt

import pytest

from idcard.errors import MalformedResponseError
from idcard.lds.mrz import Mrz, resolve_birth_date, resolve_expiry_date

# The specimen MRZs of ICAO Doc 9303 Parts 4 (TD3), 5 (TD1) and 6 (TD2).
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"
# Part 5's example of a document number longer than nine characters.
TD1_LONG_NUMBER = (
    "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<"
)
SAMPLES = {"TD1": TD1, "TD2": TD2, "TD3": TD3}


def _set(text: str, pos: int, char: str) -> str:
    return text[:pos] + char + text[pos + 1 :]


def test_td3() -> None:
    mrz = Mrz.parse(TD3)
    assert mrz.format == "TD3"
    assert (mrz.document_code, mrz.issuer, mrz.nationality) == ("P", "UTO", "UTO")
    assert (mrz.primary_identifier, mrz.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")
    assert mrz.document_number == "L898902C3"
    assert (mrz.birth_date, mrz.sex, mrz.expiry_date) == ("740812", "F", "120415")
    assert mrz.optional_data == "ZE184226B" and mrz.optional_data_2 == ""
    assert mrz.check_digits == {
        "document_number": True,
        "birth_date": True,
        "expiry_date": True,
        "optional_data": True,
        "composite": True,
    }
    assert mrz.all_check_digits_valid
    assert mrz.lines == (TD3[:44], TD3[44:])
    assert mrz.encode() == TD3.encode()


def test_td1() -> None:
    mrz = Mrz.parse(TD1)
    assert mrz.format == "TD1"
    assert (mrz.document_code, mrz.issuer, mrz.document_number) == ("I", "UTO", "D23145890")
    assert (mrz.birth_date, mrz.sex, mrz.expiry_date, mrz.nationality) == (
        "740812",
        "F",
        "120415",
        "UTO",
    )
    assert (mrz.primary_identifier, mrz.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")
    assert set(mrz.check_digits) == {"document_number", "birth_date", "expiry_date", "composite"}
    assert mrz.all_check_digits_valid
    assert mrz.lines == (TD1[:30], TD1[30:60], TD1[60:])


def test_td2() -> None:
    mrz = Mrz.parse(TD2)
    assert mrz.format == "TD2"
    assert (mrz.document_code, mrz.issuer, mrz.document_number) == ("I", "UTO", "D23145890")
    assert (mrz.primary_identifier, mrz.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")
    assert (mrz.birth_date, mrz.sex, mrz.expiry_date) == ("740812", "F", "120415")
    assert mrz.all_check_digits_valid
    assert len(mrz.lines) == 2


def test_td1_long_document_number() -> None:
    mrz = Mrz.parse(TD1_LONG_NUMBER)
    assert mrz.document_number == "D23145890734"
    assert mrz.optional_data == ""
    assert mrz.all_check_digits_valid
    # The BAC key seed uses the whole number (9303-11).
    assert mrz.mrz_information == "D23145890734934071279507122"
    # The overflow's check digit is the one that counts.
    broken = Mrz.parse(_set(TD1_LONG_NUMBER, 18, "8"))
    assert broken.check_digits["document_number"] is False
    assert broken.check_digits["composite"] is False


def test_text_with_line_breaks() -> None:
    assert Mrz.parse(TD3[:44] + "\n" + TD3[44:] + "\r\n") == Mrz.parse(TD3)
    assert Mrz.parse(TD1.encode()) == Mrz(TD1)


@pytest.mark.parametrize(
    ("text", "pos", "key"),
    [
        ("TD3", 53, "document_number"),
        ("TD3", 63, "birth_date"),
        ("TD3", 71, "expiry_date"),
        ("TD3", 86, "optional_data"),
        ("TD3", 87, "composite"),
        ("TD1", 14, "document_number"),
        ("TD1", 36, "birth_date"),
        ("TD1", 44, "expiry_date"),
        ("TD1", 59, "composite"),
        ("TD2", 45, "document_number"),
        ("TD2", 55, "birth_date"),
        ("TD2", 63, "expiry_date"),
        ("TD2", 71, "composite"),
    ],
)
def test_a_wrong_check_digit_is_reported_not_raised(text: str, pos: int, key: str) -> None:
    wrong = str((int(SAMPLES[text][pos]) + 1) % 10)
    mrz = Mrz.parse(_set(SAMPLES[text], pos, wrong))
    assert mrz.check_digits[key] is False
    # The composite covers the other check digits too, so it fails along with them.
    assert {k for k, ok in mrz.check_digits.items() if not ok} == {key, "composite"}
    assert not mrz.all_check_digits_valid


@pytest.mark.parametrize(
    ("text", "pos", "failing"),
    [
        # A changed data character breaks its own check and the composite.
        ("TD3", 46, {"document_number", "composite"}),
        ("TD3", 60, {"birth_date", "composite"}),
        ("TD3", 68, {"expiry_date", "composite"}),
        ("TD3", 75, {"optional_data", "composite"}),
        ("TD1", 20, {"composite"}),  # optional data of TD1 has only the composite
    ],
)
def test_a_changed_field_is_caught(text: str, pos: int, failing: set[str]) -> None:
    replacement = "7" if SAMPLES[text][pos] != "7" else "8"
    mrz = Mrz.parse(_set(SAMPLES[text], pos, replacement))
    assert {k for k, ok in mrz.check_digits.items() if not ok} == failing


def test_td3_blank_personal_number_may_have_filler_check_digit() -> None:
    bsi = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<C11T002JM4D<<9608122F1310317<<<<<<<<<<<<<<<6"
    mrz = Mrz.parse(bsi)
    assert mrz.all_check_digits_valid and mrz.optional_data == ""
    with_zero = Mrz.parse(_set(bsi, 86, "0"))
    assert with_zero.check_digits["optional_data"] is True


def test_letters_in_a_check_digit_position_are_wrong() -> None:
    assert Mrz.parse(_set(TD3, 63, "A")).check_digits["birth_date"] is False


@pytest.mark.parametrize(
    "text",
    ["", TD3[:-1], TD3 + "<", TD1.lower(), TD3.replace("<", " "), _set(TD1, 3, "é")],
)
def test_not_an_mrz(text: str) -> None:
    with pytest.raises(MalformedResponseError):
        Mrz.parse(text)


def test_not_ascii_bytes() -> None:
    with pytest.raises(MalformedResponseError, match="ASCII"):
        Mrz.parse(TD1.encode()[:-1] + b"\xff")


def test_sex_unspecified() -> None:
    assert Mrz.parse(_set(TD3, 64, "<")).sex == "X"


# --- building -----------------------------------------------------------------------------


def test_build_td1_demo_citizen() -> None:
    mrz = Mrz.td1(
        document_number="A12345678",
        birth_date="19900803",
        expiry_date=dt.date(2036, 1, 14),
        sex="F",
        issuer="IRN",
        primary_identifier="REZAEI",
        secondary_identifier="SARA",
        optional_data="0012345679",
    )
    assert mrz.lines == (
        "IDIRNA1234567840012345679<<<<<",
        "9008032F3601143IRN<<<<<<<<<<<9",
        "REZAEI<<SARA<<<<<<<<<<<<<<<<<<",
    )
    assert mrz.all_check_digits_valid
    assert (mrz.document_code, mrz.optional_data, mrz.nationality) == ("ID", "0012345679", "IRN")
    assert mrz.mrz_information == "A12345678490080323601143"


def test_build_reproduces_the_icao_samples() -> None:
    common = {
        "document_number": "D23145890",
        "birth_date": "740812",
        "expiry_date": "120415",
        "sex": "F",
        "issuer": "UTO",
        "primary_identifier": "ERIKSSON",
        "secondary_identifier": "ANNA MARIA",
        "document_code": "I",
    }
    assert Mrz.td1(**common).text == TD1
    assert Mrz.td2(**common).text == TD2
    td3 = Mrz.td3(
        **{**common, "document_number": "L898902C3", "document_code": "P"},
        optional_data="ZE184226B",
    )
    assert td3.text == TD3
    long_number = Mrz.td1(
        document_number="D23145890734",
        birth_date="340712",
        expiry_date="950712",
        sex="M",
        issuer="UTO",
        primary_identifier="STEVENSON",
        secondary_identifier="PETER JOHN",
        document_code="I",
    )
    assert long_number.text == TD1_LONG_NUMBER


def test_build_long_numbers_in_td2_and_td3() -> None:
    for build in (Mrz.td2, Mrz.td3):
        mrz = build(
            document_number="AB123456789",
            birth_date="900803",
            expiry_date="360114",
            sex="X",
            issuer="IRN",
            primary_identifier="REZAEI",
        )
        assert mrz.document_number == "AB123456789" and mrz.all_check_digits_valid
        assert mrz.sex == "X"


def test_build_truncates_long_names_and_rejects_bad_input() -> None:
    mrz = Mrz.td1(
        document_number="A1",
        birth_date="900803",
        expiry_date="360114",
        sex="M",
        issuer="IRN",
        primary_identifier="ABDOLHOSSEINZADEH-MOHAMMADI",
        secondary_identifier="SEYED MOHAMMAD",
    )
    assert len(mrz.lines[2]) == 30 and mrz.lines[2].startswith("ABDOLHOSSEINZADEH<MOHAMMADI<<S")
    kwargs = {"document_number": "A1", "birth_date": "900803", "expiry_date": "360114"}
    kwargs |= {"sex": "F", "issuer": "IRN", "primary_identifier": "REZAEI"}
    with pytest.raises(ValueError):
        Mrz.td1(**{**kwargs, "primary_identifier": "رضایی"})
    with pytest.raises(ValueError):
        Mrz.td1(**{**kwargs, "sex": "Q"})
    with pytest.raises(ValueError):
        Mrz.td1(**{**kwargs, "birth_date": "1990-08-03"})
    with pytest.raises(ValueError):
        Mrz.td1(**{**kwargs, "optional_data": "0" * 16})


# --- dates --------------------------------------------------------------------------------

TODAY = dt.date(2026, 5, 1)


def test_birth_date_century() -> None:
    assert resolve_birth_date("900803", today=TODAY) == dt.date(1990, 8, 3)
    assert resolve_birth_date("200101", today=TODAY) == dt.date(2020, 1, 1)
    assert resolve_birth_date("260502", today=TODAY) == dt.date(
        1926, 5, 2
    )  # tomorrow: last century
    assert resolve_birth_date("250101", today=TODAY, expiry=dt.date(2024, 1, 1)) == dt.date(
        1925, 1, 1
    )
    assert resolve_birth_date("0002<<", today=TODAY) is None
    assert resolve_birth_date("901301", today=TODAY) is None


def test_expiry_date_century() -> None:
    assert resolve_expiry_date("360114", today=TODAY) == dt.date(2036, 1, 14)
    assert resolve_expiry_date("131031", today=TODAY) == dt.date(2013, 10, 31)
    assert resolve_expiry_date("991231", today=TODAY) == dt.date(1999, 12, 31)
    assert resolve_expiry_date("<<<<<<", today=TODAY) is None


def test_unknown_birth_date_cannot_give_bac_key() -> None:
    mrz = Mrz.parse(_set(_set(TD3, 61, "<"), 62, "<"))
    assert mrz.check_digits["birth_date"] is False
    with pytest.raises(MalformedResponseError):
        _ = mrz.mrz_information
