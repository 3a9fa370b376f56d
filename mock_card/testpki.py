"""A deterministic test PKI: the same integer seed gives byte-identical keys and certificates.

Two hierarchies, as on the demo card (card-profile.md):

* eMRTD (ICAO Doc 9303-12): ``C=IR, CN=IR CSCA TEST`` (self-signed country signing CA)
  -> ``C=IR, CN=IR DS TEST`` (document signer; signs EF.SOD).
* National PKI application: ``C=IR, CN=IR NID ROOT TEST`` -> ``C=IR, CN=IR NID CITIZEN CA TEST``
  (issues the citizens' authentication and signing certificates: `issue_citizen_certificates`,
  with the card's P-384 keys from `derive_citizen_keys`).

Plus deliberately bad material for negative tests:

* ``rogue_csca``: same DN as the real CSCA, different key (an attacker's look-alike anchor).
* ``unknown_ds``: same DN as the real DS, issued by the rogue CSCA. Its issuer DN is
  ``IR CSCA TEST``, so a verifier that looks up the anchor by name finds the real CSCA and
  must fail on the signature; one that looks up by key identifier finds nothing.
* ``expired_ds``: issued by the real CSCA, validity ended 2024-12-31.

Algorithms (what real eMRTD / national eID PKIs use):

* CSCA: brainpoolP384r1, ecdsa-with-SHA384. The most common EC curve among the CSCAs in the
  German master list (BSI TR-03116-2 mandates brainpool for German documents).
* DS: brainpoolP256r1 (the SOD is hashed and signed with SHA-256); its certificate is signed by
  the CSCA with SHA-384.
* NID root / citizen CA: NIST P-384, ecdsa-with-SHA384, as the card's own P-384 keys, and what
  TLS client authentication stacks (browsers, portals) accept; brainpool is not in TLS 1.3.

Keys: HKDF-SHA256 over the seed and a per-role label, reduced to a scalar in [1, n-1]
(FIPS 186-5 A.2.1: 64 extra bits, so the bias is negligible). Signatures: deterministic ECDSA
(RFC 6979) from `cryptography` (``CertificateBuilder.sign(..., ecdsa_deterministic=True)``).
Validity dates and serial numbers are fixed / derived from the seed, never "now" or random.

A third, `iran_test_pki(seed)`: a TEST look-alike of the Iranian governmental PKI (Root
CA-G3 with its Bronze/Silver/Gold/Platinum level intermediates, IRAN Root CA1 with the
citizen CA under it), with `issue_citizen_certificate` for the citizens' certificates as
iran-nid-cards.md §4 describes them; see the section near the end.

This is TEST material: the private keys are derivable by anyone who knows the seed.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ecdsa.curves
import gmpy2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID, ObjectIdentifier

from idcard.pki.doctype import OID_DOCUMENT_TYPE_LIST, DocumentTypeList

__all__ = [
    "CSCA_CURVE",
    "CSCA_HASH",
    "DS_CURVE",
    "DS_HASH",
    "NID_CURVE",
    "NID_HASH",
    "CSCA_NAME",
    "DS_NAME",
    "NID_ROOT_NAME",
    "NID_CITIZEN_CA_NAME",
    "ANCHOR_FILES",
    "TestPki",
    "test_pki",
    "write_anchors",
    "CITIZEN_NOT_BEFORE",
    "CITIZEN_NOT_AFTER",
    "citizen_name",
    "derive_citizen_keys",
    "issue_citizen_certificates",
    "rogue_citizen_ca",
    "IRAN_LEVELS",
    "IRAN_LEVEL_POLICY_ARC",
    "IranCa",
    "IranTestPki",
    "IssuedCertificate",
    "derive_rsa_key",
    "iran_test_pki",
    "issue_citizen_certificate",
    "iran_anchor_files",
    "write_iran_anchors",
]

CSCA_CURVE: ec.EllipticCurve = ec.BrainpoolP384R1()
#: The hashes X.509 signing takes (cryptography's CertificateBuilder.sign).
SigningHash = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
#: Hash the CSCA signs certificates (and CRLs) with.
CSCA_HASH: SigningHash = hashes.SHA384()
DS_CURVE: ec.EllipticCurve = ec.BrainpoolP256R1()
#: Hash for the SOD signature made with the DS key (and for the DG hashes in the SOD).
DS_HASH: SigningHash = hashes.SHA256()
NID_CURVE: ec.EllipticCurve = ec.SECP384R1()
NID_HASH: SigningHash = hashes.SHA384()


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


CSCA_NAME = _name("IR CSCA TEST")
DS_NAME = _name("IR DS TEST")
NID_ROOT_NAME = _name("IR NID ROOT TEST")
NID_CITIZEN_CA_NAME = _name("IR NID CITIZEN CA TEST")

#: ICAO 9303-12 DocumentTypeList extension (id-icao-mrtd-security-extensions-documentTypeList).

#: Files `write_anchors` writes, in order (public certificates only).
ANCHOR_FILES = ("csca.pem", "csca.der", "nid-root.pem", "nid-citizen-ca.pem")

_UTC = dt.UTC
_CSCA_VALIDITY = (dt.datetime(2025, 1, 1, tzinfo=_UTC), dt.datetime(2040, 1, 1, tzinfo=_UTC))
_CSCA_KEY_USAGE_PERIOD = (
    dt.datetime(2025, 1, 1, tzinfo=_UTC),
    dt.datetime(2030, 1, 1, tzinfo=_UTC),
)
_DS_VALIDITY = (
    dt.datetime(2025, 1, 1, tzinfo=_UTC),
    dt.datetime(2036, 12, 31, 23, 59, 59, tzinfo=_UTC),
)
_EXPIRED_DS_VALIDITY = (
    dt.datetime(2020, 1, 1, tzinfo=_UTC),
    dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=_UTC),
)
_NID_ROOT_VALIDITY = (dt.datetime(2025, 1, 1, tzinfo=_UTC), dt.datetime(2045, 1, 1, tzinfo=_UTC))
_NID_CITIZEN_CA_VALIDITY = (
    dt.datetime(2025, 1, 1, tzinfo=_UTC),
    dt.datetime(2040, 1, 1, tzinfo=_UTC),
)

_KDF_SALT = b"idcard mock_card test PKI v1"

_CURVE_ORDERS: dict[str, int] = {
    "brainpoolP256r1": ecdsa.curves.BRAINPOOLP256r1.order,
    "brainpoolP384r1": ecdsa.curves.BRAINPOOLP384r1.order,
    "secp256r1": ecdsa.curves.NIST256p.order,
    "secp384r1": ecdsa.curves.NIST384p.order,
    "secp521r1": ecdsa.curves.NIST521p.order,
}


# --- derivation --------------------------------------------------------------------------


def _seed_bytes(seed: int) -> bytes:
    # bool is an int, but "test_pki(True)" is surely a mistake.
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}")
    return str(seed).encode("ascii")


def _derive(seed: int, label: str, length: int) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_KDF_SALT, info=label.encode())
    return hkdf.derive(_seed_bytes(seed))


def derive_key(seed: int, label: str, curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    """The EC private key for ``label``: a scalar in [1, n-1] from HKDF(seed, label)."""
    n = int(_CURVE_ORDERS[curve.name])  # gmpy2 makes ecdsa's orders mpz; cryptography wants int
    extra = _derive(seed, f"key/{label}/{curve.name}", (n.bit_length() + 64 + 7) // 8)
    scalar = int.from_bytes(extra, "big") % (n - 1) + 1
    return ec.derive_private_key(scalar, curve)


def derive_serial(seed: int, label: str) -> int:
    """A positive, 16-octet-or-shorter certificate serial number (RFC 5280 4.1.2.2)."""
    value = int.from_bytes(_derive(seed, f"serial/{label}", 16), "big") >> 1
    return value or 1


# --- certificates ------------------------------------------------------------------------


def _document_type_list(doc_types: Sequence[str]) -> x509.UnrecognizedExtension:
    value = DocumentTypeList({"version": 0, "doc_type_list": list(doc_types)}).dump()
    return x509.UnrecognizedExtension(OID_DOCUMENT_TYPE_LIST, value)


def _ca_key_usage(digital_signature: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _signer_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _build(
    *,
    seed: int,
    label: str,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    issuer_cert: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    sign_hash: SigningHash,
    validity: tuple[dt.datetime, dt.datetime],
    ca: bool,
    path_length: int | None = None,
    extra: Sequence[tuple[x509.ExtensionType, bool]] = (),
    ca_digital_signature: bool = False,
) -> x509.Certificate:
    """One certificate: a CA (keyCertSign, cRLSign, and digitalSignature if asked) or a
    signer (digitalSignature). EC signatures are deterministic (RFC 6979), RSA PKCS#1 v1.5
    ones are by nature."""
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert is not None else subject)
        .public_key(key.public_key())
        .serial_number(derive_serial(seed, label))
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
    )
    # AKI on every certificate, = SKI on self-signed ones (as most real CSCAs do), so that a
    # verifier can always look its issuer up by key identifier.
    issuer_ski = (
        issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        if issuer_cert is not None
        else ski
    )
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
        critical=False,
    )
    builder = builder.add_extension(ski, critical=False)
    if ca:
        builder = builder.add_extension(_ca_key_usage(ca_digital_signature), critical=True)
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=path_length), critical=True
        )
    else:
        builder = builder.add_extension(_signer_key_usage(), critical=True)
    for ext, critical in extra:
        builder = builder.add_extension(ext, critical=critical)
    if isinstance(issuer_key, rsa.RSAPrivateKey):
        return builder.sign(issuer_key, sign_hash)
    return builder.sign(issuer_key, sign_hash, ecdsa_deterministic=True)


@dataclass(frozen=True)
class TestPki:
    """Keys and certificates of the test PKI (`cryptography` objects). See the module docstring."""

    __test__ = False  # not a pytest test class, despite the name

    seed: int
    csca_cert: x509.Certificate
    csca_key: ec.EllipticCurvePrivateKey
    ds_cert: x509.Certificate
    ds_key: ec.EllipticCurvePrivateKey
    root_cert: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    citizen_ca_cert: x509.Certificate
    citizen_ca_key: ec.EllipticCurvePrivateKey
    unknown_ds_cert: x509.Certificate
    unknown_ds_key: ec.EllipticCurvePrivateKey
    expired_ds_cert: x509.Certificate
    expired_ds_key: ec.EllipticCurvePrivateKey
    rogue_csca_cert: x509.Certificate
    rogue_csca_key: ec.EllipticCurvePrivateKey


def _csca(seed: int, label: str, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    return _build(
        seed=seed,
        label=label,
        subject=CSCA_NAME,
        key=key,
        issuer_cert=None,
        issuer_key=key,
        sign_hash=CSCA_HASH,
        validity=_CSCA_VALIDITY,
        ca=True,
        path_length=0,
        extra=[(x509.PrivateKeyUsagePeriod(*_CSCA_KEY_USAGE_PERIOD), False)],
    )


def _ds(
    seed: int,
    label: str,
    key: ec.EllipticCurvePrivateKey,
    csca_cert: x509.Certificate,
    csca_key: ec.EllipticCurvePrivateKey,
    validity: tuple[dt.datetime, dt.datetime],
) -> x509.Certificate:
    return _build(
        seed=seed,
        label=label,
        subject=DS_NAME,
        key=key,
        issuer_cert=csca_cert,
        issuer_key=csca_key,
        sign_hash=CSCA_HASH,
        validity=validity,
        ca=False,
        extra=[(_document_type_list(["ID"]), False)],
    )


def test_pki(seed: int = 1) -> TestPki:
    """The test PKI for ``seed`` (cached: the same object for the same seed in one process)."""
    _seed_bytes(seed)  # type check before the cache sees it (True == 1 as a cache key)
    return _cached_pki(seed)


test_pki.__test__ = False  # type: ignore[attr-defined]  # a factory, not a pytest test


@functools.lru_cache(maxsize=8)
def _cached_pki(seed: int) -> TestPki:
    return _make_pki(seed)


def _make_pki(seed: int) -> TestPki:
    csca_key = derive_key(seed, "csca", CSCA_CURVE)
    csca_cert = _csca(seed, "csca", csca_key)
    rogue_csca_key = derive_key(seed, "rogue-csca", CSCA_CURVE)
    rogue_csca_cert = _csca(seed, "rogue-csca", rogue_csca_key)

    ds_key = derive_key(seed, "ds", DS_CURVE)
    ds_cert = _ds(seed, "ds", ds_key, csca_cert, csca_key, _DS_VALIDITY)
    unknown_ds_key = derive_key(seed, "unknown-ds", DS_CURVE)
    unknown_ds_cert = _ds(
        seed, "unknown-ds", unknown_ds_key, rogue_csca_cert, rogue_csca_key, _DS_VALIDITY
    )
    expired_ds_key = derive_key(seed, "expired-ds", DS_CURVE)
    expired_ds_cert = _ds(
        seed, "expired-ds", expired_ds_key, csca_cert, csca_key, _EXPIRED_DS_VALIDITY
    )

    root_cert, root_key, citizen_ca_cert, citizen_ca_key = _nid_chain(
        seed, "", NID_CITIZEN_CA_NAME
    )
    return TestPki(
        seed=seed,
        csca_cert=csca_cert,
        csca_key=csca_key,
        ds_cert=ds_cert,
        ds_key=ds_key,
        root_cert=root_cert,
        root_key=root_key,
        citizen_ca_cert=citizen_ca_cert,
        citizen_ca_key=citizen_ca_key,
        unknown_ds_cert=unknown_ds_cert,
        unknown_ds_key=unknown_ds_key,
        expired_ds_cert=expired_ds_cert,
        expired_ds_key=expired_ds_key,
        rogue_csca_cert=rogue_csca_cert,
        rogue_csca_key=rogue_csca_key,
    )


# --- trust anchors -----------------------------------------------------------------------


def write_anchors(pki: TestPki, out_dir: str | Path) -> list[Path]:
    """Write the trust anchors a verifier needs (certificates only, never keys).

    ``csca.pem`` / ``csca.der`` (IR CSCA TEST), ``nid-root.pem`` (IR NID ROOT TEST) and
    ``nid-citizen-ca.pem`` (the intermediate, for building chains). All files are first written
    to temporary files in ``out_dir`` and synced; only when every one is complete are they
    renamed into place. If anything fails the temporary files are removed, so a reader never
    sees a half-written anchor (previous versions of the files stay untouched when a write
    fails).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    contents = {
        "csca.pem": pki.csca_cert.public_bytes(pem),
        "csca.der": pki.csca_cert.public_bytes(der),
        "nid-root.pem": pki.root_cert.public_bytes(pem),
        "nid-citizen-ca.pem": pki.citizen_ca_cert.public_bytes(pem),
    }
    assert tuple(contents) == ANCHOR_FILES
    pending: list[tuple[Path, Path]] = []  # (temporary, final)
    try:
        for name, data in contents.items():
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            tmp = Path(tmp_name)
            pending.append((tmp, out / name))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)  # public material; mkstemp creates 0600
        while pending:
            tmp, final = pending[0]
            os.replace(tmp, final)
            pending.pop(0)
    finally:
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)
    return [out / name for name in ANCHOR_FILES]


# --- citizen certificates (PKI application) ----------------------------------------------

#: Validity of the demo card's citizen certificates: the card's issue and expiry dates.
CITIZEN_NOT_BEFORE = dt.datetime(2026, 1, 15, tzinfo=_UTC)
CITIZEN_NOT_AFTER = dt.datetime(2036, 1, 14, 23, 59, 59, tzinfo=_UTC)


def citizen_name(*, national_code: str, family_name: str, given_name: str) -> x509.Name:
    """``C=IR, SN, GN, CN=FAMILY,GIVEN,<code>, serialNumber=PNOIR-<code>`` (card-profile.md)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
            x509.NameAttribute(NameOID.SURNAME, family_name),
            x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
            x509.NameAttribute(
                NameOID.COMMON_NAME,
                f"{family_name.upper()},{given_name.upper()},{national_code}",
            ),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"PNOIR-{national_code}"),
        ]
    )


def derive_citizen_keys(seed: int) -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePrivateKey]:
    """The card's PKI-application keys for ``seed``: (authentication ``81``, signing ``82``), P-384."""
    return derive_key(seed, "citizen-auth", NID_CURVE), derive_key(seed, "citizen-sign", NID_CURVE)


def _citizen_key_usage(*, auth: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=auth,
        content_commitment=not auth,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _spki_label(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> str:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return digest.finalize().hex()


def _citizen_builder(
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    issuer_cert: x509.Certificate,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    *,
    auth: bool,
) -> x509.CertificateBuilder:
    """A citizen certificate's body: AKI/SKI, keyUsage (critical), cA:FALSE, and for
    authentication EKU clientAuth. The signing certificate has no EKU (as on the Estonian
    and Belgian cards): nonRepudiation alone restricts it to signatures, and S/MIME
    verifiers (openssl cms -verify) accept it."""
    issuer_ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_citizen_key_usage(auth=auth), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if auth:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder


def _citizen_certificate(
    pki: TestPki,
    *,
    kind: str,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.Certificate:
    issuer_cert, issuer_key = issuer
    # One serial per (seed, issuer, kind, key): a re-issued key gets a new serial.
    serial = derive_serial(
        pki.seed,
        f"citizen-{kind}/{_spki_label(issuer_key.public_key())}/{_spki_label(public_key)}",
    )
    builder = _citizen_builder(
        subject, public_key, issuer_cert, serial, not_before, not_after, auth=kind == "auth"
    )
    return builder.sign(issuer_key, NID_HASH, ecdsa_deterministic=True)


def issue_citizen_certificates(
    pki: TestPki,
    *,
    national_code: str,
    family_name: str,
    given_name: str,
    auth_public_key: ec.EllipticCurvePublicKey,
    sign_public_key: ec.EllipticCurvePublicKey,
    not_before: dt.datetime = CITIZEN_NOT_BEFORE,
    not_after: dt.datetime = CITIZEN_NOT_AFTER,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
) -> tuple[x509.Certificate, x509.Certificate]:
    """The citizen's (authentication, signing) certificates, issued by the citizen CA.

    Authentication: keyUsage digitalSignature (critical), EKU clientAuth. Signing: keyUsage
    nonRepudiation (critical), no EKU. Both: ``citizen_name(...)`` as subject, AKI/SKI,
    basicConstraints CA:FALSE, ecdsa-with-SHA384, deterministic (same inputs, same bytes).
    ``issuer`` (certificate, key) replaces the citizen CA, for negative tests
    (see `rogue_citizen_ca`).
    """
    for key in (auth_public_key, sign_public_key):
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise TypeError("citizen keys are EC public keys")
    subject = citizen_name(
        national_code=national_code, family_name=family_name, given_name=given_name
    )
    by = issuer or (pki.citizen_ca_cert, pki.citizen_ca_key)
    auth, sign = (
        _citizen_certificate(
            pki,
            kind=kind,
            subject=subject,
            public_key=public_key,
            issuer=by,
            not_before=not_before,
            not_after=not_after,
        )
        for kind, public_key in (("auth", auth_public_key), ("sign", sign_public_key))
    )
    return auth, sign


@functools.lru_cache(maxsize=8)
def _rogue_citizen_ca(seed: int) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    _, _, cert, key = _nid_chain(seed, "rogue-", test_pki(seed).citizen_ca_cert.subject)
    return cert, key


def _nid_chain(
    seed: int, prefix: str, ca_subject: x509.Name
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The NID root and the citizen CA under it (`prefix` keys a look-alike pair)."""
    root_key = derive_key(seed, f"{prefix}nid-root", NID_CURVE)
    root_cert = _build(
        seed=seed,
        label=f"{prefix}nid-root",
        subject=NID_ROOT_NAME,
        key=root_key,
        issuer_cert=None,
        issuer_key=root_key,
        sign_hash=NID_HASH,
        validity=_NID_ROOT_VALIDITY,
        ca=True,
        path_length=1,
    )
    ca_key = derive_key(seed, f"{prefix}nid-citizen-ca", NID_CURVE)
    ca_cert = _build(
        seed=seed,
        label=f"{prefix}nid-citizen-ca",
        subject=ca_subject,
        key=ca_key,
        issuer_cert=root_cert,
        issuer_key=root_key,
        sign_hash=NID_HASH,
        validity=_NID_CITIZEN_CA_VALIDITY,
        ca=True,
        path_length=0,
    )
    return root_cert, root_key, ca_cert, ca_key


def rogue_citizen_ca(pki: TestPki) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A look-alike citizen CA: the real DN (``IR NID CITIZEN CA TEST``), another key.

    Certificates it issues name the real citizen CA as issuer, so a verifier that looks the
    issuer up by name finds the real CA and must fail on the signature; by key identifier it
    finds nothing. For the ``untrusted-citizen-ca`` card variant.
    """
    return _rogue_citizen_ca(pki.seed)


# --- the Iranian governmental PKI look-alike -----------------------------------------------
#
# A TEST copy of the hierarchies in ../shared/vectors/iran-pki and iran-nid-cards.md §4:
#
#   TEST Islamic Republic of Iran Root CA-G3 -> TEST General Governmental Intermediate
#       <Bronze|Silver|Gold|Platinum> CA-G3 (policy 2.16.364.101.1.1.N = assurance level N)
#       -> (under Gold) IRAN Digital Citizen CA TEST L3 -> citizen certificates at level 3
#   TEST IRAN Root CA1 -> IRAN Digital Citizen CA TEST -> citizen certificates, no level
#
# Names, key usages, basic constraints and policies follow the real certificates; every
# CN says TEST, the CRL distribution points name a `.invalid` host (RFC 6761: never
# resolves) and the validity is chosen so the chains are valid from 2025 to 2040 (the real
# 2022 intermediates end in 2027). Keys are RSA as in the real PKI, all 2048 bits (the
# real roots and Gold/Platinum have 4096; test speed): primes from HKDF(seed, label)
# moved to the next prime, so a seed gives the same bytes.

#: Assurance level -> name of the G3 intermediate at that level.
IRAN_LEVELS: dict[int, str] = {1: "Bronze", 2: "Silver", 3: "Gold", 4: "Platinum"}
#: Policy arc of the national signature policy's assurance levels (last arc = level).
IRAN_LEVEL_POLICY_ARC = "2.16.364.101.1.1"
_IRAN_CPS = "https://www.gica.ir.invalid/repository/TEST-cps-gica.pdf"
_IRAN_CRL = "http://crl.rca.gov.ir.invalid/TEST-iricaG3.crl"
_RSA_E = 65537

_IRAN_ROOT_VALIDITY = (dt.datetime(2019, 5, 7, tzinfo=_UTC), dt.datetime(2039, 5, 7, tzinfo=_UTC))
_IRAN_CA1_VALIDITY = (dt.datetime(2012, 9, 23, tzinfo=_UTC), dt.datetime(2032, 9, 23, tzinfo=_UTC))
_IRAN_CA_VALIDITY = (dt.datetime(2025, 1, 1, tzinfo=_UTC), dt.datetime(2040, 1, 1, tzinfo=_UTC))


def _rdn(*attrs: tuple[ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])


IRAN_G3_ROOT_NAME = _rdn(
    (NameOID.COUNTRY_NAME, "IR"),
    (NameOID.ORGANIZATION_NAME, "I.R.Government"),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, "Root CA"),
    (NameOID.COMMON_NAME, "TEST Islamic Republic of Iran Root CA-G3"),
)
IRAN_ROOT_CA1_NAME = _rdn(
    (NameOID.COUNTRY_NAME, "IR"),
    (NameOID.ORGANIZATION_NAME, "Iran Government"),
    (NameOID.COMMON_NAME, "TEST IRAN Root CA1"),
)


def iran_level_name(level: int) -> x509.Name:
    """The subject of the TEST G3 intermediate at assurance `level` (1..4)."""
    return _rdn(
        (NameOID.COUNTRY_NAME, "IR"),
        (NameOID.ORGANIZATION_NAME, "Governmental"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Ministry of Industry Mine and Trade"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Iran Center for e-Commerce Development"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "General Intermediate CA"),
        (NameOID.COMMON_NAME, f"TEST General Governmental Intermediate {IRAN_LEVELS[level]} CA-G3"),
    )


def iran_citizen_ca_name(suffix: str = "") -> x509.Name:
    """``C=IR, O=Iran Government, OU=NOCR, CN=IRAN Digital Citizen CA TEST<suffix>``."""
    return _rdn(
        (NameOID.COUNTRY_NAME, "IR"),
        (NameOID.ORGANIZATION_NAME, "Iran Government"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "NOCR"),
        (NameOID.COMMON_NAME, f"IRAN Digital Citizen CA TEST{suffix}"),
    )


def iran_level_policy(level: int) -> str:
    return f"{IRAN_LEVEL_POLICY_ARC}.{level}"


def derive_rsa_key(seed: int, label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key from HKDF(seed, label): two primes of bits/2 (top two bits set, so n has
    exactly `bits` bits), each the next prime after a derived odd start with gcd(p-1, e) = 1."""
    half = bits // 2
    stream = _derive(seed, f"rsa/{label}/{bits}", 2 * (half // 8) * 4)
    primes: list[int] = []
    offset = 0
    while len(primes) < 2:
        chunk = stream[offset : offset + half // 8]
        offset += half // 8
        start = int.from_bytes(chunk, "big") | (3 << (half - 2)) | 1
        p = int(gmpy2.next_prime(start))
        if p.bit_length() == half and gmpy2.gcd(p - 1, _RSA_E) == 1 and p not in primes:
            primes.append(p)
    p, q = primes
    d = pow(_RSA_E, -1, (p - 1) * (q - 1) // int(gmpy2.gcd(p - 1, q - 1)))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(_RSA_E, p * q),
    )
    # Our own primes, just made: OpenSSL's key check (more primality tests) only costs time.
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate and its private key (None when the caller brought the public key)."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | None

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class IranCa:
    """One CA of the look-alike: certificate, key, and the assurance level it carries (if any)."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    level: int | None = None

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class IranTestPki:
    """The TEST look-alike of the Iranian governmental PKI. See the section comment."""

    __test__ = False

    seed: int
    #: True for the look-alike of the look-alike (same names, other keys).
    lookalike: bool
    g3_root: IranCa
    #: Assurance level (1 Bronze … 4 Platinum) -> TEST G3 intermediate.
    levels: dict[int, IranCa]
    root_ca1: IranCa
    #: Citizen CA under TEST IRAN Root CA1, as iran-nid-cards.md §4 infers: no level.
    citizen_ca: IranCa
    #: Citizen CA under the TEST Gold intermediate (level 3), for the level logic.
    gold_citizen_ca: IranCa

    @property
    def roots(self) -> tuple[IranCa, IranCa]:
        return self.g3_root, self.root_ca1


def _policies(level: int | None) -> list[tuple[x509.ExtensionType, bool]]:
    if level is None:
        return []
    policy = x509.PolicyInformation(ObjectIdentifier(iran_level_policy(level)), [_IRAN_CPS])
    return [(x509.CertificatePolicies([policy]), False)]


def _iran_ca(
    seed: int,
    label: str,
    subject: x509.Name,
    *,
    bits: int,
    issuer: IranCa | None,
    validity: tuple[dt.datetime, dt.datetime],
    path_length: int | None,
    level: int | None = None,
    digital_signature: bool = True,
    crl_dp: bool = False,
) -> IranCa:
    key = derive_rsa_key(seed, label, bits)
    extra = _policies(level)
    if crl_dp:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(_IRAN_CRL)], None, None, None)
        extra.append((x509.CRLDistributionPoints([point]), False))
    cert = _build(
        seed=seed,
        label=label,
        subject=subject,
        key=key,
        issuer_cert=issuer.certificate if issuer is not None else None,
        issuer_key=issuer.key if issuer is not None else key,
        sign_hash=hashes.SHA256(),
        validity=validity,
        ca=True,
        path_length=path_length,
        extra=extra,
        ca_digital_signature=digital_signature,
    )
    return IranCa(cert, key, level)


def iran_test_pki(seed: int = 1, *, lookalike: bool = False) -> IranTestPki:
    """The TEST Iranian PKI for `seed`; `lookalike=True` gives one with the same names and
    other keys, whose certificates must never verify under the first (cached per process)."""
    _seed_bytes(seed)
    return _cached_iran_pki(seed, lookalike)


iran_test_pki.__test__ = False  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=8)
def _cached_iran_pki(seed: int, lookalike: bool) -> IranTestPki:
    prefix = "iran-lookalike/" if lookalike else "iran/"
    g3 = _iran_ca(
        seed, prefix + "g3-root", IRAN_G3_ROOT_NAME, bits=2048, issuer=None,
        validity=_IRAN_ROOT_VALIDITY, path_length=None,
    )
    levels = {
        level: _iran_ca(
            seed,
            f"{prefix}g3-level-{level}",
            iran_level_name(level),
            bits=2048,
            issuer=g3,
            validity=_IRAN_CA_VALIDITY,
            path_length=1,
            level=level,
            crl_dp=True,
        )
        for level in IRAN_LEVELS
    }
    ca1 = _iran_ca(
        seed, prefix + "root-ca1", IRAN_ROOT_CA1_NAME, bits=2048, issuer=None,
        validity=_IRAN_CA1_VALIDITY, path_length=None, digital_signature=False,
    )
    citizen = _iran_ca(
        seed, prefix + "citizen-ca", iran_citizen_ca_name(), bits=2048, issuer=ca1,
        validity=_IRAN_CA_VALIDITY, path_length=0,
    )
    gold_citizen = _iran_ca(
        seed, prefix + "gold-citizen-ca", iran_citizen_ca_name(" L3"), bits=2048,
        issuer=levels[3], validity=_IRAN_CA_VALIDITY, path_length=0, level=3,
    )
    return IranTestPki(seed, lookalike, g3, levels, ca1, citizen, gold_citizen)


def iran_citizen_name(*, given: str, surname: str, number: str, usage: str) -> x509.Name:
    """``C=IR, OU=IRAN Citizen, G=<given>, SN=<surname>, CN=<number> - SIG|AUTH`` in that
    DER order (iran-nid-cards.md §4)."""
    suffix = {"sign": "SIG", "auth": "AUTH"}[usage]
    return _rdn(
        (NameOID.COUNTRY_NAME, "IR"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "IRAN Citizen"),
        (NameOID.GIVEN_NAME, given),
        (NameOID.SURNAME, surname),
        (NameOID.COMMON_NAME, f"{number} - {suffix}"),
    )


def issue_citizen_certificate(
    pki: IranTestPki,
    *,
    given: str,
    surname: str,
    number: str,
    usage: str = "sign",
    not_before: dt.datetime = CITIZEN_NOT_BEFORE,
    not_after: dt.datetime | None = None,
    ca: IranCa | None = None,
    public_key: rsa.RSAPublicKey | None = None,
) -> IssuedCertificate:
    """A citizen's signing (``usage="sign"``) or authentication certificate, RSA-2048 and
    sha256WithRSAEncryption with a 16-byte serial, seven years by default, as §4 reports.

    Issued by `ca` (default: the citizen CA under TEST IRAN Root CA1). The key is derived
    from (seed, CA, number, usage) unless `public_key` is given (then `.key` is None). A CA
    with a level passes its policy on, so the path keeps the level. The real certificates'
    extensions are not public; these carry what a verifier needs: keyUsage (signing:
    nonRepudiation; authentication: digitalSignature + EKU clientAuth), basicConstraints
    cA:FALSE, SKI/AKI.
    """
    if usage not in ("sign", "auth"):
        raise ValueError(f"usage must be 'sign' or 'auth', not {usage!r}")
    issuer = ca or pki.citizen_ca
    key: rsa.RSAPrivateKey | None = None
    issuer_label = _spki_label(issuer.key.public_key())[:32]
    if public_key is None:
        key = derive_rsa_key(pki.seed, f"iran-citizen/{issuer_label}/{number}/{usage}", 2048)
        public_key = key.public_key()
    end = not_after or not_before + dt.timedelta(days=7 * 365)
    serial_seed = f"iran-citizen/{issuer_label}/{number}/{usage}/{not_before}"
    serial = derive_serial(pki.seed, serial_seed) | (1 << 120)  # 16 octets, as observed
    subject = iran_citizen_name(given=given, surname=surname, number=number, usage=usage)
    builder = _citizen_builder(
        subject, public_key, issuer.certificate, serial, not_before, end, auth=usage == "auth"
    )
    for ext, critical in _policies(issuer.level):
        builder = builder.add_extension(ext, critical=critical)
    return IssuedCertificate(builder.sign(issuer.key, hashes.SHA256()), key)


def iran_anchor_files(pki: IranTestPki) -> dict[str, bytes]:
    """File name -> contents for `mock-card pki`: the TEST roots (PEM and DER), the four
    level intermediates (named like the real ``-Ln`` files) and both citizen CAs (PEM)."""
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    files = {
        "TEST-IslamicRepublicofIranRootCA-G3.pem": pki.g3_root.certificate.public_bytes(pem),
        "TEST-IslamicRepublicofIranRootCA-G3.der": pki.g3_root.certificate.public_bytes(der),
        "TEST-IRANRootCA1.pem": pki.root_ca1.certificate.public_bytes(pem),
        "TEST-IRANRootCA1.der": pki.root_ca1.certificate.public_bytes(der),
    }
    for level, ca in pki.levels.items():
        name = f"TEST-GeneralGovernmentalIntermediate{IRAN_LEVELS[level]}CA-G3-L{level}.pem"
        files[name] = ca.certificate.public_bytes(pem)
    files["TEST-IRANDigitalCitizenCA.pem"] = pki.citizen_ca.certificate.public_bytes(pem)
    files["TEST-IRANDigitalCitizenCA-L3.pem"] = pki.gold_citizen_ca.certificate.public_bytes(pem)
    return files


def write_iran_anchors(pki: IranTestPki, out_dir: str | Path) -> list[Path]:
    """Write `iran_anchor_files` into `out_dir` (certificates only, never keys), each file
    complete or not at all (temporary file, fsync, rename)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in iran_anchor_files(pki).items():
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)  # public material; mkstemp creates 0600
            os.replace(tmp, out / name)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(out / name)
    return written
