"""Schema versions for both engines, applied in order at start-up under a lock.

A migration is one entry of `bot.store.MIGRATIONS`: its SQLite form (a sqlite-utils function, as the
released ones are, or SQL statements) and its PostgreSQL form (SQL statements). `schema_version`
holds the number applied, on either engine. SQLite serialises the run with `BEGIN IMMEDIATE`;
PostgreSQL with a session advisory lock on the migrating connection, and DDL there is
transactional, so a process that dies half-way leaves the previous version intact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from bot.database import Session

# pg_advisory_lock key for migrations (any constant unique to fal-bot: "falbot" in ASCII, plus 1).
MIGRATION_LOCK_KEY = 0x66616C626F7401
CONNECT_TIMEOUT_SECONDS = 10

SqliteForm = Callable[[Any], None] | Sequence[str]


@dataclass(frozen=True)
class Migration:
    """One schema version. `postgres=None` marks a migration written for SQLite only (refused on
    PostgreSQL, naming it, rather than leaving the schema behind)."""

    name: str
    sqlite: SqliteForm
    postgres: Sequence[str] | None

    def apply(self, session: Session) -> None:
        if session.engine == "sqlite":
            if callable(self.sqlite):
                self.sqlite(session)
            else:
                for statement in self.sqlite:
                    session.execute(statement)
            return
        if self.postgres is None:
            raise RuntimeError(f"migration {self.name} has no PostgreSQL form")
        for statement in self.postgres:
            session.execute(statement)


def portable(name: str, *statements: str) -> Migration:
    """A migration whose SQL both engines run as written (use DOUBLE PRECISION for times: REAL
    is 4 bytes in PostgreSQL; no AUTOINCREMENT)."""
    return Migration(name, statements, statements)


def as_migration(entry: Migration | Callable[[Any], None]) -> Migration:
    """A bare sqlite-utils function in the list is a SQLite-only migration."""
    if isinstance(entry, Migration):
        return entry
    return Migration(getattr(entry, "__name__", repr(entry)), entry, None)


def current_version(session: Session) -> int:
    session.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = session.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        session.execute("INSERT INTO schema_version (version) VALUES (0)")
        return 0
    return int(row[0])


def apply_pending(session: Session, migrations: Sequence[Migration | Callable[[Any], None]]) -> int:
    """Inside the caller's transaction (and lock): bring the schema to the latest version."""
    version = current_version(session)
    for number, entry in enumerate(migrations[version:], start=version + 1):
        as_migration(entry).apply(session)
        session.execute("UPDATE schema_version SET version = ?", (number,))
    return max(version, len(migrations))


def migrate_postgres(url: str, migrations: Sequence[Migration | Callable[[Any], None]]) -> int:
    """Run the pending migrations on a dedicated connection holding the migration lock, so
    replicas starting together take turns: the first migrates, the others find nothing to do."""
    from bot.database import PostgresSession

    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            with conn.transaction():
                return apply_pending(PostgresSession(conn), migrations)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
