"""The TEST look-alike of the Iranian governmental PKI (mock_card.testpki, issue 12)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from mock_card.testpki import (
    IRAN_LEVELS,
    _cached_iran_pki,
    iran_anchor_files,
    iran_test_pki,
    issue_citizen_certificate,
)
from tests.vectors import VECTORS

REAL = VECTORS / "iran-pki"


def _cn(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def _policies(cert: x509.Certificate) -> list[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return []
    return [p.policy_identifier.dotted_string for p in ext]


def test_every_ca_says_test_and_chains_by_signature() -> None:
    pki = iran_test_pki(1)
    for ca in [pki.g3_root, pki.root_ca1, pki.citizen_ca, pki.gold_citizen_ca, *pki.levels.values()]:
        assert "TEST" in _cn(ca.certificate)
        assert ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for level, ca in pki.levels.items():
        ca.certificate.verify_directly_issued_by(pki.g3_root.certificate)
        assert _policies(ca.certificate) == [f"2.16.364.101.1.1.{level}"]
        assert IRAN_LEVELS[level] in _cn(ca.certificate)
    pki.citizen_ca.certificate.verify_directly_issued_by(pki.root_ca1.certificate)
    pki.gold_citizen_ca.certificate.verify_directly_issued_by(pki.levels[3].certificate)
    assert _policies(pki.citizen_ca.certificate) == []


def test_names_and_shapes_follow_the_real_certificates() -> None:
    pki = iran_test_pki(1)
    real_root = x509.load_pem_x509_certificate((REAL / "IslamicRepublicofIranRootCA-G3.pem").read_bytes())
    real_gold = x509.load_pem_x509_certificate(
        (REAL / "GeneralGovernmentalIntermediateGoldCA-G3-L3.pem").read_bytes()
    )
    real_ca1 = x509.load_pem_x509_certificate((REAL / "IRANRootCA1.pem").read_bytes())
    for test, real in [
        (pki.g3_root.certificate, real_root),
        (pki.levels[3].certificate, real_gold),
        (pki.root_ca1.certificate, real_ca1),
    ]:
        # Same attributes in the same order; only the CN gains "TEST ".
        assert [a.oid for a in test.subject] == [a.oid for a in real.subject]
        assert _cn(test) == "TEST " + _cn(real)
        assert test.public_key().key_size == 2048  # the real ones: 2048 or 4096
        for ext_type in (x509.KeyUsage, x509.BasicConstraints):
            assert (
                test.extensions.get_extension_for_class(ext_type).value
                == real.extensions.get_extension_for_class(ext_type).value
            )


def test_citizen_certificate_subject_order_and_profile() -> None:
    pki = iran_test_pki(1)
    issued = issue_citizen_certificate(
        pki, given="Ali", surname="Rezaei", number="0012345679", usage="sign",
        not_before=dt.datetime(2026, 1, 15, tzinfo=dt.UTC),
    )
    cert = issued.certificate
    assert [a.oid for a in cert.subject] == [
        NameOID.COUNTRY_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.GIVEN_NAME,
        NameOID.SURNAME, NameOID.COMMON_NAME,
    ]
    assert _cn(cert) == "0012345679 - SIG"
    assert cert.issuer == pki.citizen_ca.certificate.subject
    assert len(cert.serial_number.to_bytes(16, "big")) == 16 and cert.serial_number >> 120
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=7 * 365)
    assert isinstance(issued.key, rsa.RSAPrivateKey) and issued.key.key_size == 2048
    cert.verify_directly_issued_by(pki.citizen_ca.certificate)
    # The key really belongs to the certificate.
    sig = issued.key.sign(b"x", padding.PKCS1v15(), cert.signature_hash_algorithm)  # type: ignore[arg-type]
    cert.public_key().verify(sig, b"x", padding.PKCS1v15(), cert.signature_hash_algorithm)  # type: ignore[union-attr,call-arg,arg-type]

    auth = issue_citizen_certificate(pki, given="Ali", surname="Rezaei", number="0012345679", usage="auth")
    assert _cn(auth.certificate) == "0012345679 - AUTH"
    assert auth.certificate.public_key() != cert.public_key()
    gold = issue_citizen_certificate(
        pki, given="Ali", surname="Rezaei", number="1", ca=pki.gold_citizen_ca
    )
    assert _policies(gold.certificate) == ["2.16.364.101.1.1.3"]
    with pytest.raises(ValueError):
        issue_citizen_certificate(pki, given="A", surname="B", number="1", usage="encrypt")


def test_seeded_and_lookalike() -> None:
    a = iran_test_pki(1)
    fresh = _cached_iran_pki.__wrapped__(1, False)  # built again, not the cached object
    assert fresh is not a and iran_anchor_files(fresh) == iran_anchor_files(a)
    fake = iran_test_pki(1, lookalike=True)
    assert fake.g3_root.certificate.subject == a.g3_root.certificate.subject
    assert fake.citizen_ca.certificate.subject == a.citizen_ca.certificate.subject
    with pytest.raises(InvalidSignature):
        fake.citizen_ca.certificate.verify_directly_issued_by(a.root_ca1.certificate)
    assert set(iran_anchor_files(fake).values()).isdisjoint(iran_anchor_files(a).values())


def test_mock_card_pki_writes_the_iranian_look_alike(tmp_path: Path) -> None:
    out = tmp_path / "anchors"
    result = subprocess.run(
        [sys.executable, "-m", "mock_card.cli", "pki", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    files = iran_anchor_files(iran_test_pki(1))
    for name, data in files.items():
        assert (out / "iran-test" / name).read_bytes() == data
    assert not [p for p in (out / "iran-test").iterdir() if b"PRIVATE" in p.read_bytes()]
