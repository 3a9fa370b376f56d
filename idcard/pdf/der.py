"""DER certificates and CRLs handed to pyHanko: parsed up front, so a bad one is a usage error."""

from __future__ import annotations

from collections.abc import Iterable

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from idcard.errors import UsageError

__all__ = ["certificates", "crls"]


def certificates(ders: Iterable[bytes], what: str = "certificate") -> list[asn1_x509.Certificate]:
    out = []
    for der in ders:
        try:
            cert = asn1_x509.Certificate.load(bytes(der))
            _ = cert.subject, cert.public_key  # asn1crypto parses lazily: parse now
        except ValueError as exc:
            raise UsageError(f"A {what} does not parse: {exc}") from None
        out.append(cert)
    return out


def crls(ders: Iterable[bytes]) -> list[asn1_crl.CertificateList]:
    out = []
    for der in ders:
        try:
            crl = asn1_crl.CertificateList.load(bytes(der))
            _ = crl.issuer, crl["tbs_cert_list"]["revoked_certificates"].native
        except ValueError as exc:
            raise UsageError(f"A CRL does not parse: {exc}") from None
        out.append(crl)
    return out
