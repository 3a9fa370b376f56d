"""Card-access benchmark: PACE-PIN + reading a 20 KB file under secure messaging.

Measured against the emulator, in one run, extended length vs short APDUs:
APDUs and bytes on the wire (exact, what a real card would see) and host
time (our own cost). The per-APDU air time of a real card (card-profile.md:
5–30 ms) is added as an estimate so the ratio shows what the user feels.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from idcard.session import PIN, IdCard
from mock_card.pytest_plugin import make_card
from mock_card.testing.readers import TRANSPORTS, TransportUnavailable, serve_card

AIR_MS_PER_APDU = 15.0  # mid-range of card-profile.md's 5–30 ms


@dataclass
class Row:
    name: str
    apdus: int
    sent: int
    received: int
    host_ms: float

    @property
    def card_ms(self) -> float:
        return self.host_ms + self.apdus * AIR_MS_PER_APDU


Sample = tuple[int, int, int, float]  # APDUs, bytes sent, bytes received, ms


def pace_and_read(extended: bool, transport: str) -> Callable[[], Sample]:
    def run() -> Sample:
        card = make_card(extended_length=extended)
        card.record_transcript = False
        with serve_card(card, transport) as name:
            # Only the card session is timed: bringing a reader up is not the user's wait.
            t0 = time.perf_counter()
            with IdCard.open(name) as session:
                session.unlock(PIN, "123456")
                data = session.read_dg(2)
                assert len(data) > 20_000
                s = session.stats
            return s.apdus, s.bytes_sent, s.bytes_received, (time.perf_counter() - t0) * 1000

    return run


def full_read(extended: bool, transport: str) -> Callable[[], Sample]:
    """`idcard read` with photo: PACE-PIN, SOD, DG1/2/11/12/14/15, CA, AA (proving CA), verification."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from idcard.document import read_document
    from idcard.pki.trust import TrustStore
    from mock_card.testpki import test_pki

    trust = TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])

    def run() -> Sample:
        card = make_card(extended_length=extended)
        card.record_transcript = False
        with serve_card(card, transport) as name:
            t0 = time.perf_counter()
            with IdCard.open(name) as session:
                session.unlock(PIN, "123456")
                document = read_document(session, trust)
                assert document.verdict.verified
                s = session.stats
            return s.apdus, s.bytes_sent, s.bytes_received, (time.perf_counter() - t0) * 1000

    return run


def passive_auth_table(repeat: int) -> None:
    """Passive authentication of one document against the real 588-certificate master list."""
    import datetime as dt
    from pathlib import Path

    from idcard.lds.sod import Sod
    from idcard.pki.passive import passive_authentication
    from idcard.pki.trust import CertificateInfo, TrustStore

    vectors = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
    folder = vectors / "lds" / "loes2006"
    master_list = vectors / "trust" / "DE_masterlist_2026-05-28.ml"
    if not master_list.exists():
        print("skipped passive authentication: ../shared/vectors not found", file=sys.stderr)
        return
    t0 = time.perf_counter()
    trust = TrustStore()
    trust.load_path(master_list)
    load_ms = (time.perf_counter() - t0) * 1000
    sod = (folder / "ef011D.bin").read_bytes()
    dgs = {1: (folder / "ef0101.bin").read_bytes(), 2: (folder / "ef0102.bin").read_bytes(),
           15: (folder / "ef010F.bin").read_bytes()}
    ds = CertificateInfo.from_der(Sod.parse(sod).ds_certificate)
    at = ds.not_before + dt.timedelta(days=1)
    rounds = max(repeat * 20, 50)
    t0 = time.perf_counter()
    for _ in range(rounds):
        verdict = passive_authentication(sod, dgs, trust, at=at)
    per_ms = (time.perf_counter() - t0) * 1000 / rounds
    assert verdict.get("sod.signature").result.value == "passed"
    print()
    print(f"{'passive authentication (loes2006: SOD + DG1 + DG2 + DG15)':60} {'ms/doc':>8} {'docs/s':>8}")
    print("-" * 78)
    print(f"{'load DE master list (588 CSCAs, once)':60} {load_ms:8.1f} {'':>8}")
    print(f"{'SOD signature + 3 DG hashes + chain lookup in 588 anchors':60} {per_ms:8.2f} {1000 / per_ms:8.0f}")


def measure(name: str, op: Callable[[], Sample], repeat: int) -> Row:
    op()  # warm-up (imports, curve tables)
    samples = [op() for _ in range(repeat)]
    apdus, sent, received, _ = samples[-1]
    return Row(name, apdus, sent, received, statistics.median(s[3] for s in samples))


def print_table(rows: list[Row], base: Row) -> None:
    head = f"{'operation':56} {'APDUs':>6} {'sent B':>8} {'recv B':>8} {'host ms':>8} {'est. card ms':>12} {'vs base':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r.card_ms / base.card_ms
        print(
            f"{r.name:56} {r.apdus:6d} {r.sent:8d} {r.received:8d} {r.host_ms:8.1f} {r.card_ms:12.0f} {ratio:7.2f}x"
        )
    print(f"(est. card ms = host ms + APDUs x {AIR_MS_PER_APDU:.0f} ms air time per APDU)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--transports", default=",".join(TRANSPORTS), help="comma-separated")
    args = parser.parse_args(argv)
    for title, operation in (("PACE-PIN + read DG2 (face)", pace_and_read), ("full read + verify", full_read)):
        rows = []
        for transport in args.transports.split(","):
            for extended in (True, False):
                label = f"{title}, {transport}, {'extended' if extended else 'short only'}"
                try:
                    rows.append(measure(label, operation(extended, transport), args.repeat))
                except TransportUnavailable as exc:
                    print(f"skipped {transport}: {exc}", file=sys.stderr)
                    break
        print_table(rows, rows[0])
        print()
    passive_auth_table(args.repeat)
    from bench.tokens import handoff_table, token_table

    print()
    token_table()
    print()
    handoff_table(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
