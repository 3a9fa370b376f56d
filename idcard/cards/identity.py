"""The holder identity a NID signing certificate states (iran-nid-cards.md §4).

Reading a certificate off a chip proves nothing about the chip: these fields are
what the certificate *claims*. Whether the CN number is the CRN or the national
code is unresolved, so a mismatch with the chip's CRN is reported, not judged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from idcard.errors import MalformedResponseError

_CN_SUFFIX = " - SIG"


@dataclass(frozen=True)
class CertificateIdentity:
    given_name: str
    surname: str
    #: The number in "CN=<number> - SIG".
    number: str
    serial_hex: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime

    def expired_at(self, when: dt.datetime) -> bool:
        return not self.not_before <= when <= self.not_after

    def matches_crn(self, crn: str | None) -> bool | None:
        """True/False when the chip's CRN is known; None when it is not."""
        return None if crn is None else self.number == crn

    def to_json(self) -> dict[str, object]:
        return {
            "givenName": self.given_name,
            "surname": self.surname,
            "number": self.number,
            "serialNumber": self.serial_hex,
            "issuer": self.issuer,
            "notBefore": self.not_before.isoformat(),
            "notAfter": self.not_after.isoformat(),
        }


def _one(name: x509.Name, oid: x509.ObjectIdentifier, label: str) -> str:
    values = name.get_attributes_for_oid(oid)
    if len(values) != 1:
        raise MalformedResponseError(f"The signing certificate's subject has no single {label}.")
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def certificate_identity(der: bytes) -> CertificateIdentity:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise MalformedResponseError("The signing certificate is not valid DER X.509.") from exc
    subject = cert.subject
    cn = _one(subject, NameOID.COMMON_NAME, "common name")
    if not cn.endswith(_CN_SUFFIX) or not cn[: -len(_CN_SUFFIX)].isdigit():
        raise MalformedResponseError("The signing certificate's CN is not '<number> - SIG'.")
    return CertificateIdentity(
        given_name=_one(subject, NameOID.GIVEN_NAME, "given name"),
        surname=_one(subject, NameOID.SURNAME, "surname"),
        number=cn[: -len(_CN_SUFFIX)],
        serial_hex=format(cert.serial_number, "x"),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def issued_by(certificate_der: bytes, ca_der: bytes) -> bool:
    """Whether the CA certificate's key signed `certificate_der` and names match."""
    cert = x509.load_der_x509_certificate(certificate_der)
    try:
        cert.verify_directly_issued_by(x509.load_der_x509_certificate(ca_der))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
