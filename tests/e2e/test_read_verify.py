"""Reading and verifying the card: the demo citizen verifies, every evil card is caught.

Over the in-process emulator, real pcscd + vpcd and nfcpy's udp radio alike.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.document import read_document
from idcard.pki.trust import TrustStore
from idcard.session import PIN, IdCard
from idcard.verdict import Result
from mock_card.testpki import test_pki

ALL = pytest.mark.parametrize("mock_card_reader", ["inprocess", "vpcd", "nfc-udp"], indirect=True)


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])


def read(reader_name: str, trust: TrustStore, **kw: object):  # noqa: ANN201
    with IdCard.open(reader_name) as card:
        card.unlock(PIN, "123456")
        return read_document(card, trust, **kw)


def result(document, code: str) -> Result:  # noqa: ANN001
    check = document.verdict.get(code)
    assert check is not None, f"{code} missing from {[c.code for c in document.verdict.checks]}"
    return check.result


@ALL
def test_demo_citizen_verifies(mock_card_reader, trust) -> None:
    doc = read(mock_card_reader.name, trust)
    assert doc.verdict.verified, doc.verdict.to_json()
    ident = doc.identity.to_json()
    assert ident["nationalCode"] == "0012345679"
    assert ident["familyName"] == {"fa": "رضایی", "latin": "REZAEI"}
    assert ident["givenName"] == {"fa": "سارا", "latin": "SARA"}
    assert ident["birthDate"] == "1990-08-03" and ident["birthDateSolarHijri"] == "1369-05-12"
    for code in ("sod.signature", "csca.chain", "ds.validity", "chip.chip_auth", "chip.active_auth",
                 "sod.hash.dg1", "sod.hash.dg2", "sod.hash.dg11", "sod.hash.dg15",
                 "national_code.check_digit", "document.expired", "mrz.check_digits"):
        assert result(doc, code) is Result.PASSED, code
    assert doc.face is not None and doc.face.to_pillow().size == (480, 640)


EVIL = {
    "tampered-dg": "sod.hash.dg11",
    "unknown-ds": "csca.chain",
    "expired-ds": "ds.validity",
    "cloned": "chip.chip_auth",
    "cloned-hidden-com": "chip.chip_auth",
    "bad-national-code": "national_code.check_digit",
}


@ALL
@pytest.mark.parametrize("mock_card_options", [{"variant": v} for v in EVIL], ids=list(EVIL))
def test_evil_cards_are_caught(mock_card_reader, mock_card_options, trust) -> None:
    variant = mock_card_options["variant"]
    doc = read(mock_card_reader.name, trust, photo=False)
    assert not doc.verdict.verified
    assert result(doc, EVIL[variant]) is Result.FAILED, doc.verdict.to_json()
    if variant.startswith("cloned"):
        # EF.COM is unsigned: the SOD's DG list decides, so AA runs (and fails) even when COM hides DG15.
        assert result(doc, "chip.active_auth") is Result.FAILED


def test_untrusted_without_anchor(mock_card_factory) -> None:
    from reader.emulated import EmulatedTransport

    with IdCard(EmulatedTransport(mock_card_factory())) as card:
        card.unlock(PIN, "123456")
        doc = read_document(card, None, photo=False)
    assert result(doc, "csca.chain") is Result.UNTRUSTED
    assert not doc.verdict.verified and not doc.verdict.failures


def test_expired_document_at_a_later_time(mock_card_factory, trust) -> None:
    from reader.emulated import EmulatedTransport

    with IdCard(EmulatedTransport(mock_card_factory())) as card:
        card.unlock(PIN, "123456")
        doc = read_document(card, trust, photo=False, at=dt.datetime(2037, 1, 1, tzinfo=dt.UTC))
    assert result(doc, "document.expired") is Result.FAILED
