"""Scale-out: N portal verifier processes sharing one nonce store, N = 1 … cores.

Each process is a whole portal (`Portal` = `TokenVerifier` + nonce store)
doing full logins — `begin` (issue a nonce for a session) then `complete`
(verify a token with chip evidence, consume the nonce) — against one real
`redis-server` on a loopback port, or one SQLite file. Tokens are made in
software beforehand (the card's auth key and AA key from the emulator's
image), for nonces the store's `rng` will draw, so the timed loop is the
portal's work only. Every process starts at once on a fresh store; any
refusal or store error is counted, and must be 0.
"""

from __future__ import annotations

import contextlib
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

    @property
    def per_second(self) -> float:
        return self.logins / self.seconds if self.seconds else 0.0


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


def _worker(spec: str, worker: int, tokens: list[str], barrier: object, results: object) -> None:
    ok = errors = 0
    first_error = ""
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
        t0, c0 = time.perf_counter(), time.process_time()
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
    except Exception as exc:  # noqa: BLE001
        elapsed = cpu = 0.0
        errors += 1
        first_error = first_error or f"{type(exc).__name__}: {exc}"
    results.put((ok, errors, elapsed, first_error, cpu * 1000 / max(ok + errors, 1)))  # type: ignore[attr-defined]


def run(spec: str, store_name: str, tokens: list[list[str]]) -> ScaleRow:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(len(tokens))
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(spec, w, t, barrier, results)) for w, t in enumerate(tokens)]
    for p in procs:
        p.start()
    answers = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
    ok = sum(a[0] for a in answers)
    errors = sum(a[1] for a in answers)
    seconds = max(a[2] for a in answers)
    first = next((a[3] for a in answers if a[3]), "")
    cpu_ms = sum(a[4] for a in answers) / len(answers)
    return ScaleRow(store_name, len(tokens), ok, errors, seconds, first, cpu_ms)


def _parallel_tokens(workers: int, count: int) -> list[list[str]]:
    """Tokens for every worker, made in parallel (one process per worker)."""
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        return pool.starmap(make_tokens, [(w, count) for w in range(workers)])


def scaleout_rows(per_worker: int = 600, cores: int | None = None) -> list[ScaleRow]:
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
                with spec_of() as spec:
                    rows.append(run(spec, name, tokens[:n]))
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
    "redis": "one redis-server (loopback)",
    "sqlite-fast": "one SQLite file (WAL, durable=False)",
    "sqlite": "one SQLite file (WAL, durable: fsync per commit)",
}


def scaleout_table(per_worker: int = 600) -> list[ScaleRow]:
    rows = scaleout_rows(per_worker)
    print(f"{'scale-out: full logins (begin + complete, evidence)':50} {'procs':>5} {'logins':>7} "
          f"{'logins/s':>9} {'vs 1':>6} {'CPU ms/login':>12} {'errors':>6}")
    print("-" * 100)
    base: dict[str, float] = {}
    for row in rows:
        if row.first_error.startswith("skipped"):
            print(f"{_LABELS[row.store]:50} {row.first_error}")
            continue
        base.setdefault(row.store, row.per_second)
        scale = row.per_second / base[row.store] if base[row.store] else 0.0
        print(f"{_LABELS[row.store]:50} {row.processes:5d} {row.logins:7d} {row.per_second:9.0f} "
              f"{scale:5.2f}x {row.cpu_ms:12.2f} {row.errors:6d}")
        if row.errors:
            print(f"    first error: {row.first_error}")
    print(f"({os.cpu_count()} cores; each process a whole portal; tokens are made before the clock starts; "
          "logins/s is wall time, so other load on the machine lowers it, CPU ms/login is per process)")
    return rows


if __name__ == "__main__":
    scaleout_table()
