"""`idcard sign` as a user runs it, checked by real `openssl cms -verify`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import idcard, mock_card

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")

#: A document with what text-mode signing would mangle: CRLF, NUL, bytes that are not UTF-8.
DOCUMENT = b"%PDF-1.7\r\nqarardad \xd9\x82\xd8\xb1\xd8\xa7\xd8\xb1\xd8\xaf\xd8\xa7\xd8\xaf\r\n\x00\xff\xfe end\n"


def create_card(path: Path, *args: str) -> Path:
    result = mock_card("create", "--out", str(path), *args)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    return create_card(tmp_path / "card.json")


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    """NID root + citizen CA in one PEM file, from `mock-card pki`."""
    anchors = tmp_path / "anchors"
    result = mock_card("pki", "--out", str(anchors))
    assert result.returncode == 0, result.stderr
    bundle = tmp_path / "nid-ca.pem"
    bundle.write_bytes((anchors / "nid-root.pem").read_bytes() + (anchors / "nid-citizen-ca.pem").read_bytes())
    return bundle


def openssl_verify(content: Path, signature: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-content", str(content), "-inform", "DER",
         "-in", str(signature), "-CAfile", str(ca), "-out", "/dev/null"],
        capture_output=True, text=True, timeout=30,
    )


def test_sign_then_openssl_verifies(tmp_path: Path, card_file: Path, ca_file: Path) -> None:
    document = tmp_path / "contract.pdf"
    document.write_bytes(DOCUMENT)
    result = idcard(
        "sign", str(document), "--reader", f"emulator:{card_file}", "--can-stdin", "--pin-stdin", "--json",
        stdin="12345\n123456\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    signature = tmp_path / "contract.pdf.p7s"
    data = json.loads(result.stdout)["signature"]
    assert data["file"] == str(signature)
    assert data["bytes"] == signature.stat().st_size
    assert data["signer"] == "REZAEI,SARA,0012345679"
    assert data["serialNumber"] == "PNOIR-0012345679"
    assert document.read_bytes() == DOCUMENT  # the signed file is left alone
    assert result.stderr == ""

    verified = openssl_verify(document, signature, ca_file)
    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr

    # One flipped bit anywhere in the document: openssl must refuse.
    for position in (0, len(DOCUMENT) // 2, len(DOCUMENT) - 1):
        tampered = tmp_path / f"tampered-{position}.pdf"
        changed = bytearray(DOCUMENT)
        changed[position] ^= 0x01
        tampered.write_bytes(bytes(changed))
        failed = openssl_verify(tampered, signature, ca_file)
        assert failed.returncode != 0, position
        assert "Verification failure" in failed.stderr

    # Signed by the card's signing certificate, which only the NID CA chain vouches for.
    other_ca = tmp_path / "root-only.pem"
    other_ca.write_bytes((tmp_path / "anchors" / "csca.pem").read_bytes())
    assert openssl_verify(document, signature, other_ca).returncode != 0


def test_sign_with_out_and_text_output(tmp_path: Path, card_file: Path, ca_file: Path) -> None:
    document = tmp_path / "note.txt"
    document.write_bytes(b"hello\n")
    out = tmp_path / "sigs" / "note.p7s"
    out.parent.mkdir()
    result = idcard(
        "sign", str(document), "--out", str(out), "--reader", f"emulator:{card_file}", "--pin-stdin",
        stdin="12345\n123456\n",
    )
    assert result.returncode == 0, result.stderr
    assert "REZAEI,SARA,0012345679" in result.stdout and str(out) in result.stdout
    assert not (tmp_path / "note.txt.p7s").exists()
    assert openssl_verify(document, out, ca_file).returncode == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["note.p7s"]  # no temporary left


def test_wrong_pin2_exits_4_and_writes_nothing(tmp_path: Path, card_file: Path) -> None:
    document = tmp_path / "doc.bin"
    document.write_bytes(DOCUMENT)
    reader = f"emulator:{card_file}"
    wrong = idcard("sign", str(document), "--reader", reader, "--can-stdin", "--pin-stdin", "--json", stdin="54321\n123456\n")
    assert wrong.returncode == 4
    error = json.loads(wrong.stdout)["error"]
    assert error["code"] == "pin2.wrong" and error["triesLeft"] == 2
    assert "54321" not in wrong.stdout + wrong.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "doc.bin"]
    # The counter lives on the card.
    status = idcard("pin", "status", "--reader", reader, "--can-stdin", "--json", stdin="123456\n")
    assert json.loads(status.stdout)["signaturePin"] == {"triesLeft": 2, "state": "ok"}

    # A failed signature leaves an earlier .p7s as it was.
    earlier = tmp_path / "doc.bin.p7s"
    earlier.write_bytes(b"earlier signature")
    again = idcard("sign", str(document), "--reader", reader, "--pin-stdin", "--json", stdin="54321\n123456\n")
    assert again.returncode == 4 and json.loads(again.stdout)["error"]["triesLeft"] == 1
    assert earlier.read_bytes() == b"earlier signature"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "doc.bin", "doc.bin.p7s"]


def test_sign_usage_and_card_errors(tmp_path: Path, card_file: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_bytes(b"x")
    reader = f"emulator:{card_file}"
    # Missing PIN2 line: a usage error, nothing written.
    short = idcard("sign", str(document), "--reader", reader, "--can-stdin", stdin="123456\n")
    assert short.returncode == 2 and "Traceback" not in short.stderr
    missing = idcard("sign", str(tmp_path / "nope.txt"), "--reader", reader, "--pin-stdin", stdin="12345\n123456\n")
    assert missing.returncode == 2
    same = idcard("sign", str(document), "--out", str(document), "--reader", reader, "--pin-stdin", stdin="12345\n123456\n")
    assert same.returncode == 2 and document.read_bytes() == b"x"
    wrong_can = idcard("sign", str(document), "--reader", reader, "--pin-stdin", "--json", stdin="12345\n654321\n")
    # (Today a wrong CAN is reported as auth.password, exit 3; the point here: nothing is written.)
    assert wrong_can.returncode in (3, 4) and "error" in json.loads(wrong_can.stdout)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "doc.txt"]
    # The PIN2 counter was not touched by any of that.
    status = idcard("pin", "status", "--reader", reader, "--can-stdin", "--json", stdin="123456\n")
    assert json.loads(status.stdout)["signaturePin"]["triesLeft"] == 3


def test_untrusted_citizen_ca_card_signature_is_refused(tmp_path: Path, ca_file: Path) -> None:
    card = create_card(tmp_path / "rogue.json", "--variant", "untrusted-citizen-ca")
    document = tmp_path / "doc.txt"
    document.write_bytes(b"pay 1000 rials\n")
    result = idcard("sign", str(document), "--reader", f"emulator:{card}", "--pin-stdin", stdin="12345\n123456\n")
    assert result.returncode == 0, result.stderr  # the card signs; the verifier must not trust it
    verified = openssl_verify(document, tmp_path / "doc.txt.p7s", ca_file)
    assert verified.returncode != 0
