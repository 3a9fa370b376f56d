"""Run one fuzz family: a seeded mutator (pure Python, reproducible) or atheris (coverage-guided).

Each input goes through the family's target. A typed `CodedError` is the
parser refusing the input, as it should; anything else is a crash, recorded
by its site (exception type + the innermost project frame + the innermost
frame) with the first input that reached it. Inputs slower than one second
are recorded too. Nothing is re-raised, so one run counts every site.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from reader.errors import CodedError

SLOW_SECONDS = 1.0
_PROJECT_DIRS = ("/idcard/", "/reader/", "/mock_card/")
_INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFE, 0xFF)


@dataclass
class Crash:
    site: str
    message: str
    input_hex: str
    count: int = 1


@dataclass
class Stats:
    family: str
    engine: str
    inputs: int = 0
    rejected: int = 0  # typed errors: the parser said no, as it should
    seconds: float = 0.0
    slowest: float = 0.0
    slow_inputs: list[str] = field(default_factory=list)  # hex of the first few
    slow_count: int = 0
    crashes: dict[str, Crash] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    exit_status: str = "ok"

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["crashes"] = {k: asdict(v) for k, v in self.crashes.items()}
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Stats:
        raw: dict[str, dict[str, object]] = data.pop("crashes")  # type: ignore[assignment]
        crashes = {k: Crash(**v) for k, v in raw.items()}  # type: ignore[arg-type]
        return cls(**data, crashes=crashes)  # type: ignore[arg-type]


def crash_site(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if any(d in f.filename for d in _PROJECT_DIRS)]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    inner = frames[-1] if frames else None

    def label(frame: traceback.FrameSummary | None) -> str:
        if frame is None:
            return "?"
        path = frame.filename
        for d in _PROJECT_DIRS:
            if d in path:
                path = d.strip("/") + "/" + path.split(d, 1)[1]
                break
        else:
            path = Path(path).name
        return f"{path}:{frame.lineno}"

    site = f"{type(exc).__name__} at {label(where)}"
    return site if inner is where else f"{site} (in {label(inner)})"


class Recorder:
    """Runs inputs through a target and keeps the statistics."""

    def __init__(self, family: str, engine: str, target: Callable[[bytes], None]) -> None:
        self.stats = Stats(family, engine)
        self.target = target
        self.started = time.perf_counter()

    def __call__(self, data: bytes) -> None:
        start = time.perf_counter()
        try:
            self.target(data)
        except CodedError:
            self.stats.rejected += 1
        except Exception as exc:  # noqa: BLE001 - every untyped escape is a finding
            self._crash(exc, data)
        elapsed = time.perf_counter() - start
        self.stats.inputs += 1
        self.stats.slowest = max(self.stats.slowest, elapsed)
        if elapsed > SLOW_SECONDS:
            self.stats.slow_count += 1
            if len(self.stats.slow_inputs) < 5:
                self.stats.slow_inputs.append(data.hex())
        self.stats.seconds = time.perf_counter() - self.started

    def _crash(self, exc: BaseException, data: bytes) -> None:
        site = crash_site(exc)
        known = self.stats.crashes.get(site)
        if known is not None:
            known.count += 1
            if len(data) < len(known.input_hex) // 2:
                known.input_hex = data.hex()  # keep the smallest reproducer
            return
        self.stats.crashes[site] = Crash(site, f"{exc!r}"[:300], data.hex())


class Mutator:
    """Seeded structure-aware-ish byte mutations: flips, TLV length tricks, splices, cuts."""

    def __init__(self, seeds: Sequence[bytes], seed: int = 0) -> None:
        if not seeds:
            raise ValueError("a family needs at least one seed")
        self.seeds = list(seeds)
        self.rng = random.Random(seed)

    def _position(self, data: bytearray) -> int:
        # Headers decide most parsing: favour the first 256 bytes of large inputs.
        if len(data) > 256 and self.rng.random() < 0.6:
            return self.rng.randrange(256)
        return self.rng.randrange(len(data))

    def next(self) -> bytes:
        rng = self.rng
        data = bytearray(rng.choice(self.seeds))
        limit = max(2 * len(data), 4096)
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
            if not data:
                data = bytearray(rng.randbytes(rng.randrange(1, 16)))
                continue
            op = rng.randrange(11)
            at = self._position(data)
            if op == 0:
                data[at] ^= 1 << rng.randrange(8)
            elif op == 1:
                data[at] = rng.choice(_INTERESTING)
            elif op == 2:
                data[at] = rng.randrange(256)
            elif op == 3:  # BER length trick: long form, indefinite, or huge
                form = rng.choice((b"\x80", b"\x81\xff", b"\x82\xff\xff", b"\x84\x7f\xff\xff\xff", b"\x85\x01\x00\x00\x00\x00", b"\x00"))
                data[at : at + 1] = form
            elif op == 4:
                del data[at : at + rng.randrange(1, 64)]
            elif op == 5:
                data[at:at] = rng.randbytes(rng.randrange(1, 32))
            elif op == 6:
                end = min(len(data), at + rng.randrange(1, 64))
                data[at:at] = data[at:end] * rng.randrange(1, 8)
            elif op == 7:
                del data[at:]
            elif op == 8:
                other = rng.choice(self.seeds)
                if other:
                    start = rng.randrange(len(other))
                    data[at:] = other[start : start + rng.randrange(1, 512)]
            elif op == 9:  # a 2-byte big-endian integer (lengths, sizes, offsets) set to an edge
                value = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF))
                data[at : at + 2] = value.to_bytes(2, "big")
            else:
                data[at] = (data[at] + rng.choice((-1, 1))) & 0xFF
            if len(data) > limit:
                del data[limit:]
        return bytes(data)


def run_mutator(
    family: str,
    target: Callable[[bytes], None],
    seeds: Sequence[bytes],
    inputs: int,
    *,
    seed: int = 0,
    max_seconds: float | None = None,
    progress: Callable[[Stats], None] | None = None,
) -> Stats:
    recorder = Recorder(family, "mutator", target)
    for s in seeds:  # the seeds themselves first: they must parse
        recorder(s)
    mutator = Mutator(seeds, seed)
    deadline = time.perf_counter() + max_seconds if max_seconds else None
    for i in range(inputs):
        recorder(mutator.next())
        if i % 1000 == 999:
            if progress is not None:
                progress(recorder.stats)
            if deadline is not None and time.perf_counter() > deadline:
                break
    return recorder.stats


def write_stats(stats: Stats, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(stats.to_json()))
    tmp.replace(path)


def input_name(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]
