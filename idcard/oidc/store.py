"""Short-lived provider state shared by every worker: logins, authorization codes, tokens.

Values are small JSON objects with a lifetime. `take` reads and deletes in one
atomic step, so an authorization code is redeemed once even when two workers
receive it at the same moment. SQLite (one machine) by default; Redis for
several machines.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from idcard.errors import IdCardError, UsageError

__all__ = ["OidcStore", "SqliteStore", "RedisStore", "StoreError", "open_store"]

Json = dict[str, Any]


class StoreError(IdCardError):
    code = "oidc.store"


class OidcStore(Protocol):
    def put(self, kind: str, key: str, value: Json, ttl: float) -> None: ...
    def get(self, kind: str, key: str) -> Json | None: ...
    def take(self, kind: str, key: str) -> Json | None: ...


class SqliteStore:
    def __init__(self, path: str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._local = threading.local()
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS oidc_state (k TEXT PRIMARY KEY, v TEXT NOT NULL, expires REAL NOT NULL)"
            )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def put(self, kind: str, key: str, value: Json, ttl: float) -> None:
        now = self.clock()
        try:
            db = self._db()
            db.execute("DELETE FROM oidc_state WHERE expires < ?", (now,))
            db.execute(
                "INSERT OR REPLACE INTO oidc_state (k, v, expires) VALUES (?, ?, ?)",
                (f"{kind}:{key}", json.dumps(value), now + ttl),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"The provider's state store failed: {exc}") from None

    def get(self, kind: str, key: str) -> Json | None:
        try:
            row = self._db().execute(
                "SELECT v FROM oidc_state WHERE k = ? AND expires >= ?", (f"{kind}:{key}", self.clock())
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"The provider's state store failed: {exc}") from None
        return json.loads(row[0]) if row else None

    def take(self, kind: str, key: str) -> Json | None:
        try:
            # One statement: SQLite serialises writers, so one caller gets the row.
            row = self._db().execute(
                "DELETE FROM oidc_state WHERE k = ? RETURNING v, expires", (f"{kind}:{key}",)
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"The provider's state store failed: {exc}") from None
        if row is None or row[1] < self.clock():
            return None
        return json.loads(row[0])


class RedisStore:
    def __init__(self, url_or_client: Any, *, prefix: str = "idcard:oidc:") -> None:
        if isinstance(url_or_client, str):
            try:
                import redis
            except ModuleNotFoundError as exc:
                raise UsageError("The Redis store needs the redis package (pip install 'idcard[redis]').") from exc
            url_or_client = redis.Redis.from_url(url_or_client)
        from redis.exceptions import RedisError

        self.client = url_or_client
        self.prefix = prefix
        self._errors = (RedisError,)

    def _key(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}:{key}"

    def put(self, kind: str, key: str, value: Json, ttl: float) -> None:
        try:
            self.client.set(self._key(kind, key), json.dumps(value), px=max(1, int(ttl * 1000)))
        except self._errors as exc:
            raise StoreError(f"The provider's state store failed: {exc}") from None

    def get(self, kind: str, key: str) -> Json | None:
        try:
            raw = self.client.get(self._key(kind, key))
        except self._errors as exc:
            raise StoreError(f"The provider's state store failed: {exc}") from None
        return json.loads(raw) if raw else None

    def take(self, kind: str, key: str) -> Json | None:
        try:
            raw = self.client.getdel(self._key(kind, key))  # atomic (Redis >= 6.2)
        except self._errors as exc:
            raise StoreError(f"The provider's state store failed: {exc}") from None
        return json.loads(raw) if raw else None


def open_store(url: str) -> OidcStore:
    """`redis://…` or `rediss://…` for Redis; anything else is a SQLite file path."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    return SqliteStore(url)
