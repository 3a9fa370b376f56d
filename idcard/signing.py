"""Document signing with the card's signing key: detached CMS (RFC 5652) SignedData.

The signature is what `openssl cms -verify` and other S/MIME/CAdES-BES-style
verifiers accept:

* SignedData v1, encapContentInfo id-data without eContent (detached),
  certificates = the card's signing certificate;
* one SignerInfo (v1, issuerAndSerialNumber) with the signed attributes
  content-type (id-data), signing-time and message-digest (SHA-384 of the
  data), digest sha384, signature ecdsa-with-SHA384.

The card signs SHA-384 of the DER encoding of the signed attributes (as a
SET OF, RFC 5652 §5.4) after one PIN2 verification; its plain r||s answer is
turned into the DER ECDSA-Sig-Value CMS carries. Before the result is
returned the signature is checked against the certificate's key, so a card
whose key does not match its certificate never produces a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from typing import TYPE_CHECKING

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from idcard.errors import IdCardError, MalformedResponseError, UnsupportedCardError

if TYPE_CHECKING:
    from idcard.session import IdCard

__all__ = [
    "signed_attributes",
    "sign_detached",
    "der_signature",
    "check_signing_certificate",
    "signature_matches",
    "is_pdf",
    "pdf_output_path",
]

#: AlgorithmIdentifier sha384 with absent parameters, as RFC 5754 §2 says to generate
#: (asn1crypto would add NULL when building one from a name).
_SHA384_DER = bytes.fromhex("300b0609608648016503040202")


def _sha384_algorithm() -> algos.DigestAlgorithm:
    return algos.DigestAlgorithm.load(_SHA384_DER)


def signed_attributes(message_digest: bytes, signing_time: dt.datetime) -> cms.CMSAttributes:
    """content-type (id-data), signing-time, message-digest: DER-sorted, as the card signs them."""
    when = signing_time if signing_time.tzinfo else signing_time.replace(tzinfo=dt.UTC)
    when = when.astimezone(dt.UTC).replace(microsecond=0)
    # RFC 5652 §11.3: UTCTime for 1950-2049, GeneralizedTime otherwise.
    time = cms.Time({"utc_time" if 1950 <= when.year < 2050 else "general_time": when})
    return cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [time]}),
            cms.CMSAttribute({"type": "message_digest", "values": [message_digest]}),
        ]
    )


def der_signature(raw: bytes) -> bytes:
    """Plain ECDSA r||s (BSI TR-03111) -> DER ECDSA-Sig-Value (RFC 3279)."""
    if not raw or len(raw) % 2:
        raise MalformedResponseError(f"The card returned a malformed signature ({len(raw)} bytes).")
    return algos.DSASignature.from_p1363(raw).dump()


def check_signing_certificate(cert_der: bytes) -> asn1_x509.Certificate:
    try:
        cert = asn1_x509.Certificate.load(cert_der)
        algorithm = cert.public_key.algorithm
        _ = cert.serial_number, cert.issuer.native
    except (ValueError, TypeError) as exc:
        raise MalformedResponseError(f"The card's signing certificate does not parse: {exc}") from None
    if algorithm != "ec":
        raise UnsupportedCardError(
            f"The signing key is {algorithm.upper()}; only ECDSA signing keys are supported."
        )
    return cert


def signature_matches(cert_der: bytes, signature_der: bytes, to_be_signed: bytes) -> bool:
    key = x509.load_der_x509_certificate(cert_der).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature_der, to_be_signed, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        return False
    return True


def sign_detached(
    card: IdCard, data: bytes, pin2: str, *, signing_time: dt.datetime | None = None
) -> bytes:
    """A detached CMS signature (DER) over `data`, made by the card's signing key.

    `card` must be unlocked already (PACE with CAN or PIN); `pin2` authorises
    this one signature. A wrong PIN2 raises `PinError` (`pin2.wrong`, tries
    left) before anything is signed. `signing_time` defaults to now (UTC);
    naive datetimes are taken as UTC.
    """
    cert_der = card.read_sign_certificate()
    cert = check_signing_certificate(cert_der)
    attrs = signed_attributes(
        hashlib.sha384(data).digest(), signing_time or dt.datetime.now(dt.UTC)
    )
    to_be_signed = attrs.dump()  # the SET OF encoding (tag 31), RFC 5652 §5.4
    signature = der_signature(card.sign_digest(hashlib.sha384(to_be_signed).digest(), pin2))
    if not signature_matches(cert_der, signature, to_be_signed):
        raise IdCardError(
            "The card's signature does not match its signing certificate; no file was written.",
            code="sign.mismatch",
        )
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": cert.issuer, "serial_number": cert.serial_number}
                    )
                }
            ),
            "digest_algorithm": _sha384_algorithm(),
            "signed_attrs": cms.CMSAttributes.load(to_be_signed),
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha384_ecdsa"}),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [_sha384_algorithm()],
            "encap_content_info": cms.ContentInfo({"content_type": "data"}),  # no content: detached
            "certificates": [cms.CertificateChoices({"certificate": cert})],
            "signer_infos": [signer],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def is_pdf(data: bytes) -> bool:
    """PDF files get a PAdES signature inside them; anything else a detached CMS.

    A PDF has its header in the first 1024 bytes (ISO 32000 §7.5.2) and ends
    with an end-of-file marker; bytes that merely start like a PDF are signed
    as they are, detached, rather than refused.
    """
    return b"%PDF-" in data[:1024] and b"%%EOF" in data[-1024:]


def pdf_output_path(path: str) -> str:
    """`contract.pdf` -> `contract-signed.pdf` (the original is never overwritten)."""
    stem, ext = os.path.splitext(path)
    return f"{stem}-signed{ext or '.pdf'}"
