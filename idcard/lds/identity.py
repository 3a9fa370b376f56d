"""The holder's identity as the client shows it, assembled from DG1 (+ DG11, DG12).

DG11/DG12 values win over the MRZ where both exist (full dates, Persian
names); the MRZ supplies the Latin names and anything DG11/DG12 lack.
Formatting for people (Persian digits, month names) is the GUI's job; this
produces ISO dates and the `read --json` shape of cli.md.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import jdatetime

from idcard.errors import MalformedResponseError
from idcard.lds.dg1 import Dg1
from idcard.lds.dg11 import Dg11
from idcard.lds.dg12 import Dg12
from idcard.lds.mrz import resolve_birth_date, resolve_expiry_date
from idcard.lds.national_code import is_valid_national_code


@dataclass(frozen=True)
class Name:
    fa: str | None
    latin: str | None

    def to_json(self) -> dict[str, str | None]:
        return {"fa": self.fa, "latin": self.latin}


def solar_hijri(date: dt.date | None) -> str | None:
    """The Solar Hijri date as YYYY-MM-DD, e.g. 1369-05-12 for 1990-08-03 (ASCII digits)."""
    if date is None:
        return None
    try:
        j = jdatetime.date.fromgregorian(date=date)
    except ValueError:
        # jdatetime covers 623-03-22 .. 9999-12-31 (Solar Hijri years 1..9377).
        raise MalformedResponseError(
            f"The date {date.isoformat()} lies outside the Solar Hijri calendar's range."
        ) from None
    return f"{j.year:04d}-{j.month:02d}-{j.day:02d}"


def _full_date(value: str | None) -> dt.date | None:
    """A DG11/DG12 YYYYMMDD date; None when absent, partial or not a date."""
    if value is None or len(value) != 8 or not value.isascii() or not value.isdigit():
        return None
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date is not None else None


@dataclass(frozen=True)
class Identity:
    national_code: str | None
    family_name: Name
    given_name: Name
    father_name: str | None
    birth_date: dt.date | None
    place_of_birth: str | None
    address: str | None
    #: "M", "F" or "X".
    sex: str
    nationality: str
    document_code: str
    issuing_state: str
    document_number: str
    expiry_date: dt.date | None
    issue_date: dt.date | None
    issuing_authority: str | None

    @classmethod
    def from_lds(
        cls,
        dg1: Dg1,
        dg11: Dg11 | None = None,
        dg12: Dg12 | None = None,
        *,
        today: dt.date | None = None,
    ) -> Identity:
        mrz = dg1.mrz
        expiry = resolve_expiry_date(mrz.expiry_date, today=today)
        birth = _full_date(dg11.full_date_of_birth if dg11 else None)
        if birth is None:
            birth = resolve_birth_date(mrz.birth_date, today=today, expiry=expiry)
        national_code = (dg11.personal_number or None) if dg11 else None
        if national_code is None and mrz.format == "TD1":
            national_code = mrz.optional_data or None
        identity = cls(
            national_code=national_code,
            family_name=Name(dg11.family_name if dg11 else None, mrz.primary_identifier),
            given_name=Name(dg11.given_names if dg11 else None, mrz.secondary_identifier),
            father_name=dg11.father_name if dg11 else None,
            birth_date=birth,
            place_of_birth=dg11.place_of_birth if dg11 else None,
            address=dg11.address if dg11 else None,
            sex=mrz.sex,
            nationality=mrz.nationality,
            document_code=mrz.document_code,
            issuing_state=mrz.issuer,
            document_number=mrz.document_number,
            expiry_date=expiry,
            issue_date=_full_date(dg12.date_of_issue if dg12 else None),
            issuing_authority=dg12.issuing_authority if dg12 else None,
        )
        # Convert now so an impossible date fails the parse, not the later display.
        for date in (identity.birth_date, identity.expiry_date, identity.issue_date):
            solar_hijri(date)
        return identity

    @functools.cached_property  # immutable, and asked twice per portal login (issue 10)
    def national_code_valid(self) -> bool:
        return self.national_code is not None and is_valid_national_code(self.national_code)

    @property
    def birth_date_solar_hijri(self) -> str | None:
        return solar_hijri(self.birth_date)

    @property
    def expiry_date_solar_hijri(self) -> str | None:
        return solar_hijri(self.expiry_date)

    @property
    def issue_date_solar_hijri(self) -> str | None:
        return solar_hijri(self.issue_date)

    def to_json(self) -> dict[str, object]:
        """The "identity" object of `idcard read --json` (cli.md); absent values are null."""
        return {
            "nationalCode": self.national_code,
            "familyName": self.family_name.to_json(),
            "givenName": self.given_name.to_json(),
            "fatherName": self.father_name,
            "birthDate": _iso(self.birth_date),
            "birthDateSolarHijri": self.birth_date_solar_hijri,
            "placeOfBirth": self.place_of_birth,
            "address": self.address,
            "sex": self.sex,
            "nationality": self.nationality,
            "documentCode": self.document_code,
            "issuingState": self.issuing_state,
            "documentNumber": self.document_number,
            "expiryDate": _iso(self.expiry_date),
            "expiryDateSolarHijri": self.expiry_date_solar_hijri,
            "issueDate": _iso(self.issue_date),
            "issueDateSolarHijri": self.issue_date_solar_hijri,
            "issuingAuthority": self.issuing_authority,
        }
