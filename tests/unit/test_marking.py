"""Verdicts resting on the TEST PKI are marked TEST (idcard.marking); real anchors are not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from idcard.marking import json_rests_on_test_anchors, names_test_anchor, rests_on_test_anchors
from idcard.verdict import Verdict

ROOT = Path(__file__).resolve().parents[2]


def _verdict(csca: str, result: str = "passed") -> Verdict:
    verdict = Verdict()
    getattr(verdict, result)("csca.chain", "chain", csca=csca)
    return verdict


def test_only_a_passed_chain_through_a_test_anchor_is_marked() -> None:
    assert names_test_anchor("CN=IR CSCA TEST,C=IR") and names_test_anchor("CN=IR NID ROOT TEST")
    assert not names_test_anchor("CN=Contest Authority") and not names_test_anchor("CN=TESTING CA")
    assert rests_on_test_anchors(_verdict("CN=IR CSCA TEST,C=IR"))
    assert not rests_on_test_anchors(_verdict("CN=Iran CSCA,C=IR"))
    assert not rests_on_test_anchors(_verdict("CN=IR CSCA TEST,C=IR", "failed"))  # no verdict rests on it
    stored = _verdict("CN=IR CSCA TEST,C=IR").to_json()
    assert json_rests_on_test_anchors(stored)
    assert not json_rests_on_test_anchors(_verdict("CN=Iran CSCA").to_json())
    assert not json_rests_on_test_anchors({"checks": ["garbage", {"code": "csca.chain"}]})


def test_the_demo_command_says_test_in_text_and_json() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    text = subprocess.run([sys.executable, "-m", "idcard.cli", "demo"], capture_output=True, text=True,
                          env=env, timeout=60, cwd=ROOT)
    assert "Verdict:       VERIFIED (TEST)" in text.stdout and "national registry" in text.stdout
    raw = subprocess.run([sys.executable, "-m", "idcard.cli", "demo", "--json"], capture_output=True,
                         text=True, env=env, timeout=60, cwd=ROOT)
    assert json.loads(raw.stdout)["testCertificates"] is True


def test_a_real_card_familys_chain_to_a_test_root_is_marked() -> None:
    from idcard.marking import rests_on_test_anchors
    from idcard.verdict import Check, Result, Verdict

    def verdict(anchor: str, result: Result = Result.PASSED) -> Verdict:
        v = Verdict()
        v.checks.append(Check("certificate.chain", result, "chain", {"anchor": anchor, "assuranceLevel": None}))
        return v

    assert rests_on_test_anchors(verdict("C=IR, O=Iran Government, CN=TEST IRAN Root CA1"))
    assert not rests_on_test_anchors(verdict("C=IR, O=Iran Government, CN=IRAN Root CA1"))
    assert not rests_on_test_anchors(verdict("CN=TEST IRAN Root CA1", Result.FAILED))
