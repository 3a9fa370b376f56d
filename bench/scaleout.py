"""Scale-out: N portal verifier processes sharing one nonce store, N = 1 … cores.

Each process is a whole portal (`Portal` = `TokenVerifier` + nonce store)
doing full logins — `begin` (issue a nonce for a session) then `complete`
(verify a token with chip evidence, consume the nonce) — against one real
`redis-server` on a loopback port, or one SQLite file. Tokens are made in
software beforehand (the card's auth key and AA key from the emulator's
image), for nonces the store's `rng` will draw, so the timed loop is the
portal's work only. Every process starts at once on a fresh store; any
refusal or store error is counted, and must be 0.

Logins/s alone mixes our own serialisation with what the machine allows (on
2 cores, N = 2 workers share them with the redis-server and with whatever
else runs). So each row also splits every process's wall time per login
(from /proc/self/schedstat) into:

* CPU ms — on a core, the portal and the store client (flat as N grows:
  nothing in a process slows down because others run);
* core-wait ms — runnable but waiting for a core (the machine is full);
* blocked ms — asleep: waiting for the store's answer, a lock, an fsync
  (this is where serialisation between workers would show);

and adds the redis-server's own CPU per login (INFO cpu), the CPU the rest of
the machine used meanwhile (/proc/stat, in cores), and the CPU-bound ceiling:
the logins/s N processes could reach if every login cost only the CPU
measured (worker + server) on all the machine's cores. "%ceil" below 100 %
with core-wait high means the machine was short of cores (other work, the
server); with "blocked" high, waiting on the store (ours to fix, or fsync).
Other processes running at a lower priority (nice) use idle cores without
delaying the workers, so "others" is context, not a deduction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing as mp
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mock_card.testing.redis_server import RedisUnavailable, redis_server

ORIGIN = "https://portal.example"
ATTRIBUTES = ("name",)


@dataclass(frozen=True)
class ScaleRow:
    store: str
    processes: int
    logins: int
    errors: int
    seconds: float
    first_error: str
    #: CPU time per login of one process (portal + store client), load-independent.
    cpu_ms: float = 0.0
    #: Per login and process: runnable but without a core; asleep (store answer, lock, fsync).
    core_wait_ms: float = 0.0
    blocked_ms: float = 0.0
    #: The store server's own CPU per login (redis-server; 0 for SQLite, which runs in-process).
    server_cpu_ms: float = 0.0
    #: Cores' worth of CPU that other processes on the machine used during the run.
    others_cores: float = 0.0

    @property
    def per_second(self) -> float:
        return self.logins / self.seconds if self.seconds else 0.0

    def ceiling(self, cores: int) -> float:
        """Logins/s if each cost only its measured CPU: N workers on `cores`, shared with the
        store's server (other load on the machine not deducted: see `others_cores`)."""
        if self.cpu_ms <= 0:
            return 0.0
        per_worker = min(self.processes, cores) * 1000 / self.cpu_ms
        machine = cores * 1000 / (self.cpu_ms + self.server_cpu_ms)
        return min(per_worker, machine)


def _nonce_bytes(worker: int, index: int) -> bytes:
    return hashlib.sha256(f"scale-out {worker}:{index}".encode()).digest()


class _Card:
    """The emulator's demo card as a software token maker (auth key, AA key, files)."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.serialization import load_der_private_key

        from idcard.assertion.builder import SoftwareSigner
        from idcard.protocol.active_auth import ActiveAuthChip
        from idcard.session import PIN, IdCard
        from mock_card.pytest_plugin import make_card
        from reader.emulated import EmulatedTransport

        card = make_card()
        with IdCard(EmulatedTransport(card)) as session:
            session.unlock(PIN, "123456")
            certificate = session.read_auth_certificate()
        keys = card.image.keys
        auth = load_der_private_key(bytes.fromhex(str(keys["auth"])), password=None)
        self.signer = SoftwareSigner(auth, certificate)  # type: ignore[arg-type]
        self._aa = ActiveAuthChip(load_der_private_key(bytes.fromhex(str(keys["aa"])), password=None))  # type: ignore[arg-type]
        self._files = card.image.files["lds"]

    def read_sod(self) -> bytes:
        return self._files[0x011D]

    def read_data_group(self, number: int) -> bytes:
        return self._files[0x0100 + number]

    def active_authentication(self, challenge: bytes, dg15: bytes) -> bytes:
        return self._aa.sign(challenge)


def make_tokens(worker: int, count: int) -> list[str]:
    import base64

    from idcard.assertion.builder import build_token_with_signer

    card = _Card()
    tokens = []
    for index in range(count):
        nonce = base64.b64encode(_nonce_bytes(worker, index)).decode()
        token = build_token_with_signer(card.signer, ORIGIN, nonce, evidence=card, attributes=ATTRIBUTES)
        tokens.append(json.dumps(token))
    return tokens


def _open_store(spec: str, worker: int) -> object:
    from idcard.portal.nonces import RedisNonceStore, SqliteNonceStore

    drawn = iter(range(1 << 30))

    def rng(n: int) -> bytes:  # the nonces the tokens were made for, in order
        assert n == 32
        return _nonce_bytes(worker, next(drawn))

    kind, _, where = spec.partition(":")
    if kind == "redis":
        return RedisNonceStore(where, rng=rng, prefix=f"bench:{os.getpid()}:")
    return SqliteNonceStore(where, rng=rng, durable=kind == "sqlite")


def _schedstat() -> tuple[float, float]:
    """This process's seconds on a core and seconds runnable without one (0, 0 off Linux)."""
    try:
        on_cpu, waiting, _ = Path("/proc/self/schedstat").read_text().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def _machine_busy() -> float:
    """Seconds of CPU the whole machine has spent busy (all cores; /proc/stat), 0 off Linux."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(f) for f in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _server_cpu(spec: str) -> float:
    """The redis-server's CPU seconds so far (INFO cpu), 0 for other stores."""
    kind, _, where = spec.partition(":")
    if kind != "redis":
        return 0.0
    import redis

    client = redis.Redis.from_url(where)
    try:
        info = client.info("cpu")
    finally:
        client.close()
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def _worker(spec: str, worker: int, tokens: list[str], barrier: object, results: object) -> None:
    ok = errors = 0
    first_error = ""
    on_cpu = core_wait = 0.0
    try:
        from cryptography.hazmat.primitives.serialization import Encoding

        from idcard.pki.trust import TrustStore
        from idcard.portal import Portal, TokenVerifier
        from mock_card.testpki import test_pki

        pki = test_pki()
        verifier = TokenVerifier(
            TrustStore([pki.citizen_ca_cert.public_bytes(Encoding.DER)]),
            csca=TrustStore([pki.csca_cert.public_bytes(Encoding.DER)]),
        )
        barrier.wait()  # type: ignore[attr-defined]
        store = _open_store(spec, worker)  # every worker opens the fresh store at once
        portal = Portal(verifier, store, base_url=ORIGIN)  # type: ignore[arg-type]
        t0, c0, (s0, w0) = time.perf_counter(), time.process_time(), _schedstat()
        for index, token in enumerate(tokens):
            session = f"session-{worker}-{index}"
            try:
                portal.begin(session, ATTRIBUTES)
                identity = portal.complete(session, token, ORIGIN)
                if not identity.evidence:
                    raise AssertionError("evidence not verified")
                ok += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported, never hidden
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        s1, w1 = _schedstat()
        on_cpu, core_wait = s1 - s0, w1 - w0
    except Exception as exc:  # noqa: BLE001
        elapsed = cpu = 0.0
        errors += 1
        first_error = first_error or f"{type(exc).__name__}: {exc}"
    per_login = 1000 / max(ok + errors, 1)
    blocked = max(elapsed - on_cpu - core_wait, 0.0) if on_cpu else 0.0
    results.put(  # type: ignore[attr-defined]
        (ok, errors, elapsed, first_error, cpu * per_login, core_wait * per_login, blocked * per_login)
    )


def run(spec: str, store_name: str, tokens: list[list[str]]) -> ScaleRow:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(len(tokens))
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(spec, w, t, barrier, results)) for w, t in enumerate(tokens)]
    server0, busy0, own0 = _server_cpu(spec), _machine_busy(), _children_cpu()
    for p in procs:
        p.start()
    answers = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
    server = _server_cpu(spec) - server0
    ok = sum(a[0] for a in answers)
    errors = sum(a[1] for a in answers)
    seconds = max(a[2] for a in answers)
    first = next((a[3] for a in answers if a[3]), "")
    cpu_ms, core_wait_ms, blocked_ms = (sum(a[i] for a in answers) / len(answers) for i in (4, 5, 6))
    logins = max(ok + errors, 1)
    # Everything busy meanwhile, less our workers (with their start-up) and the server.
    others = _machine_busy() - busy0 - (_children_cpu() - own0) - server
    wall = sum(a[2] for a in answers) / len(answers) or 1.0
    return ScaleRow(
        store_name, len(tokens), ok, errors, seconds, first, cpu_ms, core_wait_ms, blocked_ms,
        server_cpu_ms=server * 1000 / logins, others_cores=max(others / wall, 0.0),
    )


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the workers, once joined)."""
    times = os.times()
    return times.children_user + times.children_system


def _parallel_tokens(workers: int, count: int) -> list[list[str]]:
    """Tokens for every worker, made in parallel (one process per worker)."""
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        return pool.starmap(make_tokens, [(w, count) for w in range(workers)])


#: Runs per row; the one with the most logins/s is shown, errors are counted over all of them.
REPEAT = 3


def _best(runs: list[ScaleRow]) -> ScaleRow:
    best = max(runs, key=lambda r: r.per_second)
    errors = sum(r.errors for r in runs)
    first = next((r.first_error for r in runs if r.first_error), "")
    return dataclasses.replace(best, errors=errors, first_error=first)


def scaleout_rows(
    per_worker: int = 600, cores: int | None = None, repeat: int = REPEAT
) -> list[ScaleRow]:
    cores = cores or os.cpu_count() or 1
    tokens = _parallel_tokens(cores, per_worker)
    rows: list[ScaleRow] = []
    stores: list[tuple[str, Callable[[], contextlib.AbstractContextManager[str]]]] = [
        ("redis", lambda: _redis_spec()),
        ("sqlite-fast", lambda: _sqlite_spec("sqlite-fast")),
        ("sqlite", lambda: _sqlite_spec("sqlite")),
    ]
    for name, spec_of in stores:
        for n in range(1, cores + 1):
            try:
                runs = []
                for _ in range(repeat):  # a fresh store each time
                    with spec_of() as spec:
                        runs.append(run(spec, name, tokens[:n]))
                rows.append(_best(runs))
            except RedisUnavailable as exc:
                rows.append(ScaleRow(name, n, 0, 0, 0.0, f"skipped: {exc}"))
                break
    return rows


@contextlib.contextmanager
def _redis_spec() -> Iterator[str]:
    with redis_server() as url:
        yield f"redis:{url}"


@contextlib.contextmanager
def _sqlite_spec(kind: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        yield f"{kind}:{Path(folder) / 'nonces.sqlite'}"


_LABELS = {
    "redis": "redis-server (loopback)",
    "sqlite-fast": "SQLite (WAL, durable=False)",
    "sqlite": "SQLite (WAL, fsync per use)",
}


def scaleout_table(per_worker: int = 600) -> list[ScaleRow]:
    rows = scaleout_rows(per_worker)
    cores = os.cpu_count() or 1
    print(f"{'scale-out: full logins':31} {'procs':>5} {'logins':>6} {'logins/s':>8} {'vs 1':>5} "
          f"{'ceiling':>7} {'%ceil':>5} | {'CPU':>5} {'core-w':>6} {'blocked':>7} {'server':>6} | "
          f"{'others':>6} {'errors':>6}")
    print(f"{'(ms per login and process)':31} {'':>5} {'':>6} {'':>8} {'':>5} {'':>7} {'':>5} | "
          f"{'':>5} {'':>6} {'':>7} {'CPU':>6} | {'cores':>6}")
    print("-" * 112)
    base: dict[str, float] = {}
    for row in rows:
        if row.first_error.startswith("skipped"):
            print(f"{_LABELS[row.store]:31} {row.first_error}")
            continue
        base.setdefault(row.store, row.per_second)
        scale = row.per_second / base[row.store] if base[row.store] else 0.0
        ceiling = row.ceiling(cores)
        share = row.per_second / ceiling if ceiling else 0.0
        print(f"{_LABELS[row.store]:31} {row.processes:5d} {row.logins:6d} {row.per_second:8.0f} "
              f"{scale:4.2f}x {ceiling:7.0f} {share:5.0%} | {row.cpu_ms:5.2f} {row.core_wait_ms:6.2f} "
              f"{row.blocked_ms:7.2f} {row.server_cpu_ms:6.2f} | {row.others_cores:6.2f} {row.errors:6d}")
        if row.errors:
            print(f"    first error: {row.first_error}")
    print(f"({cores} cores; best of {REPEAT} runs per row, errors over all runs. "
          "Each process is a whole portal; tokens are made before the clock starts. "
          "ceiling = logins/s if a login cost only its CPU (worker + server) on these cores; "
          "core-w = waiting for a core; blocked = asleep on the store (I/O, locks, fsync); "
          "others = cores used by other processes meanwhile.)")
    return rows


if __name__ == "__main__":
    scaleout_table()
