"""The pulled-card matrix (issue 9 item 8): every APDU of `idcard read` and `idcard token`
× {removed, garbage, wrong MAC, silence} gives a typed error, never a hang, never a verified
result, no PIN try lost, and a retry on a fresh connection succeeds. The whole matrix runs (~5 s).
"""

from __future__ import annotations

import io

import pytest

from bench.pulled import FAULTS, FLOWS, Context, FaultAt, apdu_count, report, run_matrix, run_one
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from reader.emulated import EmulatedTransport
from reader.errors import CardRemovedError


@pytest.fixture(scope="module")
def runs():
    return run_matrix()


def test_matrix_is_all_typed_never_verified_no_try_lost(runs) -> None:
    out = io.StringIO()
    summary = report(runs, out)
    assert summary.ok, out.getvalue()
    assert "all typed, 0 verified, 0 tries lost" in out.getvalue()
    assert summary.typed == summary.runs == len(runs)


def test_matrix_covers_every_apdu_of_both_flows(runs) -> None:
    ctx = Context.make()
    for flow in FLOWS:
        count = len(apdu_count(flow, ctx))
        assert count >= 15, flow  # PACE, SOD, DGs, AA (+ CA / the signature)
        faulted = {(r.apdu, r.fault) for r in runs if r.flow == flow}
        assert faulted == {(n, f) for n in range(1, count + 1) for f in FAULTS}


def test_removed_and_silence_keep_their_codes(runs) -> None:
    assert {r.error_code for r in runs if r.fault == "removed"} == {"card.removed"}
    assert {r.error_code for r in runs if r.fault == "silence"} == {"card.timeout"}


def test_a_flipped_pace_nonce_is_counted_by_the_chip_and_restored_by_the_retry() -> None:
    """The one case PACE cannot tell from a wrong PIN: the retry with the right PIN restores the counter."""
    ctx = Context.make()
    commands = apdu_count("read", ctx)
    first_ga = next(i for i, c in enumerate(commands, start=1) if c[1] == 0x86)
    run = run_one("read", first_ga, "wrong-mac", ctx, commands[first_ga - 1])
    assert run.error_code == "pin.wrong" and run.tries_after_fault == 2
    assert run.retry_verified and run.tries_after_retry == 3


def test_fault_transport_really_pulls_the_card() -> None:
    card = EmulatedCard(personalize())
    transport = FaultAt(EmulatedTransport(card), 1, "removed")
    with pytest.raises(CardRemovedError):
        transport.transmit(bytes.fromhex("00A4040C07A0000002471001"))
    assert not transport.card_present()
    with pytest.raises(CardRemovedError):
        transport.transmit(bytes.fromhex("00A4040C07A0000002471001"))
