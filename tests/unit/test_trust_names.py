"""Store lookups by name key (issue 10): fast, and still RFC 5280 §7.1-tolerant."""

from __future__ import annotations

import datetime as dt
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from idcard.apdu.tlv import parse_single
from idcard.pki.trust import CSCA, CertificateInfo, TrustStore, name_key
from tests.vectors import VECTORS


def _name(cn: str, kind: _ASN1Type) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn, _type=kind),
        ]
    )


def _key_of(name: x509.Name) -> object:
    return name_key(parse_single(name.public_bytes(), 0x30))


def test_name_key_folds_case_space_and_string_type() -> None:
    printable = _key_of(_name("CSCA  Test", _ASN1Type.PrintableString))
    assert printable == _key_of(_name("csca test", _ASN1Type.UTF8String))
    assert printable != _key_of(_name("CSCA Test 2", _ASN1Type.PrintableString))


def test_issuer_found_when_its_name_is_encoded_differently() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    when = (dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2035, 1, 1, tzinfo=dt.UTC))
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("CSCA Test", _ASN1Type.PrintableString))
        .issuer_name(_name("CSCA Test", _ASN1Type.PrintableString))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(when[0])
        .not_valid_after(when[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    # No AKI: only the (differently encoded) name leads to the issuer.
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("DS", _ASN1Type.UTF8String))
        .issuer_name(_name("csca test", _ASN1Type.UTF8String))
        .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        .serial_number(2)
        .not_valid_before(when[0])
        .not_valid_after(when[1])
        .sign(key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    store = TrustStore([ca.public_bytes(der)], role=CSCA)
    found = store.issuer_candidates(CertificateInfo.from_der(leaf.public_bytes(der)))
    assert [c.der for c in found] == [ca.public_bytes(der)]
    assert store.with_subject(CertificateInfo.from_der(leaf.public_bytes(der)).issuer)


def test_master_list_loads_fast_and_parses_lazily() -> None:
    data = (VECTORS / "trust" / "DE_masterlist_2026-05-28.ml").read_bytes()
    TrustStore().import_master_list(data)  # warm-up
    t0 = time.process_time()
    store = TrustStore()
    result = store.import_master_list(data)
    cpu_ms = (time.process_time() - t0) * 1000
    assert result.loaded == 588 and result.signer_verified
    # The goal is 100 ms (bench/trust.py measures it); a test only guards the order of size.
    assert cpu_ms < 250, cpu_ms
    # Entries are parsed on first use, and then completely.
    first = store.certificates[0]
    assert "_fields" not in vars(first)
    assert first.subject_dn and first.not_after > first.not_before
