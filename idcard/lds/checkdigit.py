"""MRZ check digits (ICAO 9303-3 §4.9) and the BAC "MRZ information" string."""

from __future__ import annotations

_WEIGHTS = (7, 3, 1)


def _value(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"character {char!r} is not allowed in an MRZ field")


def icao_check_digit(field: str) -> int:
    """Check digit of an MRZ field: weights 7, 3, 1 repeating; A=10..Z=35, '<'=0."""
    return sum(_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10


def _date(value: str, what: str) -> str:
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise ValueError(f"{what} must be six digits YYMMDD")
    return value


def mrz_information(document_number: str, birth_date: str, expiry_date: str) -> str:
    """The BAC key seed input (ICAO 9303-11 §9.7.2): number, birth, expiry, each + check digit.

    Document numbers shorter than 9 characters are filled with '<' as in the MRZ.
    Longer ones (TD1 overflow into the optional data) are used in full, which is
    how 9303-11 defines the BAC input for them.
    """
    number = document_number.ljust(9, "<")
    birth = _date(birth_date, "date of birth")
    expiry = _date(expiry_date, "date of expiry")
    return "".join(f"{f}{icao_check_digit(f)}" for f in (number, birth, expiry))
