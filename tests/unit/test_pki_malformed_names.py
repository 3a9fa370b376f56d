"""Issue 14 item 4: lazily parsed names with bad strings must not raise out of the PKI code.

asn1crypto decodes a Name's strings only when compared; a CRL or certificate whose name
holds invalid UTF-8 used to raise UnicodeDecodeError from `check_revocation`,
`passive_authentication(crls=...)` and `CertificateInfo.is_self_issued`.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.lds.sod import sign_sod
from idcard.pki.crl import Crl, check_revocation
from idcard.pki.passive import passive_authentication
from idcard.pki.trust import CertificateInfo, TrustStore, same_name
from idcard.verdict import Result
from mock_card.testpki import test_pki

AT = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
#: The crashing input: the CSCA's CN with its last byte made invalid UTF-8.
GOOD, BAD = b"IR CSCA TEST", b"IR CSCA TES\xff"


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def bad_crl() -> Crl:
    pki = test_pki()
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.csca_cert.subject)
        .last_update(dt.datetime(2026, 1, 1))
        .next_update(dt.datetime(2030, 1, 1))
        .sign(pki.csca_key, hashes.SHA384())
    )
    der = crl.public_bytes(Encoding.DER)
    assert GOOD in der
    return Crl.load(der.replace(GOOD, BAD, 1))


def test_check_revocation_with_a_malformed_crl_issuer(bad_crl: Crl) -> None:
    pki = test_pki()
    ds = CertificateInfo.from_der(_der(pki.ds_cert))
    csca = CertificateInfo.from_der(_der(pki.csca_cert))
    check = check_revocation(ds, [csca], [bad_crl], AT)
    assert check.code == "crl"
    assert check.result is Result.NOT_PERFORMED  # the malformed name names no issuer we know
    assert "none of 1 CRL" in check.reason


def test_passive_authentication_with_a_malformed_crl(bad_crl: Crl) -> None:
    pki = test_pki()
    dgs = {1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x00"}
    sod = sign_sod(
        {n: hashlib.sha256(d).digest() for n, d in dgs.items()}, "sha256", _der(pki.ds_cert), pki.ds_key
    )
    verdict = passive_authentication(sod, dgs, TrustStore([_der(pki.csca_cert)]), at=AT, crls=[bad_crl])
    assert verdict.get("csca.chain").result is Result.PASSED  # type: ignore[union-attr]
    assert verdict.get("crl").result is Result.NOT_PERFORMED  # type: ignore[union-attr]


def test_is_self_issued_with_a_malformed_name() -> None:
    der = _der(test_pki().csca_cert)
    assert der.count(GOOD) == 2  # issuer and subject
    both = CertificateInfo.from_der(der.replace(GOOD, BAD))
    assert both.is_self_issued is True  # the same bytes: the same name
    one = CertificateInfo.from_der(der.replace(GOOD, BAD, 1))
    assert one.is_self_issued is False


def test_same_name_never_raises() -> None:
    der = _der(test_pki().csca_cert)
    good = CertificateInfo.from_der(der)
    bad = CertificateInfo.from_der(der.replace(GOOD, BAD))
    assert same_name(good.subject, good.issuer)
    assert not same_name(good.subject, bad.subject)
    assert same_name(bad.subject, bad.issuer)
