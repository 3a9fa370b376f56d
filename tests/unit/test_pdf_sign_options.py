"""What decides PAdES vs detached CMS, where the signed file goes, and --field parsing."""

from __future__ import annotations

import pytest

from idcard.errors import UsageError
from idcard.pdf.sign import VisibleField
from idcard.pdf.stamp import stamp_text
from idcard.signing import is_pdf, pdf_output_path


def test_is_pdf_needs_header_and_eof() -> None:
    assert is_pdf(b"%PDF-1.7\n...\n%%EOF\n")
    assert is_pdf(b"junk before\n%PDF-1.4\n" + b"x" * 5000 + b"%%EOF")
    assert not is_pdf(b"%PDF-1.7\nno end marker\n")
    assert not is_pdf(b"x" * 1100 + b"%PDF-1.7\n%%EOF")  # header beyond the first 1024 bytes
    assert not is_pdf(b"")


def test_output_path() -> None:
    assert pdf_output_path("dir/contract.pdf") == "dir/contract-signed.pdf"
    assert pdf_output_path("scan.PDF") == "scan-signed.PDF"
    assert pdf_output_path("noext") == "noext-signed.pdf"


def test_field_spec() -> None:
    assert VisibleField.parse("") == VisibleField()
    assert VisibleField.parse("2") == VisibleField(page=2)
    assert VisibleField.parse("-1:10,20,210,90") == VisibleField(page=-1, box=(10, 20, 210, 90))
    for bad in ("0", "a:1,2,3,4", "1:1,2,3", "1:5,5,1,10", "1:1,9,5,2"):
        with pytest.raises(UsageError):
            VisibleField.parse(bad)


def test_stamp_text_has_no_digits_and_escapes_percent() -> None:
    text = stamp_text("سارا  رضایی")
    assert text.splitlines()[1] == "سارا رضایی"
    assert not any(c.isdigit() for c in text)
    assert stamp_text("100% x").endswith("100%% x")
