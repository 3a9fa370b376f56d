"""Desk records in a real PostgreSQL server, started here (skipped, with the reason, when it cannot be)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import pytest

from gui.trust import build_trust
from idcard.desk.records import verify_bundle
from idcard.desk.store import PostgresStore, describe
from mock_card.pytest_plugin import unavailable
from tests.gui.test_desk import desk_read_and_record


def _find(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install 'idcard[postgres]')")
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if not initdb or not pg_ctl:
        unavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql to run this test"
        )
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the server as the 'postgres' account.
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable(
                "running as root and there is no 'postgres' account to run the PostgreSQL server as"
            )
        runuser = shutil.which("runuser")
        if not runuser:
            unavailable("running as root without runuser(1) to start PostgreSQL as 'postgres'")
        prefix = [runuser, "-u", "postgres", "--"]
    base = tempfile.mkdtemp(prefix="idcard-pg-")
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = os.path.join(base, "data"), os.path.join(base, "server.log")
    port = _free_port()
    try:
        subprocess.run(
            [
                *prefix,
                initdb,
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        started = subprocess.run(
            [*prefix, pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start"],
            capture_output=True,
            text=True,
            timeout=90,
        )
        if started.returncode != 0:
            tail = open(log).read()[-2000:] if os.path.exists(log) else started.stderr
            unavailable(f"PostgreSQL did not start: {tail}")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(
                [*prefix, pg_ctl, "-D", data, "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


def test_postgres_store_roundtrip(postgres_url: str, qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    window = make_window(demo_card, desk_db=postgres_url)
    assert isinstance(window.store, PostgresStore)
    assert window.desk.storage.text().endswith(describe(postgres_url))
    record = desk_read_and_record(qtbot, window)

    other = PostgresStore(postgres_url)  # a second desk sharing the database
    try:
        stored = other.get(record.id)
        assert stored is not None and stored.hash == record.hash and not stored.tampered
        assert [r.id for r in other.search("رضایی")] == [record.id]
        assert [r.id for r in other.search("0012345679")] == [record.id]
        assert other.search("nobody") == []
        verdict, _ = verify_bundle(stored.bundle_json(), build_trust(test_anchors=True).documents)
        assert verdict.verified
    finally:
        other.close()


def test_postgres_password_is_not_shown() -> None:
    assert (
        describe("postgresql://desk:s3cret@db.example:5432/records")
        == "postgresql://desk:***@db.example:5432/records"
    )
