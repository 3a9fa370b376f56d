"""One family in its own process (so its peak memory is its own): `python -m bench.fuzz.worker`.

Writes its statistics as JSON to --stats every 1000 inputs and at the end:
atheris (libFuzzer) ends the process itself when its run count is reached.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

#: Address-space cap: a decompression bomb raises MemoryError (a finding) instead of
#: taking the shared machine down.
MEMORY_LIMIT = 3 << 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", required=True)
    parser.add_argument("--inputs", type=int, required=True)
    parser.add_argument("--engine", choices=("mutator", "atheris"), default="mutator")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=None)
    parser.add_argument("--stats", required=True)
    args = parser.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    stats_path = Path(args.stats)
    if args.engine == "atheris":
        return _atheris(args, stats_path)

    from bench.fuzz.engine import run_mutator, write_stats
    from bench.fuzz.targets import FAMILIES

    family = FAMILIES[args.family]
    stats = run_mutator(
        family.name,
        family.target,
        family.seeds(),
        args.inputs,
        seed=args.seed,
        max_seconds=args.max_seconds,
        progress=lambda s: write_stats(s, stats_path),
    )
    write_stats(stats, stats_path)
    return 0


def _atheris(args: argparse.Namespace, stats_path: Path) -> int:
    import atheris

    from bench.fuzz.engine import Recorder, write_stats

    with atheris.instrument_imports(include=["idcard", "reader"]):
        from bench.fuzz.targets import FAMILIES

        family = FAMILIES[args.family]
        seeds = family.seeds()
        for s in seeds:  # imports the parsers under instrumentation
            try:
                family.target(s)
            except Exception:  # noqa: BLE001, S110 - only warming up
                pass
    recorder = Recorder(family.name, "atheris", family.target)

    def one_input(data: bytes) -> None:
        recorder(data)
        if recorder.stats.inputs % 1000 == 0:
            write_stats(recorder.stats, stats_path)

    corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-{family.name}-"))
    for index, s in enumerate(seeds):
        (corpus / f"seed{index}").write_bytes(s)
    # libFuzzer ends the process itself (runs or time used up): the stats on disk are
    # at most 999 inputs behind. Its artifacts go to the scratch corpus, not the cwd.
    options = [f"-runs={args.inputs}", f"-seed={args.seed or 1}", "-rss_limit_mb=3072", "-max_len=65536",
               f"-artifact_prefix={corpus}/"]
    if args.max_seconds:
        options.append(f"-max_total_time={max(1, int(args.max_seconds))}")
    atheris.Setup([sys.argv[0], *options, str(corpus)], one_input)
    try:
        atheris.Fuzz()
    finally:
        write_stats(recorder.stats, stats_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
