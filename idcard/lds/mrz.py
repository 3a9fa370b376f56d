"""Machine readable zone: TD1 (3 x 30), TD2 (2 x 36), TD3 (2 x 44) per ICAO 9303-4/5/6.

Parsing never fails on a wrong check digit: the MRZ is still shown, and
`check_digits` says which ones are wrong (a verdict is the caller's job).
Only text that is not an MRZ at all (length, characters) is rejected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Required, TypedDict, Unpack

from idcard.errors import MalformedResponseError
from idcard.lds.checkdigit import icao_check_digit, mrz_information

MrzFormat = Literal["TD1", "TD2", "TD3"]

_FORMATS: dict[int, MrzFormat] = {90: "TD1", 72: "TD2", 88: "TD3"}
_LINE_LENGTH: dict[MrzFormat, int] = {"TD1": 30, "TD2": 36, "TD3": 44}
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


@dataclass(frozen=True)
class _Layout:
    """Slices of one format, as offsets into the concatenated MRZ text."""

    names: slice
    number: slice
    number_check: int
    optional: slice
    optional_check: int | None  # TD3 only
    birth: slice
    birth_check: int
    sex: int
    expiry: slice
    expiry_check: int
    nationality: slice
    optional_2: slice | None  # TD1 only
    composite: tuple[slice, ...]
    composite_check: int


_LAYOUTS: dict[MrzFormat, _Layout] = {
    "TD1": _Layout(
        names=slice(60, 90),
        number=slice(5, 14),
        number_check=14,
        optional=slice(15, 30),
        optional_check=None,
        birth=slice(30, 36),
        birth_check=36,
        sex=37,
        expiry=slice(38, 44),
        expiry_check=44,
        nationality=slice(45, 48),
        optional_2=slice(48, 59),
        composite=(slice(5, 30), slice(30, 37), slice(38, 45), slice(48, 59)),
        composite_check=59,
    ),
    "TD2": _Layout(
        names=slice(5, 36),
        number=slice(36, 45),
        number_check=45,
        optional=slice(64, 71),
        optional_check=None,
        birth=slice(49, 55),
        birth_check=55,
        sex=56,
        expiry=slice(57, 63),
        expiry_check=63,
        nationality=slice(46, 49),
        optional_2=None,
        composite=(slice(36, 46), slice(49, 56), slice(57, 71)),
        composite_check=71,
    ),
    "TD3": _Layout(
        names=slice(5, 44),
        number=slice(44, 53),
        number_check=53,
        optional=slice(72, 86),
        optional_check=86,
        birth=slice(57, 63),
        birth_check=63,
        sex=64,
        expiry=slice(65, 71),
        expiry_check=71,
        nationality=slice(54, 57),
        optional_2=None,
        composite=(slice(44, 54), slice(57, 64), slice(65, 87)),
        composite_check=87,
    ),
}


def _check(field_text: str, char: str) -> bool:
    return char.isdigit() and int(char) == icao_check_digit(field_text)


def _strip(value: str) -> str:
    return value.rstrip("<")


def _name(value: str) -> str:
    return " ".join(value.replace("<", " ").split())


class TwoLineFields(TypedDict, total=False):
    """`Mrz.td2` / `Mrz.td3`'s fields besides the document code (see `Mrz._two_line`)."""

    document_number: Required[str]
    birth_date: Required[str | dt.date]
    expiry_date: Required[str | dt.date]
    sex: Required[str]
    issuer: Required[str]
    primary_identifier: Required[str]
    secondary_identifier: str
    nationality: str | None
    optional_data: str


@dataclass(frozen=True)
class Mrz:
    """One MRZ, given as its characters without line breaks; every field derives from them."""

    text: str
    format: MrzFormat = field(init=False, compare=False)
    #: "P", "I", "ID", "AC", ... (fillers removed).
    document_code: str = field(init=False, compare=False)
    issuer: str = field(init=False, compare=False)
    #: In full, including the part a long number overflows into the optional data.
    document_number: str = field(init=False, compare=False)
    #: Optional data of line 1 (TD1) / the personal number (TD3), without the overflow.
    optional_data: str = field(init=False, compare=False)
    #: Optional data of line 2 (TD1 only; "" otherwise).
    optional_data_2: str = field(init=False, compare=False)
    #: YYMMDD as printed ('<' for unknown parts); see `resolve_birth_date`.
    birth_date: str = field(init=False, compare=False)
    #: "M", "F" or "X" (unspecified, '<' in the MRZ).
    sex: str = field(init=False, compare=False)
    expiry_date: str = field(init=False, compare=False)
    nationality: str = field(init=False, compare=False)
    #: Family name(s), '<' turned into spaces.
    primary_identifier: str = field(init=False, compare=False)
    #: Given name(s), '<' turned into spaces.
    secondary_identifier: str = field(init=False, compare=False)
    #: "document_number", "birth_date", "expiry_date", ("optional_data" for TD3), "composite".
    check_digits: dict[str, bool] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        text = self.text
        fmt = _FORMATS.get(len(text))
        if fmt is None:
            raise MalformedResponseError(
                f"MRZ: {len(text)} characters; expected 90 (TD1), 72 (TD2) or 88 (TD3)"
            )
        bad = sorted(set(text) - _ALPHABET)
        if bad:
            raise MalformedResponseError(f"MRZ: characters not allowed in an MRZ: {bad!r}")
        lay = _LAYOUTS[fmt]
        number, number_check = text[lay.number], text[lay.number_check]
        optional = text[lay.optional]
        if number_check == "<" and not optional.startswith("<"):
            # 9303-5 note j (also -4/-6): a number longer than 9 characters goes on
            # into the optional data, followed by its check digit and a filler.
            overflow = optional.split("<", 1)[0]
            number, number_check = number + overflow[:-1], overflow[-1]
            optional = optional[len(overflow) + 1 :]
        checks = {
            "document_number": _check(number, number_check),
            "birth_date": _check(text[lay.birth], text[lay.birth_check]),
            "expiry_date": _check(text[lay.expiry], text[lay.expiry_check]),
        }
        if lay.optional_check is not None:
            personal, char = text[lay.optional], text[lay.optional_check]
            # 9303-4: an unused personal number field may have '<' as its check digit.
            blank_ok = char == "<" and personal == "<" * len(personal)
            checks["optional_data"] = blank_ok or _check(personal, char)
        composite = "".join(text[s] for s in lay.composite)
        checks["composite"] = _check(composite, text[lay.composite_check])
        primary, _, secondary = text[lay.names].partition("<<")
        sex = text[lay.sex]
        values = {
            "format": fmt,
            "document_code": _strip(text[0:2]),
            "issuer": _strip(text[2:5]),
            "document_number": _strip(number),
            "optional_data": _strip(optional),
            "optional_data_2": _strip(text[lay.optional_2]) if lay.optional_2 else "",
            "birth_date": text[lay.birth],
            "sex": "X" if sex == "<" else sex,
            "expiry_date": text[lay.expiry],
            "nationality": _strip(text[lay.nationality]),
            "primary_identifier": _name(primary),
            "secondary_identifier": _name(secondary),
            "check_digits": checks,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    # --- parsing / encoding -----------------------------------------------------------

    @classmethod
    def parse(cls, data: bytes | str) -> Mrz:
        """An MRZ from DG1's 5F1F value or from text (line breaks are ignored)."""
        if isinstance(data, bytes | bytearray):
            try:
                data = bytes(data).decode("ascii")
            except UnicodeDecodeError:
                raise MalformedResponseError("MRZ: not ASCII") from None
        return cls(data.replace("\r", "").replace("\n", ""))

    def encode(self) -> bytes:
        return self.text.encode("ascii")

    # --- derived -----------------------------------------------------------------------

    @property
    def lines(self) -> tuple[str, ...]:
        n = _LINE_LENGTH[self.format]
        return tuple(self.text[i : i + n] for i in range(0, len(self.text), n))

    @property
    def all_check_digits_valid(self) -> bool:
        return all(self.check_digits.values())

    @property
    def mrz_information(self) -> str:
        """The BAC / PACE-MRZ key seed input (document number, birth, expiry + check digits)."""
        try:
            return mrz_information(self.document_number, self.birth_date, self.expiry_date)
        except ValueError as exc:  # e.g. an unknown birth day written as '<<'
            raise MalformedResponseError(f"MRZ: {exc}") from None

    # --- building ----------------------------------------------------------------------

    @classmethod
    def td1(
        cls,
        *,
        document_number: str,
        birth_date: str | dt.date,
        expiry_date: str | dt.date,
        sex: str,
        issuer: str,
        primary_identifier: str,
        secondary_identifier: str = "",
        nationality: str | None = None,
        document_code: str = "ID",
        optional_data: str = "",
        optional_data_2: str = "",
    ) -> Mrz:
        """A TD1 MRZ with every check digit computed. Dates: YYMMDD, YYYYMMDD or a date."""
        number, number_check, optional = _number_fields(document_number, optional_data, 15)
        line1 = _code(document_code) + _field(issuer, 3, "issuer") + number + number_check
        line1 += optional
        line2 = _date_with_check(birth_date) + _sex(sex) + _date_with_check(expiry_date)
        line2 += _field(nationality or issuer, 3, "nationality")
        line2 += _field(optional_data_2, 11, "optional data 2")
        composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
        line2 += str(icao_check_digit(composite))
        line3 = _names(primary_identifier, secondary_identifier, 30)
        return cls._built(line1 + line2 + line3)

    @classmethod
    def td2(cls, *, document_code: str = "I", **fields: Unpack[TwoLineFields]) -> Mrz:
        """A TD2 MRZ (2 x 36) with every check digit computed."""
        return cls._two_line(36, document_code=document_code, **fields)

    @classmethod
    def td3(cls, *, document_code: str = "P", **fields: Unpack[TwoLineFields]) -> Mrz:
        """A TD3 MRZ (2 x 44, passports) with every check digit computed."""
        return cls._two_line(44, document_code=document_code, **fields)

    @classmethod
    def _two_line(
        cls,
        width: int,
        *,
        document_number: str,
        birth_date: str | dt.date,
        expiry_date: str | dt.date,
        sex: str,
        issuer: str,
        primary_identifier: str,
        secondary_identifier: str = "",
        nationality: str | None = None,
        document_code: str,
        optional_data: str = "",
    ) -> Mrz:
        # TD2 and TD3 share one layout; TD3 adds a check digit over its longer optional data.
        td3 = width == 44
        line1 = _code(document_code) + _field(issuer, 3, "issuer")
        line1 += _names(primary_identifier, secondary_identifier, width - 5)
        optional_len = 14 if td3 else 7
        number, number_check, optional = _number_fields(document_number, optional_data, optional_len)
        line2 = number + number_check + _field(nationality or issuer, 3, "nationality")
        line2 += _date_with_check(birth_date) + _sex(sex) + _date_with_check(expiry_date)
        line2 += optional
        if td3:
            line2 += "<" if optional == "<" * 14 else str(icao_check_digit(optional))
        line2 += str(icao_check_digit(line2[0:10] + line2[13:20] + line2[21 : width - 1]))
        return cls._built(line1 + line2)

    @classmethod
    def _built(cls, text: str) -> Mrz:
        mrz = cls(text)
        if not mrz.all_check_digits_valid:  # pragma: no cover - would be a bug here
            raise AssertionError(f"built MRZ fails its own check digits: {mrz.check_digits}")
        return mrz


# --- builder helpers (ValueError: these are personalisation inputs, not card data) ------


def _mrz_chars(value: str, what: str) -> str:
    text = value.upper().replace(" ", "<").replace("-", "<").replace("'", "")
    bad = sorted(set(text) - _ALPHABET)
    if bad:
        raise ValueError(f"{what}: {bad!r} cannot be written in an MRZ (transliterate first)")
    return text


def _field(value: str, length: int, what: str) -> str:
    text = _mrz_chars(value, what)
    if len(text) > length:
        raise ValueError(f"{what}: {value!r} is longer than {length} characters")
    return text.ljust(length, "<")


def _code(document_code: str) -> str:
    return _field(document_code, 2, "document code")


def _sex(sex: str) -> str:
    if sex not in ("M", "F", "X", "<"):
        raise ValueError(f"sex must be M, F or X, not {sex!r}")
    return "<" if sex == "X" else sex


def _date_with_check(value: str | dt.date) -> str:
    if isinstance(value, dt.date):
        text = value.strftime("%y%m%d")
    elif len(value) == 8 and value.isascii() and value.isdigit():
        text = value[2:]
    elif len(value) == 6:
        text = _field(value, 6, "date")
    else:
        raise ValueError(f"date {value!r}: give YYMMDD, YYYYMMDD or a date")
    return text + str(icao_check_digit(text))


def _number_fields(number: str, optional: str, optional_length: int) -> tuple[str, str, str]:
    """Document number field, its check digit and the optional data (overflow rule applied)."""
    text = _mrz_chars(number, "document number")
    if len(text) <= 9:
        field9 = text.ljust(9, "<")
        return (
            field9,
            str(icao_check_digit(field9)),
            _field(optional, optional_length, "optional data"),
        )
    overflow = f"{text[9:]}{icao_check_digit(text)}<" + _mrz_chars(optional, "optional data")
    if len(overflow) > optional_length:
        raise ValueError("document number and optional data do not fit the optional data field")
    return text[:9], "<", overflow.ljust(optional_length, "<")


def _names(primary: str, secondary: str, length: int) -> str:
    text = _mrz_chars(primary, "primary identifier")
    if secondary:
        text += "<<" + _mrz_chars(secondary, "secondary identifier")
    # 9303-3 §4.6 truncation is a human judgement; cutting keeps the field valid.
    return text[:length].ljust(length, "<")


# --- dates ------------------------------------------------------------------------------


def _yymmdd(value: str) -> tuple[int, int, int] | None:
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        return None
    return int(value[0:2]), int(value[2:4]), int(value[4:6])


def _candidates(value: str, today: dt.date) -> list[dt.date]:
    parts = _yymmdd(value)
    if parts is None:
        return []
    yy, mm, dd = parts
    century = today.year // 100 * 100
    out = []
    for base in (century - 100, century, century + 100):
        try:
            out.append(dt.date(base + yy, mm, dd))
        except ValueError:
            continue
    return out


def resolve_birth_date(
    yymmdd: str, *, today: dt.date | None = None, expiry: dt.date | None = None
) -> dt.date | None:
    """The latest date with these digits that is not after today (nor after the expiry).

    None when the MRZ date is not a complete valid date (e.g. '<<' for an unknown day).
    Wrong for people over 100 years old, which the MRZ cannot express.
    """
    limit = today or dt.date.today()
    if expiry is not None:
        limit = min(limit, expiry)
    past = [d for d in _candidates(yymmdd, today or dt.date.today()) if d <= limit]
    return max(past) if past else None


def resolve_expiry_date(yymmdd: str, *, today: dt.date | None = None) -> dt.date | None:
    """The date with these digits closest to today (documents expire within decades)."""
    now = today or dt.date.today()
    found = _candidates(yymmdd, now)
    return min(found, key=lambda d: abs((d - now).days)) if found else None
