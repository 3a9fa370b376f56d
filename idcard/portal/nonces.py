"""Portal nonces: issued per browser session, single use, short-lived (assertion.md step 3).

A nonce is 32 random bytes in standard base64 (44 characters). The store
remembers, per nonce, the session it was issued to (as a SHA-256 hash: a
leaked store gives no session cookies away), the attributes the portal asked
for, when it expires and whether it was used. `consume` is atomic: of any
number of workers presenting the same nonce, exactly one succeeds; the others
get ``nonce.reused``. A used nonce is kept as a tombstone for `retention`
seconds after it expires so a replay is named as such (later it is
``nonce.unknown``, which is refused just the same).

Two implementations: `SqliteNonceStore` (default; one file, any number of
processes on one machine) and `RedisNonceStore` (several machines).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from idcard.errors import IdCardError, UsageError
from idcard.portal.errors import TokenError

__all__ = [
    "DEFAULT_RETENTION",
    "DEFAULT_TTL",
    "NONCE_BYTES",
    "NonceRecord",
    "NonceStore",
    "NonceStoreError",
    "RedisNonceStore",
    "SqliteNonceStore",
    "new_nonce",
]

NONCE_BYTES = 32
DEFAULT_TTL = 300.0
#: How long a used or expired nonce is remembered after it expired.
DEFAULT_RETENTION = 3600.0
#: Seconds a SQLite worker waits for another one holding the database.
_BUSY_TIMEOUT = 30.0
#: Pauses between attempts while another worker holds the SQLite database (then the last,
#: with jitter). SQLite's own busy handler sleeps 1, 2, 5, 10 … ms: many times the
#: ~0.1 ms a nonce write holds the lock, so two workers spent much of a login asleep.
_BUSY_PAUSES = (0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002)

_T = TypeVar("_T")
Rng = Callable[[int], bytes]
Clock = Callable[[], float]


class NonceStoreError(IdCardError):
    """The store itself failed (database locked, Redis unreachable): a server fault, retry later."""

    code = "nonce.store"


@contextlib.contextmanager
def _guard(errors: tuple[type[BaseException], ...], store: str) -> Iterator[None]:
    """Store failures become NonceStoreError (the type only: a URL may hold a password)."""
    try:
        yield
    except errors as exc:
        raise NonceStoreError(
            f"The {store} nonce store failed ({type(exc).__name__}); try again later."
        ) from exc


def new_nonce(rng: Rng = os.urandom) -> str:
    raw = rng(NONCE_BYTES)
    if len(raw) != NONCE_BYTES:
        raise ValueError("rng returned the wrong number of bytes")
    return base64.b64encode(raw).decode("ascii")


def _session_hash(session_id: str) -> str:
    if not isinstance(session_id, str) or not session_id:
        raise UsageError("A nonce belongs to a browser session: the session id is empty.")
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _check_ttl(ttl: float) -> float:
    if not (isinstance(ttl, int | float) and 0 < ttl <= 86400):
        raise UsageError("A nonce lives between 0 and 86400 seconds.")
    return float(ttl)


@dataclass(frozen=True)
class NonceRecord:
    nonce: str
    #: What the portal asked for with this nonce (assertion.md attribute names).
    attributes: tuple[str, ...]
    issued_at: float
    expires_at: float
    used: bool


@runtime_checkable
class NonceStore(Protocol):
    def issue(self, session_id: str, ttl: float, *, attributes: Sequence[str] = ()) -> str:
        """A fresh nonce for this browser session, valid for `ttl` seconds."""
        ...

    def consume(self, nonce: str, session_id: str, now: float | None = None) -> None:
        """Use the nonce up, atomically; TokenError nonce.unknown/.reused/.session/.expired."""
        ...

    def find(self, nonce: str) -> NonceRecord | None:
        """What the store knows about a nonce (read only; `consume` decides)."""
        ...

    def latest(self, session_id: str) -> NonceRecord | None:
        """The nonce most recently issued to this session, used or not."""
        ...


def _refusal(outcome: str) -> TokenError:
    if outcome == "reused":
        return TokenError(
            "nonce.reused", "This login was already used: the token is a replay. Start again."
        )
    if outcome == "session":
        return TokenError(
            "nonce.session",
            "The nonce was issued to another browser session; start the login here.",
        )
    if outcome == "expired":
        return TokenError("nonce.expired", "The login took too long and expired. Start again.")
    return TokenError(
        "nonce.unknown", "This portal did not issue that nonce. Start the login again."
    )


# --- SQLite -----------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idcard_nonces (
    nonce TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    attributes TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE INDEX IF NOT EXISTS idcard_nonces_session ON idcard_nonces (session_hash, issued_at);
CREATE INDEX IF NOT EXISTS idcard_nonces_expiry ON idcard_nonces (expires_at);
"""


class SqliteNonceStore:
    """Nonces in one SQLite file (or ``":memory:"``), shared by the processes that open it."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        retention: float = DEFAULT_RETENTION,
        clock: Clock = time.time,
        rng: Rng = os.urandom,
        durable: bool = True,
    ) -> None:
        """`durable=False` lets commits skip the disk flush (WAL, synchronous=NORMAL).

        A crashed portal process loses nothing either way; a power cut or
        kernel crash may forget the last moments' nonces, so a nonce used just
        before it could be accepted once more, by the same browser session,
        within its TTL. In exchange each login costs no fsync, which on a slow
        disk is most of its time (see docs/scale-out.md).

        Durable (the default), a login costs one fsync, not two: only `consume`
        flushes. Forgetting an issued nonce in a power cut only makes that
        login start again, and a use's flush writes out the WAL before it,
        issues included.
        """
        self.path = str(path)
        self.durable = durable
        self.retention = float(retention)
        self.clock = clock
        self.rng = rng
        self._lock = threading.Lock()
        with _guard((sqlite3.Error, OSError), "SQLite"):
            if self.path != ":memory:":
                # Session handles and nonces: readable by the portal's user only
                # (SQLite gives its -wal and -shm files the same mode).
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            # timeout=0: a busy database answers at once and `_when_free` retries sooner.
            self._db = sqlite3.connect(
                self.path, timeout=0, isolation_level=None, check_same_thread=False
            )
            #: The connection's synchronous setting as `_flush_commits` last set it.
            self._flushing: bool | None = None
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            self._create_schema()

    def _create_schema(self) -> None:
        """WAL mode and the tables, retried while other workers starting at once hold the file.

        Switching to WAL and creating tables take locks that the busy handler
        does not always wait for (SQLite answers SQLITE_BUSY at once when two
        connections would deadlock), so several workers starting together
        could get ``database is locked``: retry with a short random pause.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT
        while True:
            try:
                if self.path != ":memory:":
                    self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        self._db.execute(statement)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01 + random.random() * 0.05)

    def _when_free(self, attempt: Callable[[], _T]) -> _T:
        """`attempt()`, again after a short pause while another worker holds the database.

        Each attempt is a whole statement or transaction that either happened or
        did not (a failed one is rolled back), so repeating it is safe.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT
        tries = 0
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() > deadline:
                    raise
                pause = _BUSY_PAUSES[min(tries, len(_BUSY_PAUSES) - 1)]
                time.sleep(pause * (0.5 + random.random()))
                tries += 1

    def _flush_commits(self, flush: bool) -> None:
        """Whether this connection's next commits fsync the WAL (synchronous FULL or NORMAL)."""
        if flush is not self._flushing:
            pragma = "PRAGMA synchronous=FULL" if flush else "PRAGMA synchronous=NORMAL"
            self._when_free(lambda: self._db.execute(pragma))
            self._flushing = flush

    def close(self) -> None:
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            self._db.close()

    def issue(self, session_id: str, ttl: float, *, attributes: Sequence[str] = ()) -> str:
        session = _session_hash(session_id)
        ttl = _check_ttl(ttl)
        nonce = new_nonce(self.rng)
        now = self.clock()
        row = (nonce, session, json.dumps(list(attributes)), now, now + ttl)

        def insert() -> None:
            # One transaction: one commit for the clean-up and the new nonce.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "DELETE FROM idcard_nonces WHERE expires_at < ?", (now - self.retention,)
                )
                self._db.execute(
                    "INSERT INTO idcard_nonces (nonce, session_hash, attributes, issued_at, expires_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    row,
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            self._flush_commits(False)  # see __init__: a lost issue is a retry, never a replay
            self._when_free(insert)
        return nonce

    def consume(self, nonce: str, session_id: str, now: float | None = None) -> None:
        session = _session_hash(session_id)
        when = self.clock() if now is None else float(now)
        def use() -> int:
            # One statement: SQLite runs it atomically, so of two workers exactly one
            # flips used_at from NULL.
            return self._db.execute(
                "UPDATE idcard_nonces SET used_at = ? WHERE nonce = ? AND session_hash = ?"
                " AND used_at IS NULL AND expires_at > ?",
                (when, nonce, session, when),
            ).rowcount

        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            self._flush_commits(self.durable)
            if self._when_free(use) == 1:
                return
            row = self._row(
                "SELECT session_hash, expires_at, used_at FROM idcard_nonces WHERE nonce = ?",
                (nonce,),
            )
        raise _refusal(_classify(row, session, when))

    def _row(self, query: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """One row of a read (the caller holds the lock)."""
        return self._when_free(lambda: self._db.execute(query, params).fetchone())

    def find(self, nonce: str) -> NonceRecord | None:
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            row = self._row(
                "SELECT nonce, attributes, issued_at, expires_at, used_at FROM idcard_nonces"
                " WHERE nonce = ?",
                (nonce,),
            )
        return _record(row)

    def latest(self, session_id: str) -> NonceRecord | None:
        session = _session_hash(session_id)
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            row = self._row(
                "SELECT nonce, attributes, issued_at, expires_at, used_at FROM idcard_nonces"
                " WHERE session_hash = ? ORDER BY issued_at DESC, rowid DESC LIMIT 1",
                (session,),
            )
        return _record(row)


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Another connection holds the database (SQLITE_BUSY / SQLITE_LOCKED), not a real fault."""
    return "locked" in str(exc) or "busy" in str(exc)


def _classify(row: tuple[Any, ...] | None, session: str, now: float) -> str:
    if row is None:
        return "unknown"
    row_session, expires_at, used_at = row
    if used_at is not None:
        return "reused"
    if row_session != session:
        return "session"
    if expires_at <= now:
        return "expired"
    return "reused"  # it changed under us: another worker used it just now


def _record(row: tuple[Any, ...] | None) -> NonceRecord | None:
    if row is None:
        return None
    nonce, attributes, issued_at, expires_at, used_at = row
    return NonceRecord(
        nonce, tuple(json.loads(attributes)), issued_at, expires_at, used_at is not None
    )


# --- Redis ------------------------------------------------------------------------------

#: KEYS[1] the nonce hash; ARGV[1] session hash, ARGV[2] now. Atomic on the server.
_CONSUME_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local f = redis.call('HMGET', KEYS[1], 's', 'e', 'u')
if f[3] == '1' then return 'reused' end
if f[1] ~= ARGV[1] then return 'session' end
if tonumber(f[2]) <= tonumber(ARGV[2]) then return 'expired' end
redis.call('HSET', KEYS[1], 'u', '1')
return 'ok'
"""


#: KEYS[1] the nonce hash, KEYS[2] the session's latest nonce; ARGV[1] session hash,
#: ARGV[2] attributes, ARGV[3] issued, ARGV[4] expires, ARGV[5] keep ms, ARGV[6] nonce.
#: One command (atomic, as the MULTI it replaces) instead of a four-command pipeline.
_ISSUE_LUA = """
redis.call('HSET', KEYS[1], 's', ARGV[1], 'a', ARGV[2], 'i', ARGV[3], 'e', ARGV[4], 'u', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[5])
return 1
"""

#: KEYS[1] the session's latest nonce; ARGV[1] the nonce key prefix. The nonce and its
#: fields in one round trip (the nonce key is derived on the server: single instance only,
#: as the store's other keys already are, not Redis Cluster).
_LATEST_LUA = """
local nonce = redis.call('GET', KEYS[1])
if not nonce then return false end
return {nonce, redis.call('HGETALL', ARGV[1] .. nonce)}
"""


class RedisNonceStore:
    """Nonces in Redis, for several portal workers or machines (Lua scripts make use atomic).

    Each call is one round trip: `issue` and `latest` run as server-side scripts
    (issue 10: the client's per-command CPU was a third of a login's).
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "idcard:nonce:",
        retention: float = DEFAULT_RETENTION,
        clock: Clock = time.time,
        rng: Rng = os.urandom,
    ) -> None:
        if isinstance(client, str):
            try:
                import redis
            except ModuleNotFoundError as exc:  # optional dependency
                raise UsageError(
                    "The Redis nonce store needs the redis package (pip install 'idcard[redis]')."
                ) from exc
            client = redis.Redis.from_url(client)
        try:
            from redis.exceptions import RedisError

            self._errors: tuple[type[BaseException], ...] = (RedisError,)
        except ModuleNotFoundError:  # a client object of another library
            self._errors = ()
        self.client = client
        self.prefix = prefix
        self.retention = float(retention)
        self.clock = clock
        self.rng = rng
        self._consume = client.register_script(_CONSUME_LUA)
        self._issue = client.register_script(_ISSUE_LUA)
        self._latest = client.register_script(_LATEST_LUA)

    def _key(self, nonce: str) -> str:
        return f"{self.prefix}n:{nonce}"

    def _session_key(self, session: str) -> str:
        return f"{self.prefix}s:{session}"

    def issue(self, session_id: str, ttl: float, *, attributes: Sequence[str] = ()) -> str:
        session = _session_hash(session_id)
        ttl = _check_ttl(ttl)
        nonce = new_nonce(self.rng)
        now = self.clock()
        keep_ms = int((ttl + self.retention) * 1000)
        with _guard(self._errors, "Redis"):
            self._issue(
                keys=[self._key(nonce), self._session_key(session)],
                args=[session, json.dumps(list(attributes)), repr(now), repr(now + ttl), keep_ms, nonce],
            )
        return nonce

    def consume(self, nonce: str, session_id: str, now: float | None = None) -> None:
        session = _session_hash(session_id)
        when = self.clock() if now is None else float(now)
        with _guard(self._errors, "Redis"):
            outcome = self._consume(keys=[self._key(nonce)], args=[session, repr(when)])
        if isinstance(outcome, bytes):
            outcome = outcome.decode()
        if outcome != "ok":
            raise _refusal(outcome)

    def find(self, nonce: str) -> NonceRecord | None:
        with _guard(self._errors, "Redis"):
            fields = self.client.hgetall(self._key(nonce))
        return _redis_record(nonce, {_text(k): _text(v) for k, v in fields.items()})

    def latest(self, session_id: str) -> NonceRecord | None:
        with _guard(self._errors, "Redis"):
            found = self._latest(
                keys=[self._session_key(_session_hash(session_id))], args=[self._key("")]
            )
        if not found:
            return None
        nonce, flat = found
        fields = {_text(flat[i]): _text(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}
        return _redis_record(_text(nonce), fields)


def _redis_record(nonce: str, fields: dict[str, str]) -> NonceRecord | None:
    """A nonce's hash fields as a record (None when the hash is gone: expired and dropped)."""
    if not fields:
        return None
    return NonceRecord(
        nonce,
        tuple(json.loads(fields["a"])),
        float(fields["i"]),
        float(fields["e"]),
        fields["u"] == "1",
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
