"""The pulled-card matrix (issue 9 item 8): every APDU of `idcard read` and `idcard token`
× {removed, garbage, wrong MAC, silence}.

A real in-process transport wrapper sits between the client and the
emulated card. At APDU k it lets the card process the command (so its state,
PIN counter included, changes as a real card's would) and then:

* removed  — pulls the card out of the reader: the answer is lost, every
  later APDU finds no card (CardRemovedError from the emulated reader);
* garbage  — replaces the answer by random bytes of the same length;
* wrong MAC — flips one bit where the answer's MAC is (third byte from the
  end: DO'8E' under secure messaging; the nearest byte for short answers);
* silence  — the card never answers (CardTimeoutError, as a reader's
  timeout reports it; the wait itself is the reader's job).

For each run: the result must be a typed error (a `CodedError` with a code)
or a verdict that is not verified; the run must end (no hang: each run has
a deadline); then a retry with the right PIN on a fresh connection to the
same card must succeed and verify, and the PIN counter read from the
emulator's state afterwards must be full (no try lost for good). A PACE
answer altered in flight can make the chip count a failed PIN before the
retry (PACE cannot tell a link error from a wrong PIN, issue 14 item 5);
those runs are counted separately as "counted then restored".

    python -m bench.pulled            # the whole matrix
    python -m bench.pulled --flow read --faults removed,silence
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from idcard.session import PIN, IdCard
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from reader.base import Transport
from reader.emulated import EmulatedTransport
from reader.errors import CardRemovedError, CardTimeoutError, CodedError

FAULTS = ("removed", "garbage", "wrong-mac", "silence")
FLOWS = ("read", "token")
RIGHT_PIN = "123456"
ORIGIN = "https://portal.example"
#: A run that has not ended after this long is a hang.
DEADLINE_SECONDS = 20.0


class FaultAt(Transport):
    """Passes APDUs to a real emulated card and injects one fault at APDU number `at` (1-based)."""

    name = "pulled"

    def __init__(self, inner: EmulatedTransport, at: int | None, fault: str, seed: int = 0) -> None:
        self.inner = inner
        self.at = at
        self.fault = fault
        self.count = 0
        self.rng = random.Random(seed)
        self.commands: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    def transmit(self, apdu: bytes) -> bytes:
        self.count += 1
        self.commands.append(bytes(apdu))
        answer = self.inner.transmit(apdu)  # the card did the work; only its answer is at risk
        if self.count != self.at:
            return answer
        if self.fault == "removed":
            self.inner.remove_card()
            raise CardRemovedError("The card was removed. Put it back to continue.")
        if self.fault == "silence":
            raise CardTimeoutError("The card stopped answering.")
        if self.fault == "garbage":
            return self.rng.randbytes(len(answer))
        if self.fault == "wrong-mac":
            flipped = bytearray(answer)
            flipped[max(len(flipped) - 3, 0)] ^= 0x01
            return bytes(flipped)
        raise ValueError(f"unknown fault {self.fault!r}")

    def card_present(self) -> bool:
        return self.inner.card_present()

    def close(self) -> None:
        self.inner.close()


@dataclass
class Context:
    """What both flows need and is costly to build once: trust anchors, a token verifier."""

    trust: object
    verifier: object

    @classmethod
    def make(cls) -> Context:
        from cryptography.hazmat.primitives.serialization import Encoding

        from idcard.pki.trust import TrustStore
        from idcard.portal import TokenVerifier
        from mock_card.testpki import test_pki

        pki = test_pki()
        csca = TrustStore([pki.csca_cert.public_bytes(Encoding.DER)])
        cas = TrustStore([pki.citizen_ca_cert.public_bytes(Encoding.DER)])
        return cls(csca, TokenVerifier(cas, csca=csca, require_evidence=True))


def _read(card: IdCard, ctx: Context) -> bool:
    """`idcard read`'s library path: PIN, then read and verify; True when verified."""
    from idcard.document import read_document

    card.unlock(PIN, RIGHT_PIN)
    return read_document(card, ctx.trust).verdict.verified  # type: ignore[arg-type]


def _token(card: IdCard, ctx: Context) -> bool:
    """`idcard token`'s library path, then a portal's verification; True when the token verifies."""
    from idcard.assertion.builder import build_token
    from idcard.portal.nonces import new_nonce

    nonce = new_nonce()
    card.unlock(PIN, RIGHT_PIN)
    token = build_token(card, ORIGIN, nonce, attributes=["photo"])
    try:
        ctx.verifier.verify(  # type: ignore[attr-defined]
            json.dumps(token), origin=ORIGIN, nonce=nonce, requested_attributes=["photo"]
        )
    except CodedError:
        return False
    return True


FLOW_FUNCTIONS: dict[str, Callable[[IdCard, Context], bool]] = {"read": _read, "token": _token}


@dataclass
class Run:
    flow: str
    apdu: int
    fault: str
    command: str  # INS of the faulted APDU, e.g. "B0"
    error_code: str | None = None
    untyped: str | None = None
    verified: bool = False
    hung: bool = False
    tries_after_fault: int = 3
    tries_after_retry: int = 3
    retry_verified: bool = False
    seconds: float = 0.0


def _with_deadline(fn: Callable[[], bool]) -> tuple[bool | None, BaseException | None, bool]:
    """(result, exception, hung): run `fn` in a thread so a hang is reported, not inherited."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(DEADLINE_SECONDS)
    if thread.is_alive():
        return None, None, True
    return box.get("result"), box.get("error"), False  # type: ignore[return-value]


def apdu_count(flow: str, ctx: Context) -> list[bytes]:
    """The commands of one undisturbed run of `flow` (what the matrix walks)."""
    card = EmulatedCard(personalize())
    transport = FaultAt(EmulatedTransport(card), None, "none")
    with IdCard(transport) as session:
        if not FLOW_FUNCTIONS[flow](session, ctx):
            raise RuntimeError(f"the undisturbed {flow} does not verify")
    return transport.commands


def run_one(flow: str, at: int, fault: str, ctx: Context, command: bytes = b"") -> Run:
    card = EmulatedCard(personalize())
    run = Run(flow, at, fault, f"{command[1]:02X}" if len(command) > 1 else "?")
    start = time.perf_counter()

    def faulted() -> bool:
        with IdCard(FaultAt(EmulatedTransport(card), at, fault, seed=at * 7 + len(fault))) as session:
            return FLOW_FUNCTIONS[flow](session, ctx)

    result, error, run.hung = _with_deadline(faulted)
    run.seconds = time.perf_counter() - start
    if run.hung:
        return run
    run.verified = bool(result)
    if error is not None:
        if isinstance(error, CodedError) and error.code:
            run.error_code = error.code
        else:
            run.untyped = f"{type(error).__name__}: {error}"[:200]
    run.tries_after_fault = card.rules.counters.pin_tries

    def retry() -> bool:
        with IdCard(EmulatedTransport(card)) as session:  # a fresh connection, same card
            return FLOW_FUNCTIONS[flow](session, ctx)

    retried, retry_error, hung = _with_deadline(retry)
    run.retry_verified = bool(retried) and retry_error is None and not hung
    run.tries_after_retry = card.rules.counters.pin_tries
    return run


def run_matrix(
    flows: Iterable[str] = FLOWS,
    faults: Iterable[str] = FAULTS,
    *,
    apdus: Callable[[int], bool] | None = None,
) -> list[Run]:
    """Every APDU of each flow × each fault (`apdus` picks a subset of APDU numbers)."""
    ctx = Context.make()
    runs: list[Run] = []
    faults = list(faults)
    for flow in flows:
        commands = apdu_count(flow, ctx)
        for index, command in enumerate(commands, start=1):
            if apdus is not None and not apdus(index):
                continue
            runs.extend(run_one(flow, index, fault, ctx, command) for fault in faults)
    return runs


@dataclass
class Summary:
    runs: int = 0
    typed: int = 0
    untyped: list[Run] = field(default_factory=list)
    verified: list[Run] = field(default_factory=list)
    hung: list[Run] = field(default_factory=list)
    tries_lost: list[Run] = field(default_factory=list)
    counted_then_restored: list[Run] = field(default_factory=list)
    retry_failed: list[Run] = field(default_factory=list)
    codes: dict[str, collections.Counter[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.untyped or self.verified or self.hung or self.tries_lost or self.retry_failed)

    def line(self) -> str:
        typed = "all typed" if not self.untyped else f"{len(self.untyped)} UNTYPED"
        text = f"{typed}, {len(self.verified)} verified, {len(self.tries_lost)} tries lost"
        extra = f"{len(self.hung)} hangs, {len(self.retry_failed)} failed retries"
        return f"{text} ({self.runs} runs; {extra})"


def summarize(runs: Sequence[Run]) -> Summary:
    s = Summary(runs=len(runs))
    for run in runs:
        if run.hung:
            s.hung.append(run)
            continue
        if run.untyped:
            s.untyped.append(run)
        elif run.error_code or not run.verified:
            s.typed += 1
        if run.verified:
            s.verified.append(run)
        if run.tries_after_retry < 3:
            s.tries_lost.append(run)
        elif run.tries_after_fault < 3:
            s.counted_then_restored.append(run)
        if not run.retry_verified:
            s.retry_failed.append(run)
        key = f"{run.flow}/{run.fault}"
        s.codes.setdefault(key, collections.Counter())[run.error_code or "verdict not verified"] += 1
    return s


def report(runs: Sequence[Run], out: object = sys.stdout) -> Summary:
    s = summarize(runs)
    write = out.write  # type: ignore[attr-defined]
    by_flow = collections.Counter(r.flow for r in runs)
    for flow, count in sorted(by_flow.items()):
        apdus = len({r.apdu for r in runs if r.flow == flow})
        write(f"{flow}: {apdus} APDUs x {count // max(apdus, 1)} faults = {count} runs\n")
    for key in sorted(s.codes):
        codes = ", ".join(f"{code} {n}" for code, n in s.codes[key].most_common())
        write(f"  {key:<18} {codes}\n")
    slowest = max((r.seconds for r in runs), default=0.0)
    write(f"slowest run {slowest:.2f} s (deadline {DEADLINE_SECONDS:.0f} s)\n")
    write(
        f"PIN tries counted by the chip and restored by the retry: {len(s.counted_then_restored)} runs "
        "(a PACE answer altered in flight; PACE cannot tell it from a wrong PIN)\n"
    )
    for label, bad in (
        ("UNTYPED", s.untyped), ("VERIFIED", s.verified), ("HUNG", s.hung),
        ("TRY LOST", s.tries_lost), ("RETRY FAILED", s.retry_failed),
    ):
        for run in bad[:10]:
            write(f"  {label}: {run.flow} APDU {run.apdu} ({run.command}) {run.fault}: {run.untyped or run.error_code}\n")
    write(s.line() + "\n")
    return s


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pulled", description=__doc__.splitlines()[0])
    parser.add_argument("--flow", choices=FLOWS, action="append", help="flows to run (default: both)")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated subset of {FAULTS}")
    args = parser.parse_args(argv)
    faults = [f for f in args.faults.split(",") if f]
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    summary = report(run_matrix(args.flow or FLOWS, faults))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
