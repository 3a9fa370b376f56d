"""Several portal workers share one Redis nonce store: a token is accepted exactly once.

A real `redis-server` runs on a free loopback port; each verifier is its own
process (a small script using `Portal` with `RedisNonceStore`). Skipped with
the reason when redis-server or the redis package is missing, unless
IDCARD_REQUIRE_SYSTEM_TESTS is set (then it fails).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_card.pytest_plugin import unavailable

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "https://portal.example"

#: One portal worker: verifies the token file for SESSION, prints {"ok": …} or {"error": code}.
WORKER = r"""
import json, sys
from cryptography.hazmat.primitives.serialization import Encoding
from idcard.pki.trust import TrustStore
from idcard.portal import Portal, RedisNonceStore, TokenError, TokenVerifier
from mock_card.testpki import test_pki

url, session, origin, token_path = sys.argv[1:5]
pki = test_pki()
verifier = TokenVerifier(
    TrustStore([pki.citizen_ca_cert.public_bytes(Encoding.DER)]),
    csca=TrustStore([pki.csca_cert.public_bytes(Encoding.DER)]),
)
portal = Portal(verifier, RedisNonceStore(url), base_url=origin)
token = open(token_path, "rb").read()
print("ready", flush=True)
sys.stdin.readline()  # go
try:
    identity = portal.complete(session, token, origin)
except TokenError as exc:
    print(json.dumps({"error": exc.code}))
else:
    print(json.dumps({"ok": identity.national_code}))
"""


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    from mock_card.testing.redis_server import RedisUnavailable, redis_server

    try:
        with redis_server() as url:
            yield url
    except RedisUnavailable as exc:
        unavailable(str(exc))


def _portal(url: str, **store_options: object):  # noqa: ANN202
    from cryptography.hazmat.primitives.serialization import Encoding

    from idcard.pki.trust import TrustStore
    from idcard.portal import Portal, RedisNonceStore, TokenVerifier
    from mock_card.testpki import test_pki

    pki = test_pki()
    verifier = TokenVerifier(
        TrustStore([pki.citizen_ca_cert.public_bytes(Encoding.DER)]),
        csca=TrustStore([pki.csca_cert.public_bytes(Encoding.DER)]),
    )
    return Portal(verifier, RedisNonceStore(url, **store_options), base_url=ORIGIN)


def _token(nonce: str) -> str:
    from idcard.assertion import build_token
    from idcard.session import PIN, IdCard
    from mock_card.card import EmulatedCard
    from mock_card.personalize import personalize
    from reader.emulated import EmulatedTransport

    card = IdCard(EmulatedTransport(EmulatedCard(personalize())))
    card.unlock(PIN, "123456")
    return json.dumps(build_token(card, ORIGIN, nonce, attributes=["name"]))


class Worker:
    """One verifier process, started and ready; `go()` lets it verify and returns its answer."""

    def __init__(self, script: Path, url: str, session: str, token: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(script), url, session, ORIGIN, str(token)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            self.process.kill()
            pytest.fail(
                f"worker did not start: {ready!r} {self.process.stderr.read() if self.process.stderr else ''}"
            )

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def answer(self) -> dict[str, str]:
        out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])


def test_token_accepted_by_one_worker_is_a_replay_for_another(
    redis_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    request = _portal(redis_url).begin("browser-session-1", ["name"])
    token = tmp_path / "token.json"
    token.write_text(_token(str(request["nonce"])))

    first = Worker(script, redis_url, "browser-session-1", token)
    first.go()
    assert first.answer() == {"ok": "0012345679"}
    second = Worker(script, redis_url, "browser-session-1", token)
    second.go()
    assert second.answer() == {"error": "nonce.reused"}


def test_two_workers_racing_for_one_token(redis_url: str, tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    for round_ in range(3):
        session = f"race-{round_}"
        request = _portal(redis_url).begin(session, ["name"])
        token = tmp_path / f"token-{round_}.json"
        token.write_text(_token(str(request["nonce"])))
        workers = [Worker(script, redis_url, session, token) for _ in range(2)]
        for worker in workers:  # both are loaded and waiting: release them together
            worker.go()
        answers = sorted((w.answer() for w in workers), key=lambda a: "error" in a)
        assert answers == [{"ok": "0012345679"}, {"error": "nonce.reused"}]


def test_redis_store_semantics(redis_url: str) -> None:
    from idcard.portal import NonceStore, RedisNonceStore, TokenError

    now = [1_800_000_000.0]
    store = RedisNonceStore(redis_url, prefix="test:semantics:", clock=lambda: now[0])
    assert isinstance(store, NonceStore)
    nonce = store.issue("a", 300, attributes=["photo"])
    record = store.latest("a")
    assert record is not None and record.nonce == nonce and record.attributes == ("photo",)
    for session, when, code in (("b", None, "nonce.session"), ("a", now[0] + 300, "nonce.expired")):
        with pytest.raises(TokenError) as info:
            store.consume(nonce, session, when)
        assert info.value.code == code
    with pytest.raises(TokenError) as info:
        store.consume("bm9wZQ==", "a")
    assert info.value.code == "nonce.unknown"
    store.consume(nonce, "a")
    assert store.find(nonce).used  # type: ignore[union-attr]
    with pytest.raises(TokenError) as info:
        store.consume(nonce, "a")
    assert info.value.code == "nonce.reused"
    # Redis forgets the tombstone by itself after ttl + retention.
    import redis

    client = redis.Redis.from_url(redis_url)
    ttl_ms = client.pttl(f"test:semantics:n:{nonce}")
    assert 0 < ttl_ms <= (300 + 3600) * 1000
    # The session id itself is never stored, only its SHA-256.
    import hashlib

    session_keys = client.keys("test:semantics:s:*")
    assert session_keys == [f"test:semantics:s:{hashlib.sha256(b'a').hexdigest()}".encode()]
    assert (
        client.hget(f"test:semantics:n:{nonce}", "s") == hashlib.sha256(b"a").hexdigest().encode()
    )
    client.close()


def test_replay_and_expiry_through_the_portal(redis_url: str) -> None:
    from idcard.portal import TokenError

    now = [1_800_000_000.0]
    portal = _portal(redis_url, clock=lambda: now[0])
    portal.clock = lambda: now[0]
    request = portal.begin("s-expiry", ["name"])
    token = _token(str(request["nonce"]))
    now[0] += 301
    with pytest.raises(TokenError) as info:
        portal.complete("s-expiry", token, ORIGIN)
    assert info.value.code == "nonce.expired"
