"""The fuzz campaign (issue 9 item 8): `python -m bench.fuzz` / `make fuzz`.

One family at a time, each in its own process (one core: the machine is
shared), under the seeded mutator or atheris. Prints per family: inputs,
distinct crash sites, inputs slower than 1 s, the slowest input, peak
memory (the worker's max RSS); `--docs docs/fuzz.md` writes the table there.

    python -m bench.fuzz --inputs 1000000 --engine atheris --max-seconds 600
    python -m bench.fuzz --family dg2 --family sod --inputs 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.fuzz.engine import Stats
from bench.fuzz.targets import FAMILIES

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- fuzz-table:begin -->", "<!-- fuzz-table:end -->"


def run_family(name: str, inputs: int, engine: str, seed: int, max_seconds: float | None, work: Path) -> Stats:
    stats_path = work / f"{name}.json"
    command = [
        sys.executable, "-m", "bench.fuzz.worker", "--family", name, "--inputs", str(inputs),
        "--engine", engine, "--seed", str(seed), "--stats", str(stats_path),
    ]
    if max_seconds:
        command += ["--max-seconds", str(max_seconds)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    log = (work / f"{name}.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    if stats_path.exists():
        stats = Stats.from_json(json.loads(stats_path.read_text()))
    else:
        stats = Stats(name, engine)
    stats.peak_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    if process.returncode != 0:
        stats.exit_status = f"exit {process.returncode} (see {work / (name + '.log')})"
    return stats


def table(results: list[Stats]) -> str:
    lines = [
        "| family | engine | inputs | crash sites | slow (>1 s) | slowest | peak memory | inputs/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results:
        rate = s.inputs / s.seconds if s.seconds else 0.0
        note = "" if s.exit_status == "ok" else f" ({s.exit_status})"
        lines.append(
            f"| {s.family}{note} | {s.engine} | {s.inputs:,} | {len(s.crashes)} | {s.slow_count} | "
            f"{s.slowest:.3f} s | {s.peak_rss_mb or 0:.0f} MB | {rate:,.0f} |"
        )
    return "\n".join(lines)


def write_docs(path: Path, text: str) -> None:
    doc = path.read_text() if path.exists() else f"{BEGIN}\n{END}\n"
    if BEGIN not in doc:
        doc += f"\n{BEGIN}\n{END}\n"
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="default: all")
    parser.add_argument("--inputs", type=int, default=20_000, help="inputs per family (default 20000)")
    parser.add_argument("--engine", choices=("mutator", "atheris"), default="mutator")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=None, help="stop a family after this long")
    parser.add_argument("--work", default=None, help="folder for per-family stats and logs")
    parser.add_argument("--docs", default=None, help="write the table into this Markdown file")
    parser.add_argument("--json", default=None, help="write all statistics (with crash inputs) here")
    parser.add_argument("--table-from", nargs="+", metavar="JSON", default=None,
                        help="no fuzzing: print (and --docs) the table of earlier --json results; "
                        "a later file's family replaces an earlier one's")
    args = parser.parse_args(argv)
    if args.table_from:
        merged: dict[str, Stats] = {}
        for path in args.table_from:
            for item in json.loads(Path(path).read_text()):
                merged[item["family"]] = Stats.from_json(item)
        order = [name for name in FAMILIES if name in merged]
        text = table([merged[name] for name in order])
        print(text)
        if args.docs:
            write_docs(Path(args.docs), text)
        return 0
    if args.engine == "atheris":
        try:
            import atheris  # noqa: F401
        except ImportError:
            parser.error("atheris is not installed: use --engine mutator (the default)")
    work = Path(args.work or tempfile.mkdtemp(prefix="idcard-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[Stats] = []
    started = time.time()
    for name in args.family or list(FAMILIES):
        stats = run_family(name, args.inputs, args.engine, args.seed, args.max_seconds, work)
        results.append(stats)
        print(table([stats]).splitlines()[-1], flush=True)
        for crash in stats.crashes.values():
            print(f"    CRASH {crash.site} x{crash.count}: {crash.message}", flush=True)
    text = table(results)
    print(f"\n{text}\n\n{len(results)} families, {sum(s.inputs for s in results):,} inputs in {time.time() - started:.0f} s")
    if args.docs:
        write_docs(Path(args.docs), text)
    if args.json:
        Path(args.json).write_text(json.dumps([s.to_json() for s in results], indent=1))
    bad = [s for s in results if s.crashes or s.slow_count or s.exit_status != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
