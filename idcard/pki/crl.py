"""CSCA certificate revocation lists (ICAO 9303-12 §7.1.4): load, authenticate, look up.

A CRL counts only when a trusted CSCA's key verifies its signature; an
unauthenticated CRL could otherwise "unrevoke" a document signer.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509

from idcard.errors import IdCardError, MalformedResponseError, UsageError
from idcard.pki.keys import ASN1_ERRORS, PublicKey, signature_algorithm_from_der
from idcard.pki.trust import CertificateInfo, dn_text, same_name
from idcard.verdict import Check, Result

_PEM_CRL = re.compile(rb"-----BEGIN X509 CRL-----(.*?)-----END X509 CRL-----", re.S)


@dataclass(frozen=True, eq=False)
class Crl:
    der: bytes = field(repr=False)
    issuer: x509.Name = field(repr=False)
    issuer_dn: str
    this_update: datetime
    #: None when absent (RFC 5280 requires it; such a CRL never expires here).
    next_update: datetime | None
    #: Revoked serial number -> revocation date.
    revoked: dict[int, datetime] = field(repr=False)
    tbs_der: bytes = field(repr=False)
    signature_algorithm_der: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @classmethod
    def load(cls, data: bytes) -> Crl:
        """A CRL from DER or PEM bytes; MalformedResponseError if it does not parse."""
        data = bytes(data)
        pem = _PEM_CRL.search(data)
        if pem:
            try:
                data = base64.b64decode(b"".join(pem.group(1).split()), validate=True)
            except ValueError as exc:
                raise MalformedResponseError("PEM CRL is not valid base64") from exc
        try:
            crl = asn1_crl.CertificateList.load(data, strict=True)
            tbs = crl["tbs_cert_list"]
            revoked: dict[int, datetime] = {}
            for entry in tbs["revoked_certificates"]:
                revoked[entry["user_certificate"].native] = entry["revocation_date"].native
            next_update = tbs["next_update"].native
            return cls(
                der=data,
                issuer=tbs["issuer"],
                issuer_dn=dn_text(tbs["issuer"]),
                this_update=tbs["this_update"].native,
                next_update=next_update,
                revoked=revoked,
                tbs_der=tbs.dump(),
                signature_algorithm_der=crl["signature_algorithm"].dump(),
                signature=crl["signature"].native,
            )
        except ASN1_ERRORS as exc:
            raise MalformedResponseError(f"not a readable CRL: {exc}") from exc

    @classmethod
    def from_file(cls, path: str | Path) -> Crl:
        return cls.load(Path(path).read_bytes())

    def verify_signature(self, key: PublicKey) -> None:
        """Raise InvalidSignatureError (or UnsupportedAlgorithmError) unless `key` signed it."""
        key.verify(
            self.signature, self.tbs_der, signature_algorithm_from_der(self.signature_algorithm_der)
        )

    def revocation_date(self, serial_number: int) -> datetime | None:
        return self.revoked.get(serial_number)


def check_revocation(
    ds: CertificateInfo,
    issuers: Sequence[CertificateInfo],
    crls: Sequence[Crl],
    at: datetime,
    *,
    code: str = "crl",
    what: str = "document signer certificate",
) -> Check:
    """The `code` check for `ds` (a DS certificate, or what `what` names), given the
    trusted certificates of its issuer."""
    if not crls:
        return Check(code, Result.NOT_PERFORMED, "no CRL supplied")
    if not issuers:
        return Check(
            code,
            Result.NOT_PERFORMED,
            f"no trusted issuer {ds.issuer_dn} to authenticate a CRL with",
        )
    from_issuer = [c for c in crls if same_name(c.issuer, ds.issuer)]
    if not from_issuer:
        return Check(
            code, Result.NOT_PERFORMED, f"none of {len(crls)} CRL(s) is issued by {ds.issuer_dn}"
        )
    authentic = [c for c in from_issuer if _signed_by_any(c, issuers)]
    if not authentic:
        return Check(
            code,
            Result.FAILED,
            f"the CRL from {ds.issuer_dn} is not signed by that CA",
        )
    for crl in authentic:
        revoked_on = crl.revocation_date(ds.serial_number)
        if revoked_on is not None:
            return Check(
                code,
                Result.FAILED,
                f"{what} (serial {ds.serial_number}) was revoked "
                f"on {revoked_on:%Y-%m-%d}",
                {"revoked": revoked_on.isoformat(), "serial": ds.serial_number},
            )
    newest = max(authentic, key=lambda c: c.this_update)
    details: dict[str, object] = {
        "issuer": newest.issuer_dn,
        "this_update": newest.this_update.isoformat(),
    }
    if newest.next_update is not None:
        details["next_update"] = newest.next_update.isoformat()
        if newest.next_update < at:
            return Check(
                code,
                Result.FAILED,
                f"the newest CRL from {ds.issuer_dn} expired on {newest.next_update:%Y-%m-%d}",
                details,
            )
    return Check(code, Result.PASSED, f"{what} is not revoked", details)


def _signed_by_any(crl: Crl, issuers: Sequence[CertificateInfo]) -> bool:
    for issuer in issuers:
        try:
            crl.verify_signature(issuer.public_key())
        except IdCardError:
            continue
        return True
    return False


def load_crl_files(paths: Sequence[str | Path]) -> list[Crl]:
    """CRLs named on the command line; a missing or unreadable one is a UsageError naming it."""
    loaded = []
    for path in paths:
        try:
            loaded.append(Crl.from_file(path))
        except OSError as exc:
            raise UsageError(f"Cannot read the CRL {path}: {exc.strerror}.") from None
        except IdCardError as exc:
            raise UsageError(f"{path} is not a CRL: {exc.message}") from None
    return loaded
