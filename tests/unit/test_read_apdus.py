"""The full read at its APDU minimum, and Chip Authentication proved by AA's answer.

No EF.COM, one SELECT, SFI-addressed first blocks, the card's largest
responses, and no confirming SELECT after CA when INTERNAL AUTHENTICATE can
carry the proof — each still failing a chip that does not hold its keys.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from bench.apdus import explain, full_read
from idcard.document import read_document
from idcard.pki.trust import TrustStore
from idcard.session import PIN, IdCard
from idcard.verdict import Result
from mock_card.pytest_plugin import make_card
from mock_card.testpki import test_pki
from reader.emulated import EmulatedTransport


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])


@pytest.mark.parametrize("extended", [True, False], ids=["extended", "short"])
def test_full_read_is_at_its_lower_bound(extended: bool) -> None:
    transcript = full_read(extended)
    assert transcript.verified
    assert len(transcript.lines) == transcript.minimum
    if extended:
        assert len(transcript.lines) == 22
    headers = [line.header for line in transcript.lines]
    assert sum(h.startswith("0C A4") for h in headers) == 1, "one SELECT, right after PACE"
    assert not any(h.startswith("0C B0 9E") for h in headers), "EF.COM is not read"
    firsts = [line for line in transcript.lines if "first block" in line.reason]
    assert [line.header[6:8] for line in firsts] == ["9C", "9D", "81", "82", "8B", "8C", "8E", "8F"]
    assert transcript.lines[-1].header.startswith("0C 88"), "AA goes last, under the CA keys"


class _RefusingAa(EmulatedTransport):
    """A chip that counts INTERNAL AUTHENTICATE but answers 6985 without a MAC."""

    def transmit(self, apdu: bytes) -> bytes:
        answer = super().transmit(apdu)
        return b"\x69\x85" if apdu[1] == 0x88 else answer


def test_refused_aa_falls_back_to_a_select_for_ca(trust: TrustStore) -> None:
    card = make_card()
    with IdCard(_RefusingAa(card)) as session:
        session.unlock(PIN, "123456")
        document = read_document(session, trust, photo=False)
    verdict = document.verdict
    assert verdict.get("chip.active_auth").result is Result.FAILED
    assert verdict.get("chip.active_auth").details["sw"] == "6985"
    assert verdict.get("chip.chip_auth").result is Result.PASSED
    reasons = [line.reason for line in explain([(e.command, e.response) for e in card.transcript])]
    assert reasons[-1] == "SELECT again: confirms the Chip Authentication keys"
    assert not verdict.verified


def test_clone_fails_ca_through_aa_answer(trust: TrustStore) -> None:
    card = make_card(variant="cloned")
    with IdCard(EmulatedTransport(card)) as session:
        session.unlock(PIN, "123456")
        document = read_document(session, trust, photo=False)
    verdict = document.verdict
    ca = verdict.get("chip.chip_auth")
    assert (ca.result, ca.details["error"]) == (Result.FAILED, "sm.mac")
    assert verdict.get("chip.active_auth").result is Result.FAILED
    assert not verdict.verified
    assert card.transcript[-1].command[1] == 0x88, "no SELECT after the failed answer"
