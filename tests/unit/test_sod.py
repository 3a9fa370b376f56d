"""EF.SOD: parse/encode round trips on the specimen documents, accessors, and sign_sod.

The small test PKI built here (`make_csca`, `make_ds`) is also used by
test_pki_negative.py; it is generated with `cryptography`'s x509 builder and
has nothing to do with the emulator's seeded PKI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from idcard.lds.sod import ID_LDS_SECURITY_OBJECT, Sod, lds_security_object, sign_sod
from idcard.pki.passive import passive_authentication
from idcard.pki.trust import TrustStore
from idcard.verdict import Result
from tests.vectors import VECTORS

LDS = VECTORS / "lds"
SPECIMEN_SODS = {
    "bsi2008-mustermann": LDS / "bsi2008-mustermann" / "EF_SOD.bin",
    "bsi-tr03105-5": LDS / "bsi-tr03105-5" / "EF_SOD.bin",
    "etsi-tr103200": LDS / "etsi-tr103200" / "ETSI_TR103200_EACAA_EF_SOD.bin",
    "loes2006": LDS / "loes2006" / "ef011D.bin",
}

UTC = dt.UTC
AT = dt.datetime(2026, 6, 1, tzinfo=UTC)


# --- test PKI ---------------------------------------------------------------------------


@dataclass
class TestCert:
    der: bytes
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate

    __test__ = False  # not a pytest class


def _name(cn: str, country: str = "IR") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def make_csca(
    cn: str = "IR CSCA TEST",
    *,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=UTC),
    not_after: dt.datetime = dt.datetime(2040, 1, 1, tzinfo=UTC),
    cert_sign: bool = True,
) -> TestCert:
    key = key or ec_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=cert_sign, crl_sign=cert_sign), critical=True)
        .add_extension(ski, critical=False)
    )
    cert = builder.sign(key, hashes.SHA256())
    return TestCert(cert.public_bytes(Encoding.DER), key, cert)


def make_ds(
    csca: TestCert,
    cn: str = "IR DS TEST",
    *,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime = dt.datetime(2024, 1, 1, tzinfo=UTC),
    not_after: dt.datetime = dt.datetime(2034, 1, 1, tzinfo=UTC),
    serial: int | None = None,
    digital_signature: bool = True,
) -> TestCert:
    key = key or ec_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(csca.cert.subject)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(_key_usage(digital_signature=digital_signature), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(csca.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    cert = builder.sign(csca.key, hashes.SHA256())
    return TestCert(cert.public_bytes(Encoding.DER), key, cert)


def _key_usage(
    *, digital_signature: bool = False, cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


DEMO_DGS = {1: b"\x61\x05\x5f\x1f\x02AB", 2: b"\x75\x03\x01\x02\x03", 14: b"\x6e\x02\x31\x00"}


def hashes_of(dgs: dict[int, bytes], algorithm: str = "sha256") -> dict[int, bytes]:
    return {n: hashlib.new(algorithm, v).digest() for n, v in dgs.items()}


def signed_sod(
    ds: TestCert,
    dgs: dict[int, bytes] = DEMO_DGS,
    *,
    hash_algorithm: str = "sha256",
    signature_algorithm: str = "ecdsa",
    **kwargs: object,
) -> bytes:
    return sign_sod(
        hashes_of(dgs, hash_algorithm),
        hash_algorithm,
        ds.der,
        ds.key,
        signature_algorithm=signature_algorithm,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def pki() -> tuple[TestCert, TestCert]:
    csca = make_csca()
    return csca, make_ds(csca)


# --- specimens --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SPECIMEN_SODS))
def test_specimen_round_trip(name: str) -> None:
    data = SPECIMEN_SODS[name].read_bytes()
    sod = Sod.parse(data)
    assert sod.encode() == data
    assert Sod.parse(sod.encode()).dg_hashes == sod.dg_hashes


@pytest.mark.parametrize(
    ("name", "hash_algorithm", "dgs", "signature_oid"),
    [
        ("bsi2008-mustermann", "sha1", [1, 2, 3, 14], "1.2.840.10045.4.1"),
        ("bsi-tr03105-5", "sha256", [1, 2, 3, 4, 14], "1.2.840.113549.1.1.10"),
        ("etsi-tr103200", "sha256", [1, 2, 3, 4, 14, 15], "1.2.840.113549.1.1.10"),
        ("loes2006", "sha256", [1, 2, 15], "1.2.840.113549.1.1.11"),
    ],
)
def test_specimen_accessors(
    name: str, hash_algorithm: str, dgs: list[int], signature_oid: str
) -> None:
    sod = Sod.parse(SPECIMEN_SODS[name].read_bytes())
    assert sod.hash_algorithm == hash_algorithm
    assert sorted(sod.dg_hashes) == dgs
    size = hashlib.new(hash_algorithm).digest_size
    assert all(len(v) == size for v in sod.dg_hashes.values())
    assert sod.version == 0 and sod.lds_version is None
    assert sod.content_type == ID_LDS_SECURITY_OBJECT
    assert sod.signature_algorithm == signature_oid
    assert len(sod.signer_infos) == 1 and len(sod.certificates) == 1
    assert sod.ds_certificate == sod.certificates[0]
    signer = sod.signer_infos[0]
    assert signer.sid_serial is not None and signer.sid_issuer_der
    assert signer.content_type == ID_LDS_SECURITY_OBJECT
    assert signer.message_digest == hashlib.new(hash_algorithm, sod.encapsulated_content).digest()
    assert set(sod.signed_attributes) == {"1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4"}
    assert signer.signed_attributes_der and signer.signed_attributes_der[0] == 0x31


@pytest.mark.parametrize("folder", ["bsi-tr03105-5", "etsi-tr103200"])
def test_separate_ds_certificate_is_the_embedded_one(folder: str) -> None:
    sod_file = SPECIMEN_SODS[folder]
    assert Sod.parse(sod_file.read_bytes()).ds_certificate == (LDS / folder / "DS.cer").read_bytes()


# --- sign_sod ---------------------------------------------------------------------------

_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _verify(sod_bytes: bytes, csca: TestCert, dgs: dict[int, bytes] = DEMO_DGS):
    return passive_authentication(sod_bytes, dgs, TrustStore([csca.der]), at=AT)


@pytest.mark.parametrize("hash_algorithm", ["sha1", "sha256", "sha384", "sha512"])
@pytest.mark.parametrize(
    ("signature_algorithm", "key_factory"),
    [
        ("ecdsa", lambda: ec_key(ec.SECP256R1())),
        ("ecdsa", lambda: ec_key(ec.BrainpoolP256R1())),
        ("ecdsa", lambda: ec_key(ec.SECP384R1())),
        ("rsa-pss", lambda: _RSA_KEY),
        ("rsa-pkcs1", lambda: _RSA_KEY),
    ],
)
def test_sign_sod_parses_and_verifies(
    hash_algorithm: str, signature_algorithm: str, key_factory, pki
) -> None:
    csca, _ = pki
    ds = make_ds(csca, key=key_factory())
    data = signed_sod(ds, hash_algorithm=hash_algorithm, signature_algorithm=signature_algorithm)
    sod = Sod.parse(data)
    assert sod.encode() == data
    assert sod.hash_algorithm == hash_algorithm
    assert sod.dg_hashes == hashes_of(DEMO_DGS, hash_algorithm)
    assert sod.ds_certificate == ds.der
    assert sod.signer_infos[0].signing_time is None
    verdict = _verify(data, csca)
    assert verdict.verified, verdict.to_json()
    assert [c.code for c in verdict.checks] == [
        "sod.signature",
        "sod.hash.dg1",
        "sod.hash.dg2",
        "sod.hash.dg14",
        "sod.signer_role",
        "ds.validity",
        "csca.chain",
        "crl",
    ]
    assert verdict.get("crl").result is Result.NOT_PERFORMED


def test_sign_sod_signing_time_and_lds_v1(pki) -> None:
    csca, ds = pki
    when = dt.datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    data = signed_sod(ds, signing_time=when, lds_version=("0108", "040000"))
    sod = Sod.parse(data)
    assert sod.signer_infos[0].signing_time == when
    assert (sod.version, sod.lds_version, sod.unicode_version) == (1, "0108", "040000")
    assert _verify(data, csca).verified


def test_sign_sod_ecdsa_is_deterministic(pki) -> None:
    _, ds = pki
    first = signed_sod(ds)
    if first != signed_sod(ds):
        pytest.skip("this OpenSSL has no deterministic (RFC 6979) ECDSA")
    assert first == signed_sod(ds)


def test_sign_sod_rejects_mismatched_inputs(pki) -> None:
    _, ds = pki
    with pytest.raises(ValueError):
        signed_sod(ds, signature_algorithm="rsa-pss")  # EC key
    with pytest.raises(ValueError):
        sign_sod({1: b"\x00" * 20, 2: b"\x00" * 32}, "sha256", ds.der, ds.key)
    with pytest.raises(ValueError):
        sign_sod({1: b"\x00" * 32}, "sha256", ds.der, ds.key)  # ICAO needs at least two
    with pytest.raises(ValueError):
        sign_sod({0: b"\x00" * 32, 1: b"\x00" * 32}, "sha256", ds.der, ds.key)
    with pytest.raises(ValueError):
        lds_security_object({1: b"", 2: b""}, "md5")


def test_lds_security_object_round_trips() -> None:
    from idcard.lds.sod import LDSSecurityObject

    der = lds_security_object(hashes_of(DEMO_DGS), "sha256")
    parsed = LDSSecurityObject.load(der)
    assert parsed.dump(force=True) == der
    assert parsed["version"].native == 0
    assert [e["data_group_number"].native for e in parsed["data_group_hash_values"]] == [1, 2, 14]
