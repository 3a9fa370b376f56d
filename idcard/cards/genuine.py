"""Is the chip genuine? Only the registry's card authentication can say (iran-nid-cards.md §6).

A certificate read from a chip can be copied onto any chip. The chip proves
itself here by (1) answering MUTUAL AUTHENTICATE with the keys the registry's
service issued for its CSN, and (2) signing a fresh challenge, under the
resulting secure messaging, with the private key of the authentication
certificate it carries (same holder as the signing certificate, same CA). Only then is `chip.genuine` passed; without a configured service it
is `not_performed`, never passed. With the session open, the protected
personal information and its SOD1 are read and verified (`personal_data.signature`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from idcard.cards.base import NEEDS_REGISTRY
from idcard.cards.keyservice import CardKeyService, KeyServiceError
from idcard.cards.mav import Mav4Driver
from idcard.cards.mav_auth import AuthenticatedMav4, authenticate, card_key_request
from idcard.cards.personal import (
    SOD1_DATES,
    SOD1_PERSONAL_INFO,
    PersonalInfo,
    personal_data_used,
    verify_sod1,
)
from idcard.errors import AuthenticationError, IdCardError, SecureMessagingError
from idcard.verdict import Check, Result

CHIP = "chip.genuine"
PERSONAL = "personal_data.signature"
_CHALLENGE_LENGTH = 32


@dataclass(frozen=True)
class GenuineResult:
    checks: tuple[Check, ...]
    personal_info: PersonalInfo | None = None
    #: The open session when the chip proved itself (for signing a login token).
    session: AuthenticatedMav4 | None = None
    #: The authentication certificate whose key the chip proved it holds.
    auth_der: bytes | None = None


def signature_matches(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
    """Whether `signature` is the certificate key's PKCS#1 v1.5 SHA-256 signature of `data`."""
    key = x509.load_der_x509_certificate(certificate_der).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def issued_by(certificate_der: bytes, ca_der: bytes) -> bool:
    """Whether the CA certificate's key signed `certificate_der` and names match."""
    cert = x509.load_der_x509_certificate(certificate_der)
    try:
        cert.verify_directly_issued_by(x509.load_der_x509_certificate(ca_der))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _not_performed(reason: str) -> GenuineResult:
    return GenuineResult(
        (
            Check(CHIP, Result.NOT_PERFORMED, reason),
            Check(PERSONAL, Result.NOT_PERFORMED, "the personal data needs card authentication: " + reason),
        )
    )


def _failed(reason: str) -> GenuineResult:
    return GenuineResult(
        (
            Check(CHIP, Result.FAILED, reason),
            Check(PERSONAL, Result.NOT_PERFORMED, "card authentication failed"),
        )
    )


def _auth_certificate_problem(auth_der: bytes, signing_der: bytes, ca_der: bytes | None) -> str | None:
    """Why the authentication certificate is not the same holder's, from the card's CA; or None."""
    auth = x509.load_der_x509_certificate(auth_der)
    signing = x509.load_der_x509_certificate(signing_der)
    holder = [a for a in signing.subject if a.oid != NameOID.COMMON_NAME]
    if [a for a in auth.subject if a.oid != NameOID.COMMON_NAME] != holder:
        return "the authentication certificate names another holder than the signing certificate"
    numbers = [
        str(c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value).split(" - ")[0]
        for c in (auth, signing)
        if c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ]
    if len(numbers) != 2 or numbers[0] != numbers[1]:
        return "the authentication certificate names another number than the signing certificate"
    if ca_der is None or not issued_by(auth_der, ca_der):
        return "the authentication certificate was not issued by the card's CA"
    return None


def check_genuine(
    driver: Mav4Driver,
    service: CardKeyService | None,
    pin: str,
    signing_der: bytes,
    ca_der: bytes | None,
) -> GenuineResult:
    """Run §6 against the card; PIN errors propagate (the user must see them)."""
    if service is None:
        return _not_performed(NEEDS_REGISTRY)
    auth_der = driver.read_auth_certificate()
    problem = _auth_certificate_problem(auth_der, signing_der, ca_der)
    if problem:
        return _failed(problem)
    try:
        session = authenticate(driver, service, card_key_request(driver, signing_der), pin)
    except KeyServiceError as exc:
        return _not_performed(f"{NEEDS_REGISTRY} ({exc.message})")
    except (AuthenticationError, SecureMessagingError) as exc:
        return _failed(exc.message)
    challenge = os.urandom(_CHALLENGE_LENGTH)
    try:
        signature = session.sign(challenge)
    except IdCardError as exc:
        return _failed(f"the chip did not sign under card authentication: {exc.message}")
    if not signature_matches(auth_der, challenge, signature):
        return _failed(
            "the chip knows the registry's keys but its signature does not match the "
            "authentication certificate it carries: the certificate was not issued for this chip"
        )
    chip = Check(
        CHIP,
        Result.PASSED,
        "the chip answered card authentication with the registry's keys and signed a fresh "
        "challenge with the key of its authentication certificate",
    )
    return _with_personal(chip, session, ca_der, auth_der)


def _with_personal(
    chip: Check, session: AuthenticatedMav4, ca_der: bytes | None, auth_der: bytes
) -> GenuineResult:
    try:
        data = session.read_protected_data()
        files = {SOD1_PERSONAL_INFO: data.personal_info, SOD1_DATES: data.dates}
        signer_der, hash_name = verify_sod1(data.sod, files)
        info = PersonalInfo.parse(personal_data_used(data.personal_info))
    except IdCardError as exc:
        return GenuineResult((chip, Check(PERSONAL, Result.FAILED, exc.message)), session=session, auth_der=auth_der)
    if ca_der is None or not issued_by(signer_der, ca_der):
        reason = "SOD1's signer was not issued by the card's CA"
        return GenuineResult((chip, Check(PERSONAL, Result.FAILED, reason)), session=session, auth_der=auth_der)
    check = Check(
        PERSONAL,
        Result.PASSED,
        f"the personal information read under secure messaging and the card dates match their "
        f"{hash_name} hashes in SOD1, signed by a signer the card's CA issued",
    )
    return GenuineResult((chip, check), info, session, auth_der)
