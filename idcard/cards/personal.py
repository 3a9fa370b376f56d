"""Personal information 1 (EF 0201) and its SOD1 (EF 0205) of a Mav4 card (iran-nid-cards.md §3.7).

Both layouts are NOT public. This module fixes the layouts our emulated cards
use, and says so: EMULATOR ASSUMPTION — EF 0201 is a run of one-byte-tag,
one-byte-length records of UTF-8 text (tags below, named after the registry's
citizen-info items of §7); SOD1 is an ICAO-style EF.SOD (tag 77, CMS
SignedData over an LDS security object) listing the hash of EF 0201 as entry 1
and of the dates file EF 0303 (§3.3) as entry 2 (the vendor script's length
parse of SOD1 fits tag 77 with a `82` length).
On a real card these parsers will likely refuse the data, with a typed error.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from idcard.errors import IdCardError, MalformedResponseError
from idcard.lds.sod import Sod, find_certificate
from idcard.pki.cms import verify_signer
from idcard.pki.keys import digest
from idcard.pki.passive import _fields as signer_fields

#: Record tags of EF 0201 (EMULATOR ASSUMPTION) and their JSON names.
FIELDS: dict[int, str] = {
    0xC1: "givenName",
    0xC2: "surname",
    0xC3: "nationalCode",
    0xC4: "fatherName",
    0xC5: "dateOfBirth",
    0xC6: "gender",
}


@dataclass(frozen=True)
class PersonalInfo:
    given_name: str
    surname: str
    national_code: str
    father_name: str
    date_of_birth: str
    gender: str

    def to_json(self) -> dict[str, str]:
        return {name: getattr(self, _attr(name)) for name in FIELDS.values()}

    def encode(self) -> bytes:
        out = b""
        for tag, name in FIELDS.items():
            value = getattr(self, _attr(name)).encode("utf-8")
            if len(value) > 127:
                raise ValueError(f"{name} is too long for a one-byte length")
            out += bytes([tag, len(value)]) + value
        return out

    @classmethod
    def parse(cls, data: bytes) -> PersonalInfo:
        values: dict[str, str] = {}
        pos = 0
        while pos < len(data) and data[pos] not in (0x00, 0xFF):
            if pos + 2 > len(data):
                raise MalformedResponseError("Personal information ends inside a record header.")
            tag, length = data[pos], data[pos + 1]
            raw = data[pos + 2 : pos + 2 + length]
            if len(raw) != length or tag not in FIELDS or FIELDS[tag] in values:
                raise MalformedResponseError("Personal information is not in the expected record layout.")
            try:
                values[FIELDS[tag]] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedResponseError("Personal information is not UTF-8 text.") from exc
            pos += 2 + length
        if set(values) != set(FIELDS.values()):
            raise MalformedResponseError("Personal information lacks some of its records.")
        return cls(**{_attr(name): value for name, value in values.items()})


def _attr(json_name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in json_name)


def personal_data_used(data: bytes) -> bytes:
    """The file content up to its padding: the bytes SOD1 hashes."""
    end = len(data)
    while end and data[end - 1] in (0x00, 0xFF):
        end -= 1
    return data[:end]


#: SOD1 entry numbers of the files it covers (EMULATOR ASSUMPTION).
SOD1_PERSONAL_INFO, SOD1_DATES = 1, 2


def verify_sod1(sod_bytes: bytes, files: Mapping[int, bytes]) -> tuple[bytes, str]:
    """Check SOD1's signature and its hash of each file; return (signer certificate DER, hash name).

    Raises `IdCardError` (code `nid.sod`) naming the failed step. Who may sign
    SOD1 is judged by the caller (the signer must chain to the card's CA).
    """
    try:
        sod = Sod.parse(_as_ef_sod(sod_bytes))
        if len(sod.signer_infos) != 1:
            raise IdCardError("SOD1 does not have exactly one signer.", code="nid.sod")
        signer = sod.signer_infos[0]
        signer_der = find_certificate(signer, sod.certificates)
        if signer_der is None:
            raise IdCardError("SOD1 does not carry its signer's certificate.", code="nid.sod")
        verify_signer(signer_fields(signer), sod.content_type, sod.encapsulated_content, signer_der)
    except IdCardError as exc:
        if exc.code == "nid.sod":
            raise
        raise IdCardError(f"SOD1 does not verify: {exc.message}", code="nid.sod") from exc
    if set(files) != set(sod.dg_hashes):
        raise IdCardError("SOD1 does not list exactly the files read.", code="nid.sod")
    for number, content in files.items():
        if not hmac.compare_digest(digest(sod.hash_algorithm, personal_data_used(content)), sod.dg_hashes[number]):
            raise IdCardError(f"File {number} of SOD1 does not match its hash.", code="nid.sod")
    return signer_der, sod.hash_algorithm


def _as_ef_sod(data: bytes) -> bytes:
    """Cut the file at the length in its header (the EF may be padded), as the vendor parse does."""
    if len(data) < 4 or data[0] != 0x77:
        raise MalformedResponseError("SOD1 does not start with tag 77.")
    if data[1] == 0x82:
        return data[: 4 + int.from_bytes(data[2:4], "big")]
    if data[1] == 0x81:
        return data[: 3 + data[2]]
    return data[: 2 + data[1]]
