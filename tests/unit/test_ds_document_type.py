"""A document signer that lists its document types (ICAO 9303-12 DocumentTypeList) vouches
only for those: an "ID" card signed by a passport-only signer fails `ds.document_type`."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.document import DocumentFiles, verify_files
from idcard.lds.sod import sign_sod
from idcard.pki.doctype import OID_DOCUMENT_TYPE_LIST, DocumentTypeList, document_type_check
from idcard.pki.trust import TrustStore
from idcard.verdict import Result
from mock_card.filesystem import dg_fid
from mock_card.personalize import personalize
from mock_card.testpki import test_pki

NOW = dt.datetime.now(dt.UTC)


def _ds(types: list[str] | None, *, raw: bytes | None = None) -> bytes:
    """The test DS key certified again by the test CSCA, with the given DocumentTypeList."""
    pki = test_pki()
    builder = (
        x509.CertificateBuilder()
        .subject_name(pki.ds_cert.subject)
        .issuer_name(pki.csca_cert.subject)
        .public_key(pki.ds_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(pki.ds_cert.extensions.get_extension_for_class(x509.KeyUsage).value, critical=True)
    )
    if types is not None or raw is not None:
        value = raw if raw is not None else DocumentTypeList({"version": 0, "doc_type_list": types}).dump()
        builder = builder.add_extension(x509.UnrecognizedExtension(OID_DOCUMENT_TYPE_LIST, value), critical=False)
    return builder.sign(pki.csca_key, hashes.SHA384()).public_bytes(Encoding.DER)


@pytest.mark.parametrize(
    ("types", "code", "expected"),
    [
        (["ID"], "ID", Result.PASSED),
        (["P"], "ID", Result.FAILED),
        (["I"], "ID", Result.PASSED),  # a one-letter type covers the codes that start with it
        (["P", "ID"], "ID", Result.PASSED),
        (None, "ID", Result.NOT_PERFORMED),
    ],
)
def test_document_type_check(types: list[str] | None, code: str, expected: Result) -> None:
    assert document_type_check(_ds(types), code).result is expected


def test_a_malformed_list_fails() -> None:
    check = document_type_check(_ds(None, raw=b"\x30\x03\x02\x01"), "ID")
    assert check.result is Result.FAILED and "malformed" in check.reason


def _files(ds_der: bytes) -> DocumentFiles:
    pki = test_pki()
    lds = personalize().files["lds"]
    dgs = {n: lds[dg_fid(n)] for n in (1, 2, 11, 12) if dg_fid(n) in lds}
    hashes_ = {n: hashlib.sha256(data).digest() for n, data in dgs.items()}
    return DocumentFiles(sign_sod(hashes_, "sha256", ds_der, pki.ds_key), dgs)


def test_a_passport_only_signer_cannot_vouch_for_an_id_card() -> None:
    trust = TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])
    good = verify_files(_files(_ds(["ID"])), trust).verdict
    bad = verify_files(_files(_ds(["P"])), trust).verdict
    assert good.get("ds.document_type").result is Result.PASSED
    assert bad.get("ds.document_type").result is Result.FAILED
    assert not bad.verified
