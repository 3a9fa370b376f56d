"""The SQLite nonce store with several worker processes starting at once (issue 9 item 6).

Today two workers opening a fresh database together may fail with
``database is locked`` (the WAL switch and the schema creation race). Here
eight processes open the same new file at the same instant, issue nonces
and consume each other's; every one must succeed, and every nonce be used
exactly once. The file holds session data: it is created 0600.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import stat
import time
from pathlib import Path

from idcard.portal.errors import TokenError
from idcard.portal.nonces import SqliteNonceStore

WORKERS = 16
PER_WORKER = 20


def _worker(path: str, start_at: float, index: int, results: mp.Queue) -> None:
    try:
        while time.time() < start_at:
            pass  # all processes hit the fresh file in the same millisecond
        store = SqliteNonceStore(path)
        issued = [store.issue(f"s{index}-{n}", 60) for n in range(PER_WORKER)]
        results.put(("ok", index, issued))
    except BaseException as exc:  # noqa: BLE001 - report anything to the parent
        results.put(("error", index, f"{type(exc).__name__}: {exc} ({exc.__cause__!r})"))


def test_workers_starting_together_on_a_new_database(tmp_path: Path) -> None:
    path = str(tmp_path / "nonces.sqlite")
    ctx = mp.get_context("fork")
    results: mp.Queue = ctx.Queue()
    start_at = time.time() + 0.5
    procs = [ctx.Process(target=_worker, args=(path, start_at, i, results)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    answers = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    errors = [a for a in answers if a[0] == "error"]
    assert not errors, errors
    store = SqliteNonceStore(path)
    for _, index, issued in answers:
        for n, nonce in enumerate(issued):
            store.consume(nonce, f"s{index}-{n}")
    # Used once: a second consumption is a replay.
    _, index, issued = answers[0]
    try:
        store.consume(issued[0], f"s{index}-0")
    except TokenError as exc:
        assert exc.code == "nonce.reused"
    else:
        raise AssertionError("a nonce was used twice")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, oct(os.stat(path).st_mode)


def test_a_store_opening_while_another_worker_holds_the_database_waits(tmp_path: Path) -> None:
    import sqlite3
    import threading

    path = str(tmp_path / "held.sqlite")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        store = SqliteNonceStore(path)
        assert time.monotonic() - started >= 0.4, "it did not wait for the other worker"
        nonce = store.issue("s", 60)
        store.consume(nonce, "s")
    finally:
        release.join()
        holder.close()
