"""What reading a NID card proves, check by check (iran-nid-cards.md §4, §6).

A certificate read from a chip proves nothing about the chip: without the
registry's card-authentication service `chip.genuine` is never passed. The
chain to a trust anchor is judged by the PKI validator and handed in; until it
is, the verdict says the chain was not checked.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from idcard.cards.base import NEEDS_REGISTRY, CardInfo
from idcard.cards.identity import CertificateIdentity
from idcard.verdict import Check, Result, Verdict

#: A card is verified only when its chain passed and the chip proved itself (§6).
REQUIRED = ("certificate.chain", "certificate.issued_by_card_ca", "chip.genuine")


def _issued_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or leaf.signature_hash_algorithm is None:
        return False  # citizen certificates are RSA (§4); anything else is not theirs
    try:
        key.verify(
            leaf.signature, leaf.tbs_certificate_bytes, padding.PKCS1v15(), leaf.signature_hash_algorithm
        )
    except InvalidSignature:
        return False
    return leaf.issuer == ca.subject


def nid_verdict(
    info: CardInfo,
    identity: CertificateIdentity,
    signing_der: bytes,
    ca_der: bytes | None,
    *,
    now: dt.datetime,
    chain: Check | None = None,
    chip_authentication: Check | None = None,
) -> Verdict:
    verdict = Verdict(required=REQUIRED)
    leaf = x509.load_der_x509_certificate(signing_der)
    if ca_der is None:
        verdict.not_performed(
            "certificate.issued_by_card_ca", "this card family's CA certificate location is not public"
        )
    else:
        ca = x509.load_der_x509_certificate(ca_der)
        subject = ca.subject.rfc4514_string()
        if _issued_by(leaf, ca):
            verdict.passed(
                "certificate.issued_by_card_ca",
                "the signing certificate is signed by the CA certificate stored on the card",
                caSubject=subject,
            )
        else:
            verdict.failed(
                "certificate.issued_by_card_ca",
                "the signing certificate is not signed by the CA certificate stored on the card",
                caSubject=subject,
            )
    if identity.expired_at(now):
        verdict.failed(
            "certificate.validity",
            "the signing certificate is outside its validity period",
            notBefore=identity.not_before.isoformat(),
            notAfter=identity.not_after.isoformat(),
        )
    else:
        verdict.passed("certificate.validity", "the signing certificate is within its validity period")
    bound = identity.matches_crn(info.crn)
    if bound is None:
        verdict.not_performed("certificate.chip_binding", "this card does not give its CRN here")
    elif bound:
        verdict.passed("certificate.chip_binding", "the certificate's CN number is the chip's CRN")
    else:
        verdict.failed(
            "certificate.chip_binding",
            "the certificate's CN number is not the chip's CRN: the certificate may have been "
            "copied onto another chip (or the CN carries another number; not settled publicly)",
        )
    verdict.extend([chain] if chain else [])
    if chain is None:
        verdict.not_performed("certificate.chain", "no trust anchors were given")
    if chip_authentication is not None:
        verdict.extend([chip_authentication])
    else:
        verdict.add("chip.genuine", Result.NOT_PERFORMED, NEEDS_REGISTRY)
    return verdict
