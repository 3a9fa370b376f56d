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
from typing import Any, Protocol, runtime_checkable

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
            self._db = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
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
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(0.01 + random.random() * 0.05)

    def close(self) -> None:
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            self._db.close()

    def issue(self, session_id: str, ttl: float, *, attributes: Sequence[str] = ()) -> str:
        session = _session_hash(session_id)
        ttl = _check_ttl(ttl)
        nonce = new_nonce(self.rng)
        now = self.clock()
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            # One transaction, so one commit (one fsync) per issued nonce, not two.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "DELETE FROM idcard_nonces WHERE expires_at < ?", (now - self.retention,)
                )
                self._db.execute(
                    "INSERT INTO idcard_nonces (nonce, session_hash, attributes, issued_at, expires_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (nonce, session, json.dumps(list(attributes)), now, now + ttl),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return nonce

    def consume(self, nonce: str, session_id: str, now: float | None = None) -> None:
        session = _session_hash(session_id)
        when = self.clock() if now is None else float(now)
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            # One statement: SQLite runs it atomically, so of two workers exactly one
            # flips used_at from NULL.
            cursor = self._db.execute(
                "UPDATE idcard_nonces SET used_at = ? WHERE nonce = ? AND session_hash = ?"
                " AND used_at IS NULL AND expires_at > ?",
                (when, nonce, session, when),
            )
            if cursor.rowcount == 1:
                return
            row = self._db.execute(
                "SELECT session_hash, expires_at, used_at FROM idcard_nonces WHERE nonce = ?",
                (nonce,),
            ).fetchone()
        raise _refusal(_classify(row, session, when))

    def find(self, nonce: str) -> NonceRecord | None:
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            row = self._db.execute(
                "SELECT nonce, attributes, issued_at, expires_at, used_at FROM idcard_nonces"
                " WHERE nonce = ?",
                (nonce,),
            ).fetchone()
        return _record(row)

    def latest(self, session_id: str) -> NonceRecord | None:
        session = _session_hash(session_id)
        with self._lock, _guard((sqlite3.Error,), "SQLite"):
            row = self._db.execute(
                "SELECT nonce, attributes, issued_at, expires_at, used_at FROM idcard_nonces"
                " WHERE session_hash = ? ORDER BY issued_at DESC, rowid DESC LIMIT 1",
                (session,),
            ).fetchone()
        return _record(row)


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


class RedisNonceStore:
    """Nonces in Redis, for several portal workers or machines (a Lua script makes use atomic)."""

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
            pipe = self.client.pipeline(transaction=True)
            pipe.hset(
                self._key(nonce),
                mapping={
                    "s": session,
                    "a": json.dumps(list(attributes)),
                    "i": repr(now),
                    "e": repr(now + ttl),
                    "u": "0",
                },
            )
            pipe.pexpire(self._key(nonce), keep_ms)
            pipe.set(self._session_key(session), nonce, px=keep_ms)
            pipe.execute()
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
        if not fields:
            return None
        get = {_text(k): _text(v) for k, v in fields.items()}
        return NonceRecord(
            nonce,
            tuple(json.loads(get["a"])),
            float(get["i"]),
            float(get["e"]),
            get["u"] == "1",
        )

    def latest(self, session_id: str) -> NonceRecord | None:
        with _guard(self._errors, "Redis"):
            nonce = self.client.get(self._session_key(_session_hash(session_id)))
        return None if nonce is None else self.find(_text(nonce))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
