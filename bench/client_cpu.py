"""The client's own CPU per full read + verify, and how much of it is PACE's EC arithmetic.

The emulator runs in the same thread (in-process reader), so the card's work
is measured separately — the thread CPU spent inside `transmit` — and taken
out: what is left is what `idcard read` costs the user's machine. The PACE
elliptic-curve part (`EcDomain` operations on the client side: ephemeral
keys, the mapping, key agreement) is summed apart.

python-ecdsa switches its field arithmetic to gmpy2 integers when gmpy2 is
importable; the same read in a child process with gmpy2 hidden shows what it
buys.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CpuRow:
    label: str
    client_ms: float
    pace_ec_ms: float
    card_ms: float
    gmpy2: bool


class _Meter:
    """Thread CPU inside the card (transmit) and inside client-side EC operations."""

    def __init__(self) -> None:
        self.in_card = 0
        self.card = 0.0
        self.ec = 0.0

    @contextmanager
    def patched(self) -> Iterator[None]:
        from idcard.protocol.pace import params
        from reader.emulated import EmulatedTransport

        saved: list[tuple[Any, str, Any]] = []

        def wrap(owner: Any, name: str, charge: Callable[[float], None], *, card: bool = False) -> None:
            original = getattr(owner, name)

            def timed(*args: Any, **kwargs: Any) -> Any:
                if self.in_card and not card:
                    return original(*args, **kwargs)
                t0 = time.thread_time()
                if card:
                    self.in_card += 1
                try:
                    return original(*args, **kwargs)
                finally:
                    if card:
                        self.in_card -= 1
                    charge(time.thread_time() - t0)

            saved.append((owner, name, original))
            setattr(owner, name, timed)

        def add_card(dt: float) -> None:
            self.card += dt

        def add_ec(dt: float) -> None:
            self.ec += dt

        wrap(EmulatedTransport, "transmit", add_card, card=True)
        for name in ("exp", "combine", "decode", "point"):
            wrap(params.EcDomain, name, add_ec)
        try:
            yield
        finally:
            for owner, name, original in reversed(saved):
                setattr(owner, name, original)


def measure(repeat: int = 5) -> dict[str, float | bool]:
    """Median client CPU (ms) of `repeat` full reads with photo, in this process."""
    import ecdsa.ellipticcurve
    from cryptography.hazmat.primitives.serialization import Encoding

    from idcard.document import read_document
    from idcard.pki.trust import TrustStore
    from idcard.session import PIN, IdCard
    from mock_card.pytest_plugin import make_card
    from mock_card.testpki import test_pki
    from reader.emulated import EmulatedTransport

    trust = TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])
    samples: list[tuple[float, float, float]] = []
    for attempt in range(repeat + 1):
        card = make_card()
        card.record_transcript = False
        meter = _Meter()
        with meter.patched():
            t0 = time.thread_time()
            with IdCard(EmulatedTransport(card)) as session:
                session.unlock(PIN, "123456")
                document = read_document(session, trust)
            total = time.thread_time() - t0
        assert document.verdict.verified
        if attempt:  # the first read pays for imports and curve tables
            samples.append(((total - meter.card) * 1000, meter.ec * 1000, meter.card * 1000))
    return {
        "client_ms": statistics.median(s[0] for s in samples),
        "pace_ec_ms": statistics.median(s[1] for s in samples),
        "card_ms": statistics.median(s[2] for s in samples),
        "gmpy2": bool(getattr(ecdsa.ellipticcurve, "GMPY", False)),
    }


def _child(hide_gmpy2: bool, repeat: int) -> dict[str, Any]:
    # gmpy2 is hidden from python-ecdsa only (it picks its integers at import);
    # other modules may still import gmpy2 afterwards.
    hide = (
        "import sys\nsys.modules['gmpy2'] = sys.modules['gmpy'] = None\n"
        "import ecdsa, ecdsa.ellipticcurve, ecdsa.numbertheory\n"
        "del sys.modules['gmpy2'], sys.modules['gmpy']\n"
    )
    code = (hide if hide_gmpy2 else "") + (
        f"import json\nfrom bench.client_cpu import measure\nprint(json.dumps(measure({repeat})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_rows(repeat: int = 5) -> list[CpuRow]:
    rows = []
    for hide, label in ((False, "idcard read (PACE-PIN, 6 DGs, CA, AA, verify)"),
                        (True, "the same, python-ecdsa without gmpy2")):
        result = _child(hide, repeat)
        rows.append(CpuRow(label, result["client_ms"], result["pace_ec_ms"], result["card_ms"], result["gmpy2"]))
    return rows


def cpu_table(repeat: int = 5) -> list[CpuRow]:
    rows = cpu_rows(repeat)
    print(f"{'client CPU per full read (in-process card, card work excluded)':62} {'client ms':>9} "
          f"{'EC ms':>10} {'gmpy2':>6}")
    print("-" * 92)
    for row in rows:
        print(f"{row.label:62} {row.client_ms:9.1f} {row.pace_ec_ms:10.1f} {'yes' if row.gmpy2 else 'no':>6}")
    print("(EC ms = the client's elliptic-curve arithmetic in python-ecdsa: PACE ephemeral keys, generic mapping, key agreement, and Chip Authentication's key agreement)")
    return rows


if __name__ == "__main__":
    cpu_table()
