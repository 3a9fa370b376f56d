"""The SOD SignerInfo's sid is matched to the DS certificate robustly, never by name alone.

Some real passports name their document signer in the SignerInfo with the
issuer's RDNs in another order than the DS certificate's issuer field. The
match is: exact DER, RFC 5280 equality, the same RDNs in another order, and
(only for the SOD's single embedded certificate) the serial number; the
serial number always has to agree.
"""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from idcard.lds.sod import Sod, find_certificate
from idcard.pki.passive import passive_authentication
from idcard.pki.trust import TrustStore
from idcard.verdict import Result
from tests.unit.test_sod import DEMO_DGS, TestCert, _key_usage, ec_key, make_ds, signed_sod

AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

_CSCA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Registry"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Passports"),
        x509.NameAttribute(NameOID.COMMON_NAME, "IR CSCA TEST"),
    ]
)


def _csca() -> TestCert:
    key = ec_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_CSCA_NAME)
        .issuer_name(_CSCA_NAME)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return TestCert(cert.public_bytes(Encoding.DER), key, cert)


@pytest.fixture(scope="module")
def pki() -> tuple[TestCert, TestCert]:
    csca = _csca()
    return csca, make_ds(csca, serial=0x5EED)


def _with_sid(sod_bytes: bytes, issuer: asn1_x509.Name, serial: int, *, extra: bytes = b"") -> bytes:
    """The same SOD (same signature) with another sid, optionally one more certificate."""
    info = cms.ContentInfo.load(_body(sod_bytes))
    signed = info["content"]
    signed["signer_infos"][0]["sid"] = cms.SignerIdentifier(
        name="issuer_and_serial_number", value={"issuer": issuer, "serial_number": serial}
    )
    if extra:
        certs = list(signed["certificates"])
        certs.append(cms.CertificateChoices(name="certificate", value=asn1_x509.Certificate.load(extra)))
        signed["certificates"] = certs
    return _tlv77(info.dump(force=True))


def _body(sod_bytes: bytes) -> bytes:
    length = sod_bytes[1]
    offset = 2 if length < 0x80 else 2 + (length & 0x7F)
    return sod_bytes[offset:]


def _tlv77(body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return b"\x77" + bytes([n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\x77" + bytes([0x80 | len(size)]) + size + body


def _reordered(name: x509.Name) -> asn1_x509.Name:
    rdns = asn1_x509.Name.load(name.public_bytes()).chosen
    reordered = [asn1_x509.RelativeDistinguishedName.load(rdn.dump()) for rdn in reversed(list(rdns))]
    return asn1_x509.Name(name="", value=asn1_x509.RDNSequence(reordered))


def _other_name() -> asn1_x509.Name:
    return asn1_x509.Name.build({"country_name": "IR", "common_name": "Somebody Else"})


def _verify(sod_bytes: bytes, csca: TestCert):
    return passive_authentication(sod_bytes, DEMO_DGS, TrustStore([csca.der]), at=AT)


def test_issuer_rdns_in_another_order_still_name_the_signer(pki) -> None:
    csca, ds = pki
    data = _with_sid(signed_sod(ds), _reordered(ds.cert.issuer), ds.cert.serial_number)
    signer = Sod.parse(data).signer_infos[0]
    assert signer.sid_issuer_der != asn1_x509.Name.load(ds.cert.issuer.public_bytes()).dump()
    # Matched by the RDN set, not by the lone-certificate rule:
    assert find_certificate(signer, [ds.der], embedded=False) == ds.der
    verdict = _verify(data, csca)
    assert verdict.get("sod.signature").result is Result.PASSED
    assert verdict.verified, verdict.to_json()


def test_reordered_issuer_with_another_serial_fails(pki) -> None:
    csca, ds = pki
    data = _with_sid(signed_sod(ds), _reordered(ds.cert.issuer), ds.cert.serial_number + 1)
    signer = Sod.parse(data).signer_infos[0]
    assert find_certificate(signer, [ds.der], embedded=True) is None
    verdict = _verify(data, csca)
    assert verdict.get("sod.signature").result is Result.FAILED
    assert not verdict.verified


def test_exact_issuer_with_another_serial_fails(pki) -> None:
    """Name text alone never names the signer."""
    csca, ds = pki
    issuer = asn1_x509.Name.load(ds.cert.issuer.public_bytes())
    data = _with_sid(signed_sod(ds), issuer, ds.cert.serial_number + 1)
    assert _verify(data, csca).get("sod.signature").result is Result.FAILED


def test_reordered_issuer_picks_the_signer_among_several_certificates(pki) -> None:
    csca, ds = pki
    # The CSCA certificate rides along; only the DS has the sid's serial.
    data = _with_sid(
        signed_sod(ds), _reordered(ds.cert.issuer), ds.cert.serial_number, extra=csca.der
    )
    sod = Sod.parse(data)
    assert len(sod.certificates) == 2
    assert sod.ds_certificate == ds.der
    assert _verify(data, csca).verified


def test_other_issuer_name_matches_only_the_single_embedded_certificate(pki) -> None:
    csca, ds = pki
    data = _with_sid(signed_sod(ds), _other_name(), ds.cert.serial_number)
    signer = Sod.parse(data).signer_infos[0]
    assert find_certificate(signer, [ds.der], embedded=False) is None
    assert find_certificate(signer, [ds.der], embedded=True) == ds.der
    assert _verify(data, csca).verified
    # With two embedded certificates the serial alone is not enough.
    two = _with_sid(signed_sod(ds), _other_name(), ds.cert.serial_number, extra=csca.der)
    assert Sod.parse(two).ds_certificate is None
    assert _verify(two, csca).get("sod.signature").result is Result.FAILED


def test_sid_match_never_skips_the_signature(pki) -> None:
    """A certificate the sid names by serial but whose key did not sign still fails."""
    csca, ds = pki
    impostor = make_ds(csca, serial=ds.cert.serial_number)
    data = _with_sid(signed_sod(impostor), _other_name(), ds.cert.serial_number)
    sod = Sod.parse(data)
    assert sod.ds_certificate == impostor.der
    # Swap in the genuine DS certificate: the serial matches, the signature does not.
    info = cms.ContentInfo.load(_body(data))
    info["content"]["certificates"] = [
        cms.CertificateChoices(name="certificate", value=asn1_x509.Certificate.load(ds.der))
    ]
    swapped = _tlv77(info.dump(force=True))
    assert _verify(swapped, csca).get("sod.signature").result is Result.FAILED
