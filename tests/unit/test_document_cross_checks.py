"""`idcard read` cross-checks: DG1 required, DG11 = DG1, DG1's MRZ = the MRZ that opened the card."""

from __future__ import annotations

import dataclasses

import pytest

from idcard.document import read_document
from idcard.session import MRZ, PIN, IdCard
from idcard.verdict import Result
from mock_card.card import EmulatedCard
from mock_card.personalize import DEMO_CITIZEN, personalize
from mock_card.testpki import test_pki
from reader.emulated import EmulatedTransport


@pytest.fixture(scope="module")
def trust():
    from cryptography.hazmat.primitives.serialization import Encoding

    from idcard.pki.trust import TrustStore

    return TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])


def _read(variant: str, trust, *, ref: str = PIN, secret: str = "123456"):
    with IdCard(EmulatedTransport(EmulatedCard(personalize(variant=variant)))) as card:
        card.unlock(ref, secret)
        return read_document(card, trust, photo=False)


def _result(doc, code: str) -> Result | None:
    check = doc.verdict.get(code)
    return check.result if check else None


def test_genuine_card_cross_checks_pass(trust) -> None:
    doc = _read("genuine", trust, ref=MRZ, secret=DEMO_CITIZEN.mrz_information)
    assert doc.verdict.verified, doc.verdict.to_json()
    for code in ("dg11.national_code", "dg11.birth_date", "dg1.unlock_mrz"):
        assert _result(doc, code) is Result.PASSED, code


def test_missing_dg1_fails(trust) -> None:
    doc = _read("no-dg1", trust)
    assert _result(doc, "dg1.present") is Result.FAILED
    assert not doc.verdict.verified and doc.identity is None


def test_dg11_of_another_person_fails_both_checks(trust) -> None:
    doc = _read("dg11-other-person", trust)
    assert _result(doc, "dg11.national_code") is Result.FAILED
    assert _result(doc, "dg11.birth_date") is Result.FAILED
    assert not doc.verdict.verified


def test_dg1_not_the_unlocking_mrz_fails(trust) -> None:
    other = dataclasses.replace(DEMO_CITIZEN, document_number="B98765432").mrz_information
    doc = _read("mrz-other-person", trust, ref=MRZ, secret=other)
    assert _result(doc, "dg1.unlock_mrz") is Result.FAILED
    assert not doc.verdict.verified


def test_pin_unlock_has_no_mrz_check(trust) -> None:
    doc = _read("genuine", trust)
    assert _result(doc, "dg1.unlock_mrz") is None and doc.verdict.verified
