"""The honest verdict of reading an emulated Mav4 card: each check can fail."""

from __future__ import annotations

import datetime as dt

from idcard.cards.identity import certificate_identity
from idcard.cards.mav import Mav4Driver
from idcard.cards.verdict import nid_verdict
from idcard.verdict import Check, Result
from mock_card.profiles.mav4 import Mav4Card, Mav4Personalisation
from reader.emulated import EmulatedTransport

NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


def _verdict(card: Mav4Card, *, ca_der: bytes | None = None, chain: Check | None = None) -> dict[str, str]:
    driver = Mav4Driver(EmulatedTransport(card))
    der = driver.read_signing_certificate()
    verdict = nid_verdict(
        driver.card_info(),
        certificate_identity(der),
        der,
        ca_der if ca_der is not None else driver.read_ca_certificate(),
        now=NOW,
        chain=chain,
    )
    out = {c.code: c.result.value for c in verdict.checks}
    out["verified"] = str(verdict.verified)
    return out


def test_genuine_card_without_registry_or_anchors_is_not_verified() -> None:
    checks = _verdict(Mav4Card())
    assert checks["certificate.issued_by_card_ca"] == "passed"
    assert checks["certificate.validity"] == "passed"
    assert checks["certificate.chip_binding"] == "passed"
    assert checks["certificate.chain"] == "not_performed"
    assert checks["chip.genuine"] == "not_performed"
    assert checks["verified"] == "False"


def test_a_passed_chain_without_chip_authentication_is_not_verified() -> None:
    chain = Check("certificate.chain", Result.PASSED, "test anchor")
    checks = _verdict(Mav4Card(), chain=chain)
    assert checks["verified"] == "False" and checks["chip.genuine"] == "not_performed"
    assert checks["certificate.chain"] == "passed"


def test_each_evil_variant_fails_its_check() -> None:
    assert _verdict(Mav4Card(Mav4Personalisation(certificate_number="5555566666")))[
        "certificate.chip_binding"
    ] == "failed"
    assert _verdict(Mav4Card(Mav4Personalisation(certificate_backdate_days=8 * 365)))[
        "certificate.validity"
    ] == "failed"
    other_ca = Mav4Card(Mav4Personalisation(lookalike_pki=True)).certificates.ca_der
    assert _verdict(Mav4Card(), ca_der=other_ca)["certificate.issued_by_card_ca"] == "failed"
