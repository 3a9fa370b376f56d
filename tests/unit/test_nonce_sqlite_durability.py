"""How the SQLite nonce store flushes: one fsync per login when durable (issue 10).

Durable (the default), the use of a nonce is committed with
``synchronous=FULL`` (its WAL is flushed before `consume` returns) and the
issue with ``NORMAL`` (forgetting an issued nonce in a power cut only makes
that login start again). ``durable=False`` never flushes on commit. The
statements SQLite runs are traced on the store's own connection. A worker
finding the database held by another retries soon, and gives up with
NonceStoreError only after the busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from idcard.portal import nonces
from idcard.portal.errors import TokenError
from idcard.portal.nonces import NonceStoreError, SqliteNonceStore


def _traced(store: SqliteNonceStore) -> list[str]:
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    return statements


def _synchronous_before(statements: list[str], keyword: str) -> str:
    """The synchronous setting in force when the first statement starting with `keyword` ran."""
    mode = "FULL"  # SQLite's default in WAL mode
    for statement in statements:
        if statement.startswith("PRAGMA synchronous="):
            mode = statement.split("=", 1)[1]
        if statement.lstrip().upper().startswith(keyword):
            return mode
    raise AssertionError(f"no {keyword} statement in {statements}")


def test_durable_store_flushes_the_use_not_the_issue(tmp_path: Path) -> None:
    store = SqliteNonceStore(tmp_path / "n.sqlite")
    for login in range(2):  # the setting changes back and forth, every login
        statements = _traced(store)
        nonce = store.issue(f"session-{login}", 60)
        store.consume(nonce, f"session-{login}")
        assert _synchronous_before(statements, "INSERT") == "NORMAL"
        assert _synchronous_before(statements, "UPDATE") == "FULL"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    # The used nonce is on disk for any other worker: a replay through a new connection fails.
    with pytest.raises(TokenError) as refused:
        SqliteNonceStore(tmp_path / "n.sqlite").consume(nonce, "session-1")
    assert refused.value.code == "nonce.reused"


def test_fast_store_never_flushes_on_commit(tmp_path: Path) -> None:
    store = SqliteNonceStore(tmp_path / "n.sqlite", durable=False)
    statements = _traced(store)
    nonce = store.issue("session", 60)
    store.consume(nonce, "session")
    assert _synchronous_before(statements, "INSERT") == "NORMAL"
    assert _synchronous_before(statements, "UPDATE") == "NORMAL"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with pytest.raises(TokenError) as refused:
        store.consume(nonce, "session")
    assert refused.value.code == "nonce.reused"


def _hold(path: Path, seconds: float) -> tuple[sqlite3.Connection, threading.Timer]:
    """Another worker's connection holding the database's write lock for `seconds`."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(seconds, lambda: holder.execute("COMMIT"))
    release.start()
    return holder, release


def test_writes_wait_for_another_worker_then_go_through(tmp_path: Path) -> None:
    path = tmp_path / "n.sqlite"
    store = SqliteNonceStore(path)
    nonce = store.issue("earlier", 60)
    holder, release = _hold(path, 0.3)
    try:
        started = time.monotonic()
        fresh = store.issue("session", 60)  # busy at first: retried, not failed
        store.consume(nonce, "earlier")
        assert time.monotonic() - started >= 0.25, "it did not wait for the other worker"
    finally:
        release.join()
        holder.close()
    store.consume(fresh, "session")
    with pytest.raises(TokenError):
        store.consume(fresh, "session")


def test_a_database_held_too_long_is_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "n.sqlite"
    store = SqliteNonceStore(path)
    monkeypatch.setattr(nonces, "_BUSY_TIMEOUT", 0.2)
    holder, release = _hold(path, 1.0)
    try:
        with pytest.raises(NonceStoreError):
            store.issue("session", 60)
    finally:
        release.join()
        holder.close()
    store.issue("session", 60)  # the store works again once the other worker lets go
