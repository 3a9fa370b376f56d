"""Where desk records live: SQLite by default, PostgreSQL given a `postgresql://` URL.

One table, the same for both:

    desk_records(id, created_at, desk, operator, purpose, verified,
                 search_text, record_hash, body)

`body` is the canonical record JSON (what the hash is over); the other
columns are for listing and searching. Each store is used from one thread
(the app's database worker), which opens the connection on first use.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from idcard.desk.records import Record, canonical, record_hash
from idcard.digits import to_latin_digits
from reader.errors import CodedError

SCHEMA = """
CREATE TABLE IF NOT EXISTS desk_records (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    desk TEXT NOT NULL,
    operator TEXT NOT NULL,
    purpose TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    search_text TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    body TEXT NOT NULL
)
"""
INDEX = "CREATE INDEX IF NOT EXISTS desk_records_created ON desk_records (created_at)"
COLUMNS = "id, created_at, desk, operator, purpose, verified, search_text, record_hash, body"


class StoreError(CodedError):
    code = "desk.store"


def default_sqlite_path() -> Path:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "idcard" / "desk-records.sqlite3"


def is_postgres_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def describe(location: str) -> str:
    """For the screen: the location without a password."""
    if is_postgres_url(location):
        parts = urlsplit(location)
        if parts.password:
            host = parts.hostname or ""
            netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc))
        return location
    return str(location)


class RecordStore(Protocol):
    location: str

    def add(self, record: Record) -> None: ...

    def get(self, record_id: str) -> Record | None: ...

    def search(self, text: str = "", limit: int = 200) -> list[Record]: ...

    def close(self) -> None: ...


def _row_to_record(row: tuple[Any, ...]) -> Record:
    body = json.loads(row[8])
    # Shown as such: the history does not hide a record changed in the database.
    return Record(body, row[7], tampered=record_hash(body) != row[7])


def _like(text: str) -> str:
    cleaned = (
        to_latin_digits(text.strip().lower())
        .replace("\\", "\\\\")
        .replace("%", "\\%")
        .replace("_", "\\_")
    )
    return f"%{cleaned}%"


class _SqlStore:
    """The queries both databases share; subclasses open the connection.

    `_P` is the driver's parameter marker and `_errors` its exception base;
    `_transaction` gives a context that commits or rolls back one write.
    """

    _P = "?"
    location: str
    _db: Any

    def _conn(self) -> Any:
        raise NotImplementedError

    def _errors(self) -> type[Exception]:
        raise NotImplementedError

    def _transaction(self, db: Any) -> Any:
        raise NotImplementedError

    def add(self, record: Record) -> None:
        db = self._conn()
        marks = ", ".join([self._P] * len(COLUMNS.split(",")))
        try:
            with self._transaction(db):
                db.execute(f"INSERT INTO desk_records ({COLUMNS}) VALUES ({marks})", _values(record))
        except self._errors() as exc:
            raise StoreError(f"Cannot save the record: {exc}") from None

    def get(self, record_id: str) -> Record | None:
        row = (
            self._conn()
            .execute(f"SELECT {COLUMNS} FROM desk_records WHERE id = {self._P}", (record_id,))
            .fetchone()
        )
        return _row_to_record(row) if row else None

    def search(self, text: str = "", limit: int = 200) -> list[Record]:
        rows = (
            self._conn()
            .execute(
                f"SELECT {COLUMNS} FROM desk_records WHERE search_text LIKE {self._P} ESCAPE '\\' "
                f"ORDER BY created_at DESC LIMIT {self._P}",
                (_like(text), limit),
            )
            .fetchall()
        )
        return [_row_to_record(r) for r in rows]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class SqliteStore(_SqlStore):
    def __init__(self, path: str | Path) -> None:
        self.location = str(path)
        self._db: sqlite3.Connection | None = None

    def _errors(self) -> type[Exception]:
        return sqlite3.Error

    def _transaction(self, db: Any) -> Any:
        return db  # sqlite3's connection context commits or rolls back

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            path = Path(self.location)
            if self.location != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            try:
                if self.location != ":memory:":
                    # Created 0600 before SQLite opens it: no moment at the umask's mode.
                    os.close(os.open(self.location, os.O_RDWR | os.O_CREAT, 0o600))
                self._db = sqlite3.connect(self.location)
                self._db.execute(SCHEMA)
                self._db.execute(INDEX)
                self._db.commit()
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(
                    f"Cannot open the records database {self.location}: {exc}"
                ) from None
            if self.location != ":memory:":
                os.chmod(self.location, 0o600)  # identities: readable by the desk's account only
        return self._db


class PostgresStore(_SqlStore):
    _P = "%s"

    def __init__(self, url: str) -> None:
        self.location = url
        self._db: Any = None

    def _errors(self) -> type[Exception]:
        import psycopg

        return psycopg.Error

    def _transaction(self, db: Any) -> Any:
        return db.transaction()

    def _conn(self) -> Any:
        if self._db is None:
            try:
                import psycopg
            except ImportError:
                raise StoreError(
                    "PostgreSQL needs psycopg: pip install 'idcard[postgres]'"
                ) from None
            try:
                # Autocommit: a search leaves no transaction open (and no lock held);
                # writes use explicit transactions.
                self._db = psycopg.connect(self.location, connect_timeout=10, autocommit=True)
                with self._db.transaction():
                    self._db.execute(SCHEMA)
                    self._db.execute(INDEX)
            except psycopg.Error as exc:
                self._db = None
                raise StoreError(
                    f"Cannot open the records database {describe(self.location)}: {exc}"
                ) from None
        return self._db


def _values(record: Record) -> tuple[Any, ...]:
    body = record.body
    return (
        record.id,
        body["createdAt"],
        body["desk"],
        body["operator"],
        body["purpose"],
        record.verified,
        record.search_text(),
        record.hash,
        canonical(body).decode("utf-8"),
    )


def open_store(location: str | None) -> RecordStore:
    if not location:
        return SqliteStore(default_sqlite_path())
    if is_postgres_url(location):
        return PostgresStore(location)
    return SqliteStore(location)
