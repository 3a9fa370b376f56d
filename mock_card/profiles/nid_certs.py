"""TEST look-alike certificates for emulated NID cards (iran-nid-cards.md §4).

A self-made TEST citizen CA issues the holder's signing certificate in the shape
the spec describes (RSA-2048, sha256WithRSA, 16-byte serial, subject C, OU,
givenName, surname, CN in that order, seven years). Neither chains to any real
NOCR root: every issuer name says TEST.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST Iran Government"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "NOCR"),
        x509.NameAttribute(NameOID.COMMON_NAME, "TEST IRAN Digital Citizen CA 2016 17"),
    ]
)


@dataclass(frozen=True)
class CardCertificates:
    ca_der: bytes
    signing_der: bytes
    #: PKCS#8 DER of the holder's TEST signing key (stays inside the emulator).
    signing_key_der: bytes
    #: TEST signer of SOD1 (EMULATOR ASSUMPTION: issued by the same citizen CA) and its key.
    sod_signer_der: bytes
    sod_signer_key_der: bytes


def _serial() -> int:
    return int.from_bytes(os.urandom(16), "big") >> 1 | (1 << 126)  # 16 bytes, positive


def _issue(
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    ca_key: rsa.RSAPrivateKey,
    not_before: dt.datetime,
    days: int,
    *extensions: x509.ExtensionType,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(CA_NAME)
        .public_key(public_key)
        .serial_number(_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=True)
    return builder.sign(ca_key, hashes.SHA256())


@functools.lru_cache(maxsize=8)
def make_card_certificates(
    given_name: str, surname: str, cn_number: str, backdate_days: int = 0
) -> CardCertificates:
    """Issue a TEST CA and a holder signing certificate (cached: RSA key generation is slow)."""
    now = dt.datetime(2026, 1, 15, tzinfo=dt.UTC) - dt.timedelta(days=backdate_days)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _issue(
        CA_NAME,
        ca_key.public_key(),
        ca_key,
        now - dt.timedelta(days=3650),
        7300,
        x509.BasicConstraints(ca=True, path_length=0),
    )
    holder_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "IRAN Citizen"),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(NameOID.SURNAME, surname),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{cn_number} - SIG"),
        ]
    )
    # Extensions of real citizen certificates are not public (§4); only what a verifier needs.
    leaf = _issue(
        subject,
        holder_key.public_key(),
        ca_key,
        now,
        7 * 365,
        x509.BasicConstraints(ca=False, path_length=None),
        x509.KeyUsage(True, True, False, False, False, False, False, False, False),
    )
    sod_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sod_signer = _issue(
        x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST Iran Government"),
                x509.NameAttribute(NameOID.COMMON_NAME, "TEST NOCR personal data signer"),
            ]
        ),
        sod_key.public_key(),
        ca_key,
        now,
        7 * 365,
        x509.BasicConstraints(ca=False, path_length=None),
        x509.KeyUsage(True, False, False, False, False, False, False, False, False),
    )
    return CardCertificates(
        ca_der=ca.public_bytes(serialization.Encoding.DER),
        signing_der=leaf.public_bytes(serialization.Encoding.DER),
        signing_key_der=_pkcs8(holder_key),
        sod_signer_der=sod_signer.public_bytes(serialization.Encoding.DER),
        sod_signer_key_der=_pkcs8(sod_key),
    )


def _pkcs8(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
