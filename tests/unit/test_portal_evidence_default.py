"""`Portal` requires chip evidence unless told otherwise, and never downgrades silently.

An explicit `require_evidence=False` (on the portal and its verifier) accepts
a plain token; the result then says "evidence: not requested" in the verdict,
in `VerifiedIdentity.evidence_status` / its JSON, and on the demo page.
"""

from __future__ import annotations

import json

import pytest

from idcard.assertion import build_token
from idcard.errors import UsageError
from idcard.pki.trust import TrustStore
from idcard.portal import Portal, SqliteNonceStore, TokenVerifier
from idcard.verdict import Result
from mock_card.demo_portal import _identity_html
from tests.unit.test_portal_verifier import ORIGIN, anchors, open_card, refused

__all__ = ["anchors"]  # the fixture, re-used


def _portal(cas: TrustStore, csca: TrustStore | None, **portal_options: bool) -> Portal:
    lax = portal_options.get("require_evidence") is False
    verifier = TokenVerifier(cas, csca=csca, require_evidence=not lax)
    return Portal(verifier, SqliteNonceStore(), base_url=ORIGIN, **portal_options)


def _plain_token(portal: Portal, session: str = "s") -> str:
    request = portal.begin(session, [])
    return json.dumps(build_token(open_card(), ORIGIN, str(request["nonce"]), evidence=False))


def test_portal_defaults_to_requiring_evidence(anchors: tuple[TrustStore, TrustStore]) -> None:
    cas, csca = anchors
    portal = Portal(TokenVerifier(cas, csca=csca), SqliteNonceStore(), base_url=ORIGIN)
    assert portal.require_evidence is True
    error = refused("evidence.missing", lambda: portal.complete("s", _plain_token(portal), ORIGIN))
    assert error.verdict is not None and not error.verdict.verified


def test_a_lax_verifier_alone_does_not_turn_evidence_off(
    anchors: tuple[TrustStore, TrustStore],
) -> None:
    cas, csca = anchors
    lax = TokenVerifier(cas, csca=csca, require_evidence=False)
    with pytest.raises(UsageError, match="require_evidence=False"):
        Portal(lax, SqliteNonceStore(), base_url=ORIGIN)


def test_explicitly_optional_evidence_says_not_requested(
    anchors: tuple[TrustStore, TrustStore],
) -> None:
    cas, csca = anchors
    portal = _portal(cas, csca, require_evidence=False)
    identity = portal.complete("s", _plain_token(portal), ORIGIN)
    assert identity.evidence is False
    assert identity.evidence_status == "not_requested"
    check = identity.verdict.get("evidence")
    assert check is not None and check.result is Result.NOT_PERFORMED
    assert check.reason.startswith("evidence: not requested")
    assert check.details["status"] == "not_requested"
    as_json = identity.to_json()
    assert as_json["evidence"] is False and as_json["evidenceStatus"] == "not_requested"
    assert "chip evidence not requested" in _identity_html(identity)


def test_offered_evidence_without_cscas_is_ignored_and_says_so(
    anchors: tuple[TrustStore, TrustStore],
) -> None:
    cas, _ = anchors
    portal = _portal(cas, None, require_evidence=False)
    request = portal.begin("s", [])
    token = json.dumps(build_token(open_card(), ORIGIN, str(request["nonce"])))
    identity = portal.complete("s", token, ORIGIN)
    assert identity.evidence_status == "not_requested"
    check = identity.verdict.get("evidence")
    assert check is not None and "ignored, not verified" in check.reason


def test_evidence_when_required_is_verified(anchors: tuple[TrustStore, TrustStore]) -> None:
    cas, csca = anchors
    portal = _portal(cas, csca)
    request = portal.begin("s", [])
    token = json.dumps(build_token(open_card(), ORIGIN, str(request["nonce"])))
    identity = portal.complete("s", token, ORIGIN)
    assert identity.evidence is True
    assert identity.evidence_status == "verified"
    assert identity.to_json()["evidenceStatus"] == "verified"
    assert "chip evidence verified" in _identity_html(identity)
