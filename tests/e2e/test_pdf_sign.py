"""`idcard sign` on a PDF and `idcard verify-pdf`, checked by pyHanko's validator and poppler's pdfsig."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from mock_card.testpki import test_pki
from tests.e2e.test_cli import idcard, mock_card
from tests.pdf_support import blank_pdf, crl, tsa_server

pytestmark = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="needs pdfsig (poppler-utils)")

SECRETS = "12345\n123456\n"  # PIN2, then CAN (cli.md)


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    path = tmp_path / "card.json"
    assert mock_card("create", "--out", str(path)).returncode == 0
    return path


@pytest.fixture
def anchors(tmp_path: Path) -> Path:
    out = tmp_path / "anchors"
    assert mock_card("pki", "--out", str(out)).returncode == 0
    return out


def sign(card_file: Path, pdf: Path, *extra: str, stdin: str = SECRETS) -> subprocess.CompletedProcess[str]:
    return idcard("sign", str(pdf), "--reader", f"emulator:{card_file}", "--can-stdin", "--json", *extra, stdin=stdin)


def verify(pdf: Path, *extra: str) -> tuple[int, dict]:
    result = idcard("verify-pdf", str(pdf), "--json", *extra)
    assert result.returncode != 2, result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)


def checks(report: dict) -> dict[str, str]:
    return {c["code"]: c["result"] for c in report["checks"]}


def pdfsig(pdf: Path) -> str:
    return subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, timeout=30).stdout


def pyhanko_status(pdf: Path, anchors: Path):  # noqa: ANN201
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    import idcard.pdf  # noqa: F401

    root = x509.Certificate.load(test_pki().root_cert.public_bytes(Encoding.DER))
    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()), strict=False)
    (embedded,) = reader.embedded_signatures
    return validate_pdf_signature(embedded, ValidationContext(trust_roots=[root], allow_fetching=False))


def flip(source: Path, target: Path, position: int) -> Path:
    data = bytearray(source.read_bytes())
    data[position] ^= 0x01
    target.write_bytes(bytes(data))
    return target


def test_signed_pdf_is_accepted_by_pyhanko_pdfsig_and_verify_pdf(tmp_path: Path, card_file: Path, anchors: Path) -> None:
    pdf = blank_pdf(tmp_path / "contract.pdf")
    original = pdf.read_bytes()
    result = sign(card_file, pdf, "--chain", str(anchors / "nid-citizen-ca.pem"))
    assert result.returncode == 0, result.stdout + result.stderr
    signed = tmp_path / "contract-signed.pdf"
    info = json.loads(result.stdout)["signature"]
    assert info["file"] == str(signed) and info["level"] == "B-B" and info["format"] == "pades-b-b"
    assert info["signer"] == "REZAEI,SARA,0012345679"
    assert pdf.read_bytes() == original  # the original is left alone
    assert signed.read_bytes().startswith(original)  # an incremental update of it
    assert not (tmp_path / "contract.pdf.p7s").exists()

    status = pyhanko_status(signed, anchors)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.md_algorithm == "sha384" and status.pkcs7_signature_mechanism == "sha384_ecdsa"
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["serial_number"] == "PNOIR-0012345679"

    poppler = pdfsig(signed)
    assert "Signature is Valid." in poppler and "Total document signed" in poppler
    assert "ETSI.CAdES.detached" in poppler and "REZAEI,SARA,0012345679" in poppler

    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"))
    assert code == 0 and report["status"] == "verified", report
    got = checks(report)
    assert got["pdf.integrity"] == got["pdf.chain"] == got["pdf.modifications"] == "passed"
    assert got["pdf.revocation"] == "not_performed"  # no revocation data anywhere
    assert report["signatures"][0]["signer"]["nationalCode"] == "0012345679"

    # A byte changed inside the signed range: pyHanko, pdfsig and verify-pdf all refuse it.
    tampered = flip(signed, tmp_path / "tampered.pdf", len(original) // 2)
    status = pyhanko_status(tampered, anchors)
    assert not status.intact and not status.bottom_line
    poppler = pdfsig(tampered)
    assert "Signature is Valid." not in poppler
    assert "Digest Mismatch" in poppler or "Invalid" in poppler
    code, report = verify(tampered, "--trust", str(anchors / "nid-root.pem"))
    assert code == 1 and report["status"] == "failed" and checks(report)["pdf.integrity"] == "failed"

    # Signed by an unknown chain: the CSCA is no anchor for citizen signatures.
    code, report = verify(signed, "--trust", str(anchors / "csca.pem"))
    assert code == 5 and report["status"] == "untrusted" and checks(report)["pdf.chain"] == "untrusted"


def test_visible_field_shows_the_persian_name(tmp_path: Path, card_file: Path, anchors: Path) -> None:
    pdf = blank_pdf(tmp_path / "form.pdf", pages=2)
    result = sign(card_file, pdf, "--field", "2:300,40,560,120", "--chain", str(anchors / "nid-citizen-ca.pem"))
    assert result.returncode == 0, result.stderr
    signed = tmp_path / "form-signed.pdf"
    assert "Signature is Valid." in pdfsig(signed)

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed.read_bytes()), strict=False)
    widget = reader.root["/AcroForm"]["/Fields"][0]
    assert [float(v) for v in widget["/Rect"]] == [300, 40, 560, 120]
    assert widget.raw_get("/P").idnum == reader.root["/Pages"]["/Kids"].raw_get(1).idnum  # on page 2
    appearance = widget["/AP"]["/N"]
    text = _actual_text(appearance)
    assert "سارا رضایی" in text  # the DG11 name, logical order, in /ActualText
    # Rendered, the box has ink (glyphs from the embedded Persian font), page 1 none.
    assert _ink(signed, page=2, box=(300, 40, 560, 120)) > 200
    assert _ink(signed, page=1, box=(300, 40, 560, 120)) == 0


def _actual_text(xobject) -> str:  # noqa: ANN001
    """The /ActualText strings of an appearance and the forms it draws, decoded."""
    import re

    found = []
    stack = [xobject]
    while stack:
        obj = stack.pop()
        data = obj.data.decode("latin-1")
        for literal in re.findall(r"/ActualText\s*\(((?:[^()\\]|\\.)*)\)", data, re.S):
            raw = re.sub(r"\\([0-7]{1,3}|.)", lambda m: chr(int(m[1], 8)) if m[1].isdigit() else m[1], literal, flags=re.S)
            found.append(raw.encode("latin-1").decode("utf-16"))
        for sub in obj.get("/Resources", {}).get("/XObject", {}).values():
            stack.append(sub.get_object())
    return " ".join(found)


def _ink(pdf: Path, *, page: int, box: tuple[int, int, int, int]) -> int:
    from PIL import Image

    out = pdf.parent / f"render-{page}"
    subprocess.run(["pdftoppm", "-r", "72", "-f", str(page), "-l", str(page), "-png", str(pdf), str(out)], check=True, timeout=30)
    image = Image.open(next(pdf.parent.glob(f"render-{page}*.png"))).convert("L")
    x1, y1, x2, y2 = box
    crop = image.crop((x1 + 3, 842 - y2 + 3, x2 - 3, 842 - y1 - 3))  # inside the border
    return sum(crop.histogram()[:128])


def test_tsa_gives_b_t_and_verify_pdf_checks_the_timestamp(tmp_path: Path, card_file: Path, anchors: Path) -> None:
    pdf = blank_pdf(tmp_path / "rx.pdf")
    with tsa_server() as (url, tsa_root):
        result = sign(card_file, pdf, "--tsa", url, "--chain", str(anchors / "nid-citizen-ca.pem"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["signature"]["level"] == "B-T"
    signed = tmp_path / "rx-signed.pdf"
    assert "Signature is Valid." in pdfsig(signed)
    tsa_pem = tsa_root.write_pem(tmp_path / "tsa-root.pem")

    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"), "--trust", str(tsa_pem))
    assert code == 0 and checks(report)["pdf.signing_time"] == "passed", report
    assert report["signatures"][0]["timestamped"] is True
    # The time-stamp's authority unknown: the signature itself still verifies, the time does not.
    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"))
    assert code == 5 and checks(report)["pdf.signing_time"] == "untrusted"


def test_tsa_down_writes_nothing(tmp_path: Path, card_file: Path) -> None:
    from tests.pdf_support import free_port

    pdf = blank_pdf(tmp_path / "a.pdf")
    result = sign(card_file, pdf, "--tsa", f"http://127.0.0.1:{free_port()}/tsa")
    assert result.returncode == 3, result.stdout
    assert json.loads(result.stdout)["error"]["code"] == "pdf.tsa"
    assert not (tmp_path / "a-signed.pdf").exists()


def _crls(tmp_path: Path, revoked_serial: int | None = None) -> list[str]:
    pki = test_pki()
    paths = []
    for name, cert, key, revoked in (
        ("root.crl", pki.root_cert, pki.root_key, ()),
        ("citizen.crl", pki.citizen_ca_cert, pki.citizen_ca_key, (revoked_serial,) if revoked_serial else ()),
    ):
        path = tmp_path / name
        path.write_bytes(crl(cert, key, revoked))
        paths.append(str(path))
    return paths


def test_ltv_embeds_chain_and_crls_and_validates_offline(tmp_path: Path, card_file: Path, anchors: Path) -> None:
    pdf = blank_pdf(tmp_path / "deed.pdf")
    crl_args = [arg for path in _crls(tmp_path) for arg in ("--crl", path)]
    result = sign(card_file, pdf, "--ltv", "--offline", "--trust", str(anchors / "nid-root.pem"),
                  "--trust", str(anchors / "nid-citizen-ca.pem"), *crl_args)
    assert result.returncode == 0, result.stdout + result.stderr
    signed = tmp_path / "deed-signed.pdf"
    assert "Signature is Valid." in pdfsig(signed)

    # Offline, only the file's own data: revocation is *required* for every certificate
    # on the path and there is no network and no --chain/--crl.
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    reader = PdfFileReader(io.BytesIO(signed.read_bytes()), strict=False)
    dss = DocumentSecurityStore.read_dss(reader)
    assert len(dss.crls) == 2 and len(list(dss.load_certs())) >= 2
    root = x509.Certificate.load(test_pki().root_cert.public_bytes(Encoding.DER))
    context = dss.as_validation_context({"trust_roots": [root], "allow_fetching": False, "revocation_mode": "require"})
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    assert status.bottom_line and status.modification_level.name == "LTA_UPDATES"

    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"))
    assert code == 0, report
    got = checks(report)
    assert got["pdf.revocation"] == "passed" and got["pdf.modifications"] == "passed"

    # Without the embedded data the same check under "require" has nothing to go on.
    bare = validate_pdf_signature(
        reader.embedded_signatures[0],
        __import__("pyhanko_certvalidator").ValidationContext(
            trust_roots=[root], allow_fetching=False, revocation_mode="require",
            other_certs=list(dss.load_certs()), crls=[], ocsps=[],
        ),
    )
    assert not bare.bottom_line


def test_ltv_without_crls_offline_fails_and_writes_nothing(tmp_path: Path, card_file: Path, anchors: Path) -> None:
    pdf = blank_pdf(tmp_path / "deed.pdf")
    result = sign(card_file, pdf, "--ltv", "--offline", "--trust", str(anchors / "nid-root.pem"),
                  "--trust", str(anchors / "nid-citizen-ca.pem"))
    assert result.returncode != 0
    assert not (tmp_path / "deed-signed.pdf").exists()
    usage = sign(card_file, pdf, "--ltv")
    assert usage.returncode == 2 and json.loads(usage.stdout)["error"]["code"] == "usage"


def test_revoked_signing_certificate_fails(tmp_path: Path, card_file: Path, anchors: Path) -> None:
    from asn1crypto import x509

    pdf = blank_pdf(tmp_path / "x.pdf")
    assert sign(card_file, pdf, "--chain", str(anchors / "nid-citizen-ca.pem")).returncode == 0
    signed = tmp_path / "x-signed.pdf"
    from pyhanko.pdf_utils.reader import PdfFileReader

    import idcard.pdf  # noqa: F401

    reader = PdfFileReader(io.BytesIO(signed.read_bytes()), strict=False)
    serial = reader.embedded_signatures[0].signer_cert.serial_number
    assert isinstance(reader.embedded_signatures[0].signer_cert, x509.Certificate)
    good = [arg for path in _crls(tmp_path) for arg in ("--crl", path)]
    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"), *good)
    assert code == 0 and checks(report)["pdf.revocation"] == "passed"
    revoked = [arg for path in _crls(tmp_path, serial) for arg in ("--crl", path)]
    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"), *revoked)
    assert code == 1 and checks(report)["pdf.revocation"] == "failed", report


def test_wrong_pin2_spends_one_try_and_writes_nothing(tmp_path: Path, card_file: Path) -> None:
    pdf = blank_pdf(tmp_path / "c.pdf")
    wrong = sign(card_file, pdf, stdin="54321\n123456\n")
    assert wrong.returncode == 4
    error = json.loads(wrong.stdout)["error"]
    assert error["code"] == "pin2.wrong" and error["triesLeft"] == 2  # pyHanko's dry run spent none
    assert "54321" not in wrong.stdout + wrong.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf", "card.json"]


def test_not_a_pdf_keeps_detached_cms_and_broken_pdf_is_usage(tmp_path: Path, card_file: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_bytes(b"hello\n")
    result = sign(card_file, text)
    assert result.returncode == 0 and json.loads(result.stdout)["signature"]["format"] == "cms-detached"
    # Starts like a PDF but is none: signed as bytes, detached.
    looks = tmp_path / "looks.pdf"
    looks.write_bytes(b"%PDF-1.7\nnot really a pdf\n")
    result = sign(card_file, looks)
    assert result.returncode == 0 and json.loads(result.stdout)["signature"]["format"] == "cms-detached"
    # A PDF with a broken body: refused, nothing written, no PIN2 try spent.
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 9 0 R >>\n%%EOF\n")
    result = sign(card_file, broken)
    assert result.returncode == 2, result.stdout
    assert not (tmp_path / "broken-signed.pdf").exists()
    status = idcard("pin", "status", "--reader", f"emulator:{card_file}", "--can-stdin", "--json", stdin="123456\n")
    assert json.loads(status.stdout)["signaturePin"]["triesLeft"] == 3


def test_verify_pdf_on_unsigned_and_usage(tmp_path: Path, anchors: Path) -> None:
    pdf = blank_pdf(tmp_path / "plain.pdf")
    code, report = verify(pdf, "--trust", str(anchors / "nid-root.pem"))
    assert code == 1 and checks(report) == {"pdf.signatures": "failed"}
    assert idcard("verify-pdf", str(pdf)).returncode == 2  # no --trust
    assert idcard("verify-pdf", str(tmp_path / "missing.pdf"), "--trust", str(anchors / "nid-root.pem")).returncode == 2


@pytest.mark.parametrize("mock_card_reader", ["vpcd"], indirect=True)
def test_sign_pdf_over_pcscd_and_vpcd(tmp_path: Path, mock_card_reader, anchors: Path) -> None:  # noqa: ANN001
    """The same command against the emulated card behind a real pcscd (vsmartcard vpcd)."""
    assert mock_card_reader.name.startswith("pcsc:")
    pdf = blank_pdf(tmp_path / "lease.pdf")
    result = idcard("sign", str(pdf), "--reader", mock_card_reader.name, "--can-stdin", "--json",
                    "--field", "--chain", str(anchors / "nid-citizen-ca.pem"), stdin=SECRETS)
    assert result.returncode == 0, result.stdout + result.stderr
    signed = tmp_path / "lease-signed.pdf"
    assert "Signature is Valid." in pdfsig(signed)
    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"))
    assert code == 0, report


def test_b_lt_with_timestamp_validates_offline(tmp_path: Path, card_file: Path, anchors: Path) -> None:
    pdf = blank_pdf(tmp_path / "will.pdf")
    crl_args = [arg for path in _crls(tmp_path) for arg in ("--crl", path)]
    with tsa_server() as (url, tsa_root):
        tsa_pem = tsa_root.write_pem(tmp_path / "tsa-root.pem")
        (tmp_path / "tsa.crl").write_bytes(crl(tsa_root.cert, tsa_root.key))
        result = sign(card_file, pdf, "--tsa", url, "--ltv", "--offline", "--trust", str(anchors / "nid-root.pem"),
                      "--trust", str(anchors / "nid-citizen-ca.pem"), "--trust", str(tsa_pem),
                      *crl_args, "--crl", str(tmp_path / "tsa.crl"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["signature"]["level"] == "B-LT"
    signed = tmp_path / "will-signed.pdf"
    assert "Signature is Valid." in pdfsig(signed)
    # The TSA is gone; nothing but the file and the two roots.
    code, report = verify(signed, "--trust", str(anchors / "nid-root.pem"), "--trust", str(tsa_pem))
    assert code == 0, report
    got = checks(report)
    assert got["pdf.revocation"] == got["pdf.signing_time"] == "passed"
