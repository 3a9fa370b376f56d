"""TEST certificates for emulated NID cards from the seeded look-alike of the Iranian PKI.

The citizen's signing certificate has the shape iran-nid-cards.md §4 describes
(RSA-2048, sha256WithRSA, 16-byte serial, subject C, OU, givenName, surname,
CN "<number> - SIG", seven years) and comes from `mock_card.testpki`'s TEST
hierarchy: by default the citizen CA under TEST IRAN Root CA1 (no assurance
level, as §4 infers for real cards), or the one under the TEST Gold G3
intermediate (level 3). Keys are derived from the seed, so a card file that
names its seed regenerates the same certificates. Nothing chains to a real root.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mock_card.testpki import (
    CITIZEN_NOT_BEFORE,
    IranCa,
    derive_rsa_key,
    derive_serial,
    iran_test_pki,
    issue_citizen_certificate,
)

#: Which TEST citizen CA issues the card's certificate.
CITIZEN_CAS = ("root-ca1", "gold")


@dataclass(frozen=True)
class CardCertificates:
    ca_der: bytes
    signing_der: bytes
    #: PKCS#8 DER of the holder's TEST signing key (stays inside the emulator).
    signing_key_der: bytes
    #: The holder's TEST authentication certificate ("<number> - AUTH") and key.
    auth_der: bytes
    auth_key_der: bytes
    #: TEST signer of SOD1 (EMULATOR ASSUMPTION: issued by the same citizen CA) and its key.
    sod_signer_der: bytes
    sod_signer_key_der: bytes


def _pkcs8(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _sod_signer(seed: int, ca: IranCa, not_before: dt.datetime) -> tuple[bytes, rsa.RSAPrivateKey]:
    key = derive_rsa_key(seed, "nid-sod1-signer/" + ca.certificate.subject.rfc4514_string())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Iran Government"),
            x509.NameAttribute(NameOID.COMMON_NAME, "TEST NOCR personal data signer"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(derive_serial(seed, "nid-sod1-signer"))
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=7 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .sign(ca.key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER), key


@functools.lru_cache(maxsize=16)
def make_card_certificates(
    given_name: str,
    surname: str,
    cn_number: str,
    backdate_days: int = 0,
    *,
    seed: int = 1,
    citizen_ca: str = "root-ca1",
    lookalike: bool = False,
) -> CardCertificates:
    """The card's CA certificate, the holder's signing certificate and key, and the SOD1 signer.

    `backdate_days` moves the validity back (an expired certificate); `lookalike`
    issues from the look-alike hierarchy (same names, other keys: untrusted).
    """
    if citizen_ca not in CITIZEN_CAS:
        raise ValueError(f"citizen CA must be one of {CITIZEN_CAS}")
    pki = iran_test_pki(seed, lookalike=lookalike)
    ca = pki.citizen_ca if citizen_ca == "root-ca1" else pki.gold_citizen_ca
    not_before = CITIZEN_NOT_BEFORE - dt.timedelta(days=backdate_days)
    leaf = issue_citizen_certificate(
        pki, given=given_name, surname=surname, number=cn_number, usage="sign", not_before=not_before, ca=ca
    )
    auth = issue_citizen_certificate(
        pki, given=given_name, surname=surname, number=cn_number, usage="auth", not_before=not_before, ca=ca
    )
    assert leaf.key is not None and auth.key is not None
    sod_der, sod_key = _sod_signer(seed, ca, not_before)
    return CardCertificates(
        ca_der=ca.der,
        signing_der=leaf.der,
        signing_key_der=_pkcs8(leaf.key),
        auth_der=auth.der,
        auth_key_der=_pkcs8(auth.key),
        sod_signer_der=sod_der,
        sod_signer_key_der=_pkcs8(sod_key),
    )
