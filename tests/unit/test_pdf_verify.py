"""idcard.pdf.verify and idcard.pdf.assurance: every check can fail, levels read from real CA certificates.

Signatures here are made with software keys through pyHanko (the card path is
tests/e2e/test_pdf_sign.py); what is under test is the verdict mapping.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from asn1crypto import keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

import idcard.pdf  # noqa: F401
from idcard.pdf.assurance import assurance_level, certificate_level
from idcard.pdf.verify import verify_pdf
from tests.pdf_support import Issued, blank_pdf, issue
from tests.vectors import VECTORS

IRAN_PKI = VECTORS / "iran-pki"
GOLD = "2.16.364.101.1.1.3"


def _load(path: Path) -> asn1_x509.Certificate:
    data = path.read_bytes()
    if asn1_pem.detect(data):
        _, _, data = asn1_pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("GeneralGovernmentalIntermediateBronzeCA-G3.pem", 1),
        ("GeneralGovernmentalIntermediateSilverCA-G3-L2.pem", 2),
        ("GeneralGovernmentalIntermediateGoldCA-G3-L3.pem", 3),
        ("GeneralGovernmentalIntermediatePlatinumCA-G3.pem", 4),
        # 2.16.364.101.1.3.1 is another arc of the same PKI: no level.
        ("GovernmentalGeneralIntermediateCA.pem", None),
        ("IslamicRepublicofIranRootCA-G3.pem", None),
    ],
)
def test_levels_of_the_real_iranian_cas(name: str, level: int | None) -> None:
    path = IRAN_PKI / name
    if not path.exists():
        pytest.skip(f"vector {path} not present")
    assert certificate_level(_load(path)) == level


def test_path_level_is_the_nearest_asserting_ca() -> None:
    root = issue("ROOT", ca=True)
    gold = issue("GOLD", root, ca=True, policy=GOLD)
    bronze = issue("BRONZE", gold, ca=True, policy="2.16.364.101.1.1.1")
    leaf = issue("LEAF", bronze)
    path = [asn1_x509.Certificate.load(c.der) for c in (leaf, bronze, gold, root)]
    assert assurance_level(path) == 1
    assert assurance_level(path[2:]) == 3
    assert assurance_level([path[0], path[3]]) is None
    odd = issue("ODD", root, ca=True, policy="2.16.364.101.1.1.9")  # not a level
    assert certificate_level(asn1_x509.Certificate.load(odd.der)) is None


def _software_sign(data: bytes, signer: Issued, chain: list[Issued], field: str = "Sig1") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = keys.PrivateKeyInfo.load(
        signer.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    simple = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(signer.der),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(c.der) for c in chain]),
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
        signers.PdfSignatureMetadata(field_name=field),
        signer=simple,
        output=out,
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def gold_chain() -> tuple[Issued, Issued, Issued]:
    root = issue("TEST ROOT", ca=True)
    gold = issue("TEST GOLD CA", root, ca=True, policy=GOLD)
    leaf = issue("TEST SIGNER", gold, non_repudiation=True)
    return root, gold, leaf


@pytest.fixture
def signed(tmp_path: Path, gold_chain: tuple[Issued, Issued, Issued]) -> bytes:
    _, gold, leaf = gold_chain
    return _software_sign(blank_pdf(tmp_path / "a.pdf").read_bytes(), leaf, [gold])


def _results(report) -> dict[str, str]:  # noqa: ANN001
    return {c.code: c.result.value for c in report.verdict.checks}


def test_assurance_level_reported(signed: bytes, gold_chain: tuple[Issued, Issued, Issued]) -> None:
    report = verify_pdf(signed, [gold_chain[0].der])
    assert report.status == "verified", report.to_json()
    assert _results(report)["pdf.assurance"] == "passed"
    assert report.signatures[0].level == 3
    assert report.to_json()["signatures"][0]["assuranceName"] == "Gold"


def test_signer_expired_at_validation_time_fails(signed: bytes, gold_chain: tuple[Issued, Issued, Issued]) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=20 * 365)
    report = verify_pdf(signed, [gold_chain[0].der], at=later)
    assert report.status == "failed" and _results(report)["pdf.chain"] == "failed"


def test_incremental_updates_allowed_only_when_asked(
    tmp_path: Path, signed: bytes, gold_chain: tuple[Issued, Issued, Issued]
) -> None:
    root, gold, leaf = gold_chain
    # A second signature appended later: form filling after the first signature.
    twice = _software_sign(signed, leaf, [gold], field="Sig2")
    strict = verify_pdf(twice, [root.der])
    assert strict.status == "failed"
    first = [c for c in strict.verdict.checks if c.code == "pdf.modifications" and c.details["field"] == "Sig1"]
    assert first[0].result.value == "failed" and first[0].details["level"] == "form_filling"
    relaxed = verify_pdf(twice, [root.der], allow_incremental=True)
    assert relaxed.status == "verified", relaxed.to_json()


def test_content_changed_in_an_incremental_update_fails_even_when_allowed(
    signed: bytes, gold_chain: tuple[Issued, Issued, Issued]
) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    page = writer.root["/Pages"]["/Kids"][0]
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (PAY 1000000) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), [gold_chain[0].der], allow_incremental=True)
    assert report.status == "failed"
    assert _results(report)["pdf.modifications"] == "failed"
    assert _results(report)["pdf.integrity"] == "passed"  # the signed revision itself is intact


def test_garbage_and_unsigned_are_failed_verdicts(tmp_path: Path, gold_chain: tuple[Issued, Issued, Issued]) -> None:
    assert _results(verify_pdf(b"not a pdf", [gold_chain[0].der])) == {"pdf.parse": "failed"}
    plain = blank_pdf(tmp_path / "p.pdf").read_bytes()
    assert _results(verify_pdf(plain, [gold_chain[0].der])) == {"pdf.signatures": "failed"}
