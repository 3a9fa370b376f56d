"""Issue 14's hostile-card suite: every evil behaviour in mock_card.hostile through `idcard read`.

Each behaviour names the check code that must not pass (or the typed error
code raised); whatever happens, the verdict is never "verified", nothing
escapes untyped and nothing takes long.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.pki.trust import TrustStore
from idcard.verdict import Result
from mock_card.hostile import CATALOGUE, Behaviour, play
from mock_card.testpki import test_pki
from reader.errors import CodedError

#: A behaviour's read may not cost more than this (bounded work on hostile data).
MAX_SECONDS = 2.0


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])


def test_catalogue_has_at_least_100_distinct_behaviours() -> None:
    names = [b.name for b in CATALOGUE]
    assert len(set(names)) == len(names) >= 100
    whys = [b.why for b in CATALOGUE]
    assert all(why.strip() for why in whys) and len(set(whys)) == len(whys)
    # Not only the per-step MAC flips: the other behaviours alone are over 100.
    assert sum(not b.name.startswith("wrong-mac-step-") for b in CATALOGUE) >= 100


def test_the_harness_verifies_a_genuine_card(trust) -> None:
    outcome = play(Behaviour("genuine", "control", "none"), trust)
    assert outcome.error is None, outcome.error
    assert outcome.document.verdict.verified, outcome.document.verdict.to_json()


@pytest.mark.parametrize("behaviour", CATALOGUE, ids=lambda b: b.name)
def test_hostile_card_is_caught(behaviour: Behaviour, trust) -> None:
    outcome = play(behaviour, trust)
    assert outcome.seconds < MAX_SECONDS, f"{behaviour.name} took {outcome.seconds:.2f} s"
    if outcome.error is not None:
        assert isinstance(outcome.error, CodedError), f"untyped: {outcome.error!r}"
        assert outcome.code == behaviour.expect, outcome.error
        return
    verdict = outcome.document.verdict
    assert not verdict.verified, verdict.to_json()
    check = verdict.get(behaviour.expect)
    assert check is not None, (behaviour.expect, verdict.to_json())
    assert check.result is not Result.PASSED, check
