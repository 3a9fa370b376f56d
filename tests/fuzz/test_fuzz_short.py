"""A short run of the fuzz campaign (bench/fuzz) in `make test`: every family, seeded, < 30 s.

Fails on any unhandled (untyped) exception and on any input slower than 1 s.
The long campaign and its table: `make fuzz`, docs/fuzz.md.
"""

from __future__ import annotations

import pytest

from bench.fuzz.engine import SLOW_SECONDS, Mutator, run_mutator
from bench.fuzz.targets import FAMILIES

#: Inputs per family: the slow families (image decoding, 900 KB master list) get fewer.
INPUTS = {"dg2": 200, "master_list": 400, "sod": 2000, "certificate": 2000, "crl": 2000, "token_json": 1500}
DEFAULT_INPUTS = 5000


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_short_fuzz_run(name: str) -> None:
    family = FAMILIES[name]
    seeds = family.seeds()
    assert seeds, f"{name} has no seeds (is ../shared/vectors there?)"
    stats = run_mutator(name, family.target, seeds, INPUTS.get(name, DEFAULT_INPUTS), seed=20261129)
    crashes = "\n".join(f"{c.site}: {c.message} (input {c.input_hex[:200]})" for c in stats.crashes.values())
    assert not stats.crashes, crashes
    assert stats.slow_count == 0, f"{stats.slow_count} inputs slower than {SLOW_SECONDS} s"
    assert stats.inputs >= len(seeds) + INPUTS.get(name, DEFAULT_INPUTS)


def test_mutator_is_reproducible() -> None:
    a, b = Mutator([b"\x61\x05\x5f\x1f\x02AB"], 7), Mutator([b"\x61\x05\x5f\x1f\x02AB"], 7)
    assert [a.next() for _ in range(50)] == [b.next() for _ in range(50)]


def test_an_untyped_escape_is_recorded_as_a_crash() -> None:
    def target(data: bytes) -> None:
        if data[:1] == b"\x00":
            raise IndexError("boom")

    stats = run_mutator("probe", target, [b"\x00\x01", b"\x01\x02"], 20, seed=1)
    assert len(stats.crashes) == 1
    (crash,) = stats.crashes.values()
    assert crash.site.startswith("IndexError at ") and crash.count >= 1
