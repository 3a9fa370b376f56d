"""Verdicts that rest on TEST certificates (the demo/test PKI) are marked TEST wherever shown.

The test PKI's anchors name themselves TEST (IR CSCA TEST, IR NID ROOT TEST,
IR NID CITIZEN CA TEST). A verdict whose chain checks passed through such an
anchor proves only that the demo works: every receipt, screen, PDF and
command output that shows it must say TEST, so nobody mistakes it for a
verification against the national registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from idcard.verdict import Check, Result, Verdict

#: Chain checks and the detail that names the anchor they ended at.
_ANCHOR_DETAILS = {
    "csca.chain": ("csca",),
    "cert.chain": ("anchor", "root", "ca", "issuer"),
    "certificate.chain": ("anchor",),  # a real card family's signing certificate (idcard.cards)
}
_TEST_WORD = re.compile(r"(?<![A-Za-z])TEST(?![A-Za-z])")

TEST_LABEL = "TEST"
TEST_NOTICE = "TEST certificates (demo): not a verification against the national registry."


def names_test_anchor(name: str) -> bool:
    """Whether a certificate name (DN or CN) is one of the TEST PKI's."""
    return bool(_TEST_WORD.search(name))


def _anchor_names(code: str, result: str, details: Mapping[str, Any]) -> list[str]:
    if result != Result.PASSED.value:
        return []
    return [str(details[key]) for key in _ANCHOR_DETAILS.get(code, ()) if details.get(key)]


def anchors_marked_test(checks: Iterable[Check]) -> list[str]:
    """The TEST anchors the passed chain checks ended at (empty for a real verification)."""
    names = [n for c in checks for n in _anchor_names(c.code, c.result.value, c.details)]
    return [n for n in dict.fromkeys(names) if names_test_anchor(n)]


def rests_on_test_anchors(verdict: Verdict) -> bool:
    return bool(anchors_marked_test(verdict.checks))


def json_rests_on_test_anchors(verdict: Mapping[str, Any]) -> bool:
    """The same, for a verdict as stored (`Verdict.to_json()`, e.g. in a desk record)."""
    for check in verdict.get("checks") or []:
        if not isinstance(check, Mapping):
            continue
        details = check.get("details") if isinstance(check.get("details"), Mapping) else {}
        names = _anchor_names(str(check.get("code")), str(check.get("result")), details or {})
        if any(names_test_anchor(n) for n in names):
            return True
    return False
