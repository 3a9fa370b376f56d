"""Desk verification records: what is kept, its hash, the evidence bundle and its offline re-check.

A record is one JSON body (canonical: sorted keys, no spaces, UTF-8):

    {"format": "idcard-desk-record:1", "id", "createdAt", "desk", "operator",
     "purpose", "identity": {only the purpose's fields},
     "evidence": {"sod": b64, "dataGroups": {"1": b64, ...},
                  "activeAuthentication": {"nonce", "challenge", "signature", "algorithm"}},
     "verdict": {"verified", "untrusted", "checks": [...]},
     "certificate": {"checks": [...]} | null}

Its hash is SHA-256 over that canonical body; the PDF receipt's QR code
carries it. The evidence bundle is the body plus {"hash": "sha256:<hex>"}.
`verify_bundle` re-checks a bundle offline with nothing but trust anchors:
the hash, the desk challenge (recomputed from desk, operator, time and the
nonce), the chip's Active Authentication signature over it with the DG15
key, passive authentication of the SOD and data groups at the record's time
(the same `verify_files` the live read used), and that the stored identity
fields are the ones in the signed data groups. The SOD and data groups can
also be written out and given to `idcard verify-document`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from idcard.desk.challenge import DeskChallenge, desk_challenge
from idcard.document import Document, DocumentFiles, dg14_security_infos, verify_files
from idcard.errors import IdCardError
from idcard.lds.dg2 import Dg2
from idcard.lds.identity import Identity
from idcard.pki.trust import TrustStore
from idcard.protocol.active_auth import check_active_auth_signature
from idcard.verdict import Check, Result, Verdict

FORMAT = "idcard-desk-record:1"


@dataclass(frozen=True)
class Purpose:
    """Why a desk checks cards: decides which data groups and fields are stored (and read)."""

    key: str
    data_groups: tuple[int, ...]
    fields: tuple[str, ...]

    @property
    def photo(self) -> bool:
        return 2 in self.data_groups


#: DG14 and DG15 carry only the chip's public keys (for proving it genuine).
PURPOSES: dict[str, Purpose] = {
    "identity": Purpose(
        "identity",
        (1, 11, 14, 15),
        ("givenName", "familyName", "nationalCode", "birthDate", "documentNumber", "expiryDate"),
    ),
    "identity-photo": Purpose(
        "identity-photo",
        (1, 2, 11, 14, 15),
        ("givenName", "familyName", "nationalCode", "birthDate", "documentNumber", "expiryDate"),
    ),
    "document": Purpose(
        "document",
        (1, 14, 15),
        ("givenNameLatin", "familyNameLatin", "nationalCode", "documentNumber", "expiryDate"),
    ),
}
DEFAULT_PURPOSE = "identity"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise BundleError(f"{what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise BundleError(f"{what} is not base64") from None


class BundleError(ValueError):
    """The bundle is not a desk record (it cannot even be checked)."""


def identity_fields(identity: Identity | None, purpose: Purpose) -> dict[str, Any]:
    if identity is None:
        return {}
    full = {
        "givenName": identity.given_name.to_json(),
        "familyName": identity.family_name.to_json(),
        "givenNameLatin": identity.given_name.latin,
        "familyNameLatin": identity.family_name.latin,
        "nationalCode": identity.national_code,
        "birthDate": identity.birth_date.isoformat() if identity.birth_date else None,
        "documentNumber": identity.document_number,
        "expiryDate": identity.expiry_date.isoformat() if identity.expiry_date else None,
    }
    return {k: full[k] for k in purpose.fields}


def canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def record_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(body)).hexdigest()


class CertificateSummary(Protocol):
    """What a record keeps of the authentication certificate's check (e.g. the GUI's report)."""

    @property
    def checks(self) -> Sequence[Check]: ...

    @property
    def not_after(self) -> dt.datetime | None: ...


@dataclass
class Record:
    body: dict[str, Any]
    hash: str
    #: The stored body no longer hashes to the stored hash (changed in the database).
    tampered: bool = False

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.body["createdAt"])

    @property
    def verified(self) -> bool:
        return bool(self.body["verdict"]["verified"])

    @property
    def identity(self) -> dict[str, Any]:
        return dict(self.body.get("identity") or {})

    @property
    def purpose(self) -> str:
        return str(self.body["purpose"])

    def search_text(self) -> str:
        ident = self.identity
        parts: list[str] = [self.body.get("desk", ""), self.body.get("operator", "")]
        for key in ("givenName", "familyName"):
            value = ident.get(key) or {}
            parts += [value.get("fa") or "", value.get("latin") or ""]
        for key in ("givenNameLatin", "familyNameLatin", "nationalCode", "documentNumber"):
            parts.append(ident.get(key) or "")
        return " ".join(p for p in parts if p).lower()

    def bundle(self) -> dict[str, Any]:
        return {**self.body, "hash": f"sha256:{self.hash}"}

    def bundle_json(self) -> str:
        return json.dumps(self.bundle(), ensure_ascii=False, indent=2, sort_keys=True)

    def qr_payload(self) -> str:
        return f"idcard-desk:{self.id}:sha256:{self.hash}"

    def photo_png(self) -> bytes | None:
        dg2 = (self.body.get("evidence") or {}).get("dataGroups", {}).get("2")
        if not dg2:
            return None
        try:
            face = Dg2.parse(base64.b64decode(dg2)).face
        except (IdCardError, ValueError):  # a receipt without a photo rather than no receipt
            return None
        return face.to_png() if face is not None else None


def build_record(
    document: Document,
    evidence_of_chip: DeskChallenge | None,
    certificate: CertificateSummary | None,
    *,
    desk: str,
    operator: str,
    purpose: Purpose,
    challenge_time: dt.datetime,
) -> Record:
    """The record of one desk read. Only the purpose's data groups and fields go in."""
    files = document.files
    if evidence_of_chip is None:
        raise BundleError(
            "no desk challenge was signed by the chip (the card has no Active Authentication key)"
        )
    evidence: dict[str, Any] = {
        "sod": b64(files.sod or b""),
        "dataGroups": {
            str(n): b64(files.dgs[n]) for n in sorted(files.dgs) if n in purpose.data_groups
        },
        "activeAuthentication": {
            "nonce": b64(evidence_of_chip.nonce),
            "challenge": b64(evidence_of_chip.challenge),
            "signature": b64(evidence_of_chip.signature),
        },
    }
    certificate_body = None
    if certificate is not None:
        certificate_body = {
            "checks": [c.to_json() for c in certificate.checks],
            "notAfter": certificate.not_after.isoformat() if certificate.not_after else None,
        }
    body = {
        "format": FORMAT,
        "id": uuid.uuid4().hex,
        "createdAt": challenge_time.astimezone(dt.UTC).isoformat(),
        "desk": desk,
        "operator": operator,
        "purpose": purpose.key,
        "identity": identity_fields(document.identity, purpose),
        "evidence": evidence,
        "verdict": document.verdict.to_json(),
        "certificate": certificate_body,
    }
    return Record(body, record_hash(body))


def load_bundle(text: str | bytes) -> tuple[dict[str, Any], str]:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError(f"not a desk record bundle (format {FORMAT!r} expected)")
    claimed = data.pop("hash", None)
    if not isinstance(claimed, str) or not claimed.startswith("sha256:"):
        raise BundleError("the bundle has no sha256 hash")
    return data, claimed.removeprefix("sha256:")


def verify_bundle(
    text: str | bytes, trust: TrustStore | None, *, expected_hash: str | None = None
) -> tuple[Verdict, dict[str, Any]]:
    """Re-check an exported bundle offline. Returns the verdict and the body."""
    body, claimed = load_bundle(text)
    extra: list[Check] = []
    actual = record_hash(body)
    if actual != claimed or (expected_hash is not None and actual != expected_hash):
        extra.append(
            Check(
                "desk.record_hash",
                Result.FAILED,
                "the record was changed after it was saved (its hash differs)",
                {"expected": expected_hash or claimed, "actual": actual},
            )
        )
    else:
        extra.append(
            Check("desk.record_hash", Result.PASSED, "the record hash matches", {"sha256": actual})
        )

    evidence = _object(body.get("evidence"), "evidence")
    sod = unb64(evidence.get("sod"), "evidence.sod")
    dgs = _data_groups(evidence.get("dataGroups"))
    try:
        created = dt.datetime.fromisoformat(str(body.get("createdAt")))
    except ValueError:
        raise BundleError("createdAt is not a time") from None

    aa = _object(evidence.get("activeAuthentication"), "evidence.activeAuthentication")
    nonce = unb64(aa.get("nonce"), "activeAuthentication.nonce")
    challenge = unb64(aa.get("challenge"), "activeAuthentication.challenge")
    signature = unb64(aa.get("signature"), "activeAuthentication.signature")
    expected_challenge = desk_challenge(
        str(body.get("desk", "")), str(body.get("operator", "")), created, nonce
    )
    if expected_challenge != challenge:
        extra.append(
            Check(
                "desk.challenge",
                Result.FAILED,
                "the challenge is not this desk's, operator's and time's",
            )
        )
    else:
        extra.append(
            Check(
                "desk.challenge",
                Result.PASSED,
                "the challenge is bound to this desk, operator and time",
            )
        )
    chip: list[Check] = []
    if 15 in dgs:
        infos = dg14_security_infos(dgs.get(14))
        chip.append(check_active_auth_signature(dgs[15], challenge, signature, dg14_aa_info=infos))
    document = verify_files(DocumentFiles(sod, dgs), trust, at=created, chip_checks=chip)
    verdict = document.verdict
    for check in extra:
        verdict.checks.insert(0, check)
    verdict.required = (
        *verdict.required,
        "desk.record_hash",
        "desk.challenge",
        "desk.identity",
        "chip.active_auth",
    )

    purpose = PURPOSES.get(str(body.get("purpose")))
    stored = body.get("identity") or {}
    if purpose is None:
        verdict.failed("desk.identity", f"unknown purpose {body.get('purpose')!r}")
    else:
        derived = identity_fields(document.identity, purpose)
        if derived == stored:
            verdict.passed(
                "desk.identity", "the stored identity is exactly what the signed data groups say"
            )
        else:
            wrong = sorted(k for k in set(derived) | set(stored) if derived.get(k) != stored.get(k))
            verdict.failed(
                "desk.identity", f"stored identity differs from the signed data: {', '.join(wrong)}"
            )
    return verdict, body


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BundleError(f"{what} is missing")
    return value


def _data_groups(value: object) -> dict[int, bytes]:
    """evidence.dataGroups: {"1": b64, ...} with DG numbers 1 to 16."""
    raw = _object(value, "evidence.dataGroups")
    dgs: dict[int, bytes] = {}
    for name, data in raw.items():
        if not (isinstance(name, str) and name.isascii() and name.isdigit() and 1 <= int(name) <= 16):
            raise BundleError(f"evidence.dataGroups has no data group {name!r}")
        dgs[int(name)] = unb64(data, f"DG{name}")
    return dgs


def files_of(body: Mapping[str, Any]) -> DocumentFiles:
    """The SOD and data groups of a bundle (e.g. to write them out for `idcard verify-document`)."""
    evidence = _object(body.get("evidence"), "evidence")
    return DocumentFiles(unb64(evidence.get("sod"), "evidence.sod"), _data_groups(evidence.get("dataGroups")))


__all__ = [
    "DEFAULT_PURPOSE",
    "FORMAT",
    "PURPOSES",
    "BundleError",
    "DeskChallenge",
    "Purpose",
    "Record",
    "build_record",
    "files_of",
    "load_bundle",
    "record_hash",
    "verify_bundle",
]
