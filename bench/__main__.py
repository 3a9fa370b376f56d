"""`make bench`: one run, one table per topic (issue 10), in a few minutes on 2 cores.

1. verifier efficiency — ms/token beside the bare-crypto limit (bench.verifier)
2. scale-out — N portal processes on one redis-server / SQLite file (bench.scaleout)
3. master list and passive authentication (bench.trust when present)
4. APDUs of a full read, each with its reason (bench.apdus)
5. client CPU per read (bench.client_cpu)
6. card access over every transport, and the browser hand-off (this module, bench.tokens)

`--write docs/bench.md` also stores the output there as Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from idcard.session import PIN, IdCard
from mock_card.pytest_plugin import make_card
from mock_card.testing.readers import TRANSPORTS, TransportUnavailable, serve_card

AIR_MS_PER_APDU = 15.0  # mid-range of card-profile.md's 5–30 ms

TOPICS = ("verifier", "scaleout", "trust", "apdus", "cpu", "transports")


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


def trust_table(repeat: int) -> None:
    """Master-list load and passive authentication: bench.trust (helper "pki") when present."""
    try:
        from bench import trust  # type: ignore[attr-defined]
    except ImportError:
        trust = None
    if trust is not None and hasattr(trust, "rows"):
        rows = trust.rows(repeat)
        if not rows:
            print("skipped master list: ../shared/vectors not found")
            return
        width = max(len(what) for what, _ in rows)
        print(f"{'master list and passive authentication':{width}}  result")
        print("-" * (width + 30))
        for what, result in rows:
            print(f"{what:{width}}  {result}")
        return
    passive_auth_table(repeat)


def passive_auth_table(repeat: int) -> None:
    """Passive authentication of one document against the real 588-certificate master list."""
    from idcard.lds.sod import Sod
    from idcard.pki.passive import passive_authentication
    from idcard.pki.trust import CertificateInfo, TrustStore

    vectors = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
    folder = vectors / "lds" / "loes2006"
    master_list = vectors / "trust" / "DE_masterlist_2026-05-28.ml"
    if not master_list.exists():
        print("skipped passive authentication: ../shared/vectors not found")
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
    assert verdict.get("sod.signature").result.value == "passed"  # type: ignore[union-attr]
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


def transport_tables(repeat: int, transports: list[str]) -> None:
    for title, operation in (("PACE-PIN + read DG2 (face)", pace_and_read), ("full read + verify", full_read)):
        rows = []
        for transport in transports:
            for extended in (True, False):
                label = f"{title}, {transport}, {'extended' if extended else 'short only'}"
                try:
                    rows.append(measure(label, operation(extended, transport), repeat))
                except TransportUnavailable as exc:
                    print(f"skipped {transport}: {exc}")
                    break
        if rows:
            print_table(rows, rows[0])
            print()
    from bench.tokens import handoff_table

    handoff_table(repeat)


def run_topics(topics: list[str], args: argparse.Namespace) -> list[str]:
    """Run each topic's table; the topics that raised."""
    from bench.apdus import apdu_tables
    from bench.client_cpu import cpu_table
    from bench.scaleout import scaleout_table
    from bench.verifier import efficiency_table

    steps: dict[str, Callable[[], object]] = {
        "verifier": lambda: efficiency_table(args.seconds),
        "scaleout": lambda: scaleout_table(args.logins),
        "trust": lambda: trust_table(args.repeat),
        "apdus": apdu_tables,
        "cpu": lambda: cpu_table(args.repeat),
        "transports": lambda: transport_tables(args.repeat, args.transports.split(",")),
    }
    failed = []
    for topic in topics:
        t0 = time.perf_counter()
        try:
            steps[topic]()
        except Exception as exc:  # noqa: BLE001 - one broken topic must not hide the others
            failed.append(topic)
            print(f"{topic} FAILED: {type(exc).__name__}: {exc}")
        print(f"[{topic}: {time.perf_counter() - t0:.0f} s]")
        print()
        sys.stdout.flush()
    return failed


class _Tee(io.TextIOBase):
    def __init__(self, *streams: io.TextIOBase) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


@contextlib.contextmanager
def _captured() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    original = sys.stdout
    sys.stdout = _Tee(original, buffer)  # type: ignore[assignment]
    try:
        yield buffer
    finally:
        sys.stdout = original


#: Measured at the start of issue 10's work (commit 4fc5a19) with the same bench code, for comparison.
BASELINE = """\
| measure (before issue 10's changes) | before | now: see the tables below |
|---|---|---|
| verifier, plain token: CPU ms / bare-crypto ms / efficiency | 1.064 / 0.285 / 27 % | verifier efficiency table |
| verifier, token + evidence, no photo | 3.140 / 0.584 / 19 % | |
| verifier, token + evidence + photo | 3.311 / 0.605 / 18 % | |
| APDUs of a full read + verify, extended / short | 23 / 127 (a SELECT after CA) | APDU tables |
| SQLite nonce store, durable: commits / fsyncs per login | 3 / 3 (issue: delete + insert apart) | 2 / 1 (only the use flushes) |
| Redis nonce store: round trips per login | 4 (MULTI pipeline, GET + HGETALL, script) | 3 (one script each) |
"""


def _load() -> str:
    """The 1-minute load average, or "?" where the platform has none."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def write_markdown(path: Path, output: str, argv: list[str], load: tuple[str, str]) -> None:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = (
        "# Benchmarks\n\n"
        f"Latest `make bench` output ({when}; {machine}; "
        f"`python -m bench {' '.join(argv)}`; load average {load[0]} at the start, {load[1]} at the end; "
        "the scale-out table's \"others\" column is how many cores other processes used meanwhile).\n"
        "Every figure is measured in this one run; ratios (efficiency, scale factor) compare numbers "
        "taken side by side, so they hold on other machines better than the absolute times. "
        "On a machine busy with other work the wall-clock rows (logins/s) drop; the CPU columns rise much less.\n\n"
        "What each table measures is in the docstring of its module: `bench/verifier.py`, "
        "`bench/scaleout.py`, `bench/trust.py`, `bench/apdus.py`, `bench/client_cpu.py`, "
        "`bench/__main__.py`. How to run the verifier on many processes and machines: "
        "[scale-out.md](scale-out.md).\n\n"
        + BASELINE
        + "\n```text\n" + output.rstrip() + "\n```\n"
    )
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per verifier measurement")
    parser.add_argument("--logins", type=int, default=600, help="logins per process in the scale-out")
    parser.add_argument("--transports", default=",".join(TRANSPORTS), help="comma-separated")
    parser.add_argument("--only", default=",".join(TOPICS), help=f"comma-separated of {', '.join(TOPICS)}")
    parser.add_argument("--write", type=Path, metavar="FILE.md", help="also store the output as Markdown")
    args = parser.parse_args(argv)
    topics = [t for t in args.only.split(",") if t]
    unknown = sorted(set(topics) - set(TOPICS))
    if unknown:
        parser.error(f"unknown topic(s): {', '.join(unknown)}")
    t0, load_before = time.perf_counter(), _load()
    with _captured() as output:
        failed = run_topics(topics, args)
        load_after = _load()
        print(f"[bench total: {time.perf_counter() - t0:.0f} s; load average {load_before} at the start, "
              f"{load_after} at the end, {os.cpu_count()} cores]")
    if args.write:
        write_markdown(args.write, output.getvalue(), argv, (load_before, load_after))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
