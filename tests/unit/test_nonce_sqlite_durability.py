"""How the SQLite nonce store flushes: one fsync per login when durable (issue 10).

Durable (the default), the use of a nonce is committed with
``synchronous=FULL`` (its WAL is flushed before `consume` returns) and the
issue with ``NORMAL`` (forgetting an issued nonce in a power cut only makes
that login start again). ``durable=False`` never flushes on commit. The
statements SQLite runs are traced on the store's own connection.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from idcard.portal.errors import TokenError
from idcard.portal.nonces import SqliteNonceStore


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
