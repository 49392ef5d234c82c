"""One store, two engines: an SQLite file (the default) or a PostgreSQL server (`postgresql://`).

Every query in bot/ is written once, in the SQL both engines speak (`?` placeholders, `INSERT …
ON CONFLICT …`, `excluded.`), and runs through a `Session`: on SQLite the stdlib driver as before
(with sqlite-utils for the released migrations), on PostgreSQL psycopg 3 with its connection pool,
where the only rewrite is the placeholder style (`?` -> `%s`), done here and nowhere else. Queries
therefore never put `?` or `%` inside a string literal (pass values as parameters).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg

Engine = Literal["sqlite", "postgresql"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

# What a store call raises when the database cannot be read or written (SQLite: read-only, full disk,
# locked past the busy timeout; PostgreSQL: server gone, pool exhausted past its timeout).
DatabaseError = (sqlite3.Error, psycopg.Error)


def is_postgres_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def redacted_location(location: str | Path) -> str:
    """FAL_BOT_DB for a log line or a message: a URL's password never appears."""
    if not is_postgres_url(location):
        return str(location)
    try:
        info = psycopg.conninfo.conninfo_to_dict(str(location))
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    host = info.get("host") or "localhost"
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname') or ''}"


class Cursor(Protocol):
    """What `Session.execute` returns on either engine (DB-API cursors)."""

    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Any: ...


@lru_cache(maxsize=512)
def postgres_sql(sql: str) -> str:
    """The one rewrite between the engines: psycopg's `%s` placeholders (and `%` escaped)."""
    return sql.replace("%", "%%").replace("?", "%s")


class Session:
    """One connection for a transaction or a read, whichever engine is behind it."""

    engine: Engine

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run `sql` once per row; returns the number of rows changed."""
        raise NotImplementedError


class SqliteSession(Session):
    engine: Engine = "sqlite"

    def __init__(self, db: Any):  # a sqlite_utils.Database
        self.db = db
        self.conn: sqlite3.Connection = db.conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return int(self.conn.executemany(sql, rows).rowcount)

    def __getattr__(self, name: str) -> Any:
        # sqlite-utils' API (`table()`, …) for the released SQLite migrations and older tests.
        return getattr(self.db, name)


class PostgresSession(Session):
    engine: Engine = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any]):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(postgres_sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        with self.conn.cursor() as cursor:
            cursor.executemany(postgres_sql(sql), rows)
            return max(0, int(cursor.rowcount))
