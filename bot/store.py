"""Persistence: subscriptions, processed Slack events, feedback, team state, on SQLite or PostgreSQL.

FAL_BOT_DB is an SQLite file (the default: WAL mode, one connection per thread so the poller, the
sender and Bolt's listener threads can all use the same Store) or a `postgresql://` URL (psycopg 3
with a connection pool; several processes may share it). Every query is written once for both
engines (bot/database). The schema is created and migrated at start, under a lock; every
row that belongs to a workspace carries its team_id. The alert engine adds its own tables through
`MIGRATIONS` (see bot/alerts/outbox.py). The only pasted text stored is in `gaps` (pastes the bot
could not answer, redacted before they are written, kept GAP_RETENTION_DAYS, the newest GAP_KEPT_ROWS),
for `fal-bot kb gaps`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg_pool import ConnectionPool
from sqlite_utils import Database

from bot.database import (
    DatabaseError,
    Engine,
    PostgresSession,
    Session,
    SqliteSession,
    is_postgres_url,
    redacted_location,
)
from bot.database.migrations import (
    CONNECT_TIMEOUT_SECONDS,
    Migration,
    apply_pending,
    as_migration,
    migrate_postgres,
    portable,
)
from bot.keys import redact

MinLevel = Literal["degraded", "partial_outage", "major_outage"]

PROCESSED_EVENT_TTL_SECONDS = 24 * 3600
# Expired rows of seen_requests (bot/runtime/replay.py) are deleted at most this often.
SEEN_REQUEST_PRUNE_EVERY_SECONDS = 30.0
# Expired processed event ids likewise: not in every event's transaction, where replicas recording
# events at the same moment would queue on each other's deletes.
PROCESSED_EVENT_PRUNE_EVERY_SECONDS = 60.0

# What a store call raises when the database cannot be read or written (read-only, full disk, locked
# for longer than the busy timeout, deleted folder, server gone): callers say so in one line.
StoreError = DatabaseError
# PostgreSQL: connections a process keeps at most (Bolt's listener threads, the sender, the poller).
POOL_MIN_CONNECTIONS = 4
POOL_MAX_CONNECTIONS = 10
POOL_TIMEOUT_SECONDS = 15.0
POOL_CLOSE_SECONDS = 1.0  # within the shutdown budget: a connection still in use is dropped
NAMED_LOCK_SECONDS = 15.0  # how long `named_lock` waits for another holder before giving up

# SQLite: one process per file, so a named lock is a thread lock per (file, name).
_SQLITE_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_SQLITE_LOCKS_GUARD = threading.Lock()


class LockTimeout(Exception):
    """`Store.named_lock` waited NAMED_LOCK_SECONDS and another holder still had it."""


def describe_store_error(exc: BaseException) -> str:
    return f"{exc}".splitlines()[0][:200] if str(exc) else type(exc).__name__


def _migration_1_slack(db: Database) -> None:
    """(released) subscriptions, processed events, feedback, teams."""
    db.table("subscriptions").create(
        {
            "team_id": str,
            "channel_id": str,
            "min_level": str,
            "maintenance": int,
            "components": str,  # JSON list of component names; [] means all
            "created_by": str,
            "created_at": float,
            "updated_at": float,
            "active": int,
            "disabled_reason": str,
        },
        pk=("team_id", "channel_id"),
        not_null={"team_id", "channel_id", "min_level", "maintenance", "components", "active"},
        defaults={"active": 1, "maintenance": 1, "components": "[]", "min_level": "degraded"},
    )
    db.table("processed_events").create(
        {"event_id": str, "team_id": str, "seen_at": float},
        pk="event_id",
    )
    db.table("processed_events").create_index(["seen_at"])
    db.table("feedback").create(
        {
            "id": int,
            "team_id": str,
            "user_id": str,
            "entry_id": str,
            "vote": str,
            "created_at": float,
        },
        pk="id",
        not_null={"team_id", "user_id", "entry_id", "vote", "created_at"},
    )
    db.table("teams").create(
        {"team_id": str, "sending_enabled": int, "disabled_reason": str, "updated_at": float},
        pk="team_id",
        defaults={"sending_enabled": 1},
    )


def _migration_2_alerts(db: Database) -> None:
    """Outage alerts (bot/alerts/outbox.py): engine state, tracked subjects, outbox, thread parents."""
    statements = [
        "CREATE TABLE alert_engine (id INTEGER PRIMARY KEY CHECK (id = 1),"
        " initialized INTEGER NOT NULL DEFAULT 0, last_poll_at REAL, unknown_since REAL,"
        " unknown_note TEXT, updated_at REAL)",
        "CREATE TABLE alert_subjects (key TEXT PRIMARY KEY, kind TEXT NOT NULL, open INTEGER NOT NULL,"
        " data TEXT NOT NULL, resolved_at REAL, updated_at REAL NOT NULL)",
        "CREATE TABLE alert_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, team_id TEXT NOT NULL,"
        " channel_id TEXT NOT NULL, subject_key TEXT NOT NULL, event_key TEXT NOT NULL,"
        " kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
        " attempts INTEGER NOT NULL DEFAULT 0, rate_limited INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at REAL NOT NULL DEFAULT 0, attempt_started_at REAL, created_at REAL NOT NULL,"
        " sent_at REAL, posted_ts TEXT, last_error TEXT,"
        " UNIQUE (team_id, channel_id, subject_key, event_key))",
        "CREATE INDEX alert_outbox_due ON alert_outbox (status, team_id, channel_id, id)",
        "CREATE INDEX alert_outbox_subject ON alert_outbox (subject_key, event_key)",
        "CREATE TABLE alert_threads (team_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
        " subject_key TEXT NOT NULL, ts TEXT NOT NULL, created_at REAL NOT NULL,"
        " PRIMARY KEY (team_id, channel_id, subject_key))",
    ]
    for statement in statements:
        db.conn.execute(statement)


def _migration_3_seen_requests(db: Database) -> None:
    """Signed Slack requests already served, to refuse a replay of the same bytes (bot/runtime/http.py)."""
    db.conn.execute(
        "CREATE TABLE seen_requests (timestamp TEXT NOT NULL, signature TEXT NOT NULL,"
        " expires_at REAL NOT NULL, PRIMARY KEY (timestamp, signature))"
    )
    db.conn.execute("CREATE INDEX seen_requests_expiry ON seen_requests (expires_at)")


def _migration_4_gaps(db: Database) -> None:
    """Pastes the bot could not answer (no match, or a match someone voted 👎), redacted."""
    db.conn.execute(
        "CREATE TABLE gaps (id INTEGER PRIMARY KEY, team_id TEXT NOT NULL, surface TEXT NOT NULL,"
        " reason TEXT NOT NULL, entry_id TEXT, text TEXT NOT NULL, created_at REAL NOT NULL)"
    )
    db.conn.execute("CREATE INDEX gaps_created ON gaps (created_at)")


def _migration_6_early_warnings(db: Database) -> None:
    """Early warnings (bot/incidents/early.py): the channel option, the fal-side pastes of the last
    minutes (who as a one-way hash, what as category and fal hosts, never the text) and the warnings
    sent, for one a channel an hour and for "fal confirmed" in their threads."""
    db.conn.execute("ALTER TABLE subscriptions ADD COLUMN early INTEGER NOT NULL DEFAULT 0")
    db.conn.execute(
        "CREATE TABLE early_pastes (id INTEGER PRIMARY KEY, team_id TEXT NOT NULL, person TEXT NOT NULL,"
        " category TEXT NOT NULL, hosts TEXT NOT NULL, created_at REAL NOT NULL)"
    )
    db.conn.execute("CREATE INDEX early_pastes_team ON early_pastes (team_id, created_at)")
    db.conn.execute(
        "CREATE TABLE early_warnings (team_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
        " subject_key TEXT NOT NULL, created_at REAL NOT NULL,"
        " PRIMARY KEY (team_id, channel_id, subject_key))"
    )
    db.conn.execute("CREATE INDEX early_warnings_created ON early_warnings (created_at)")


def _migration_7_quiet_hours(db: Database) -> None:
    """Quiet hours (bot/incidents/quiet.py): the channel option, and the alerts held during them for
    the digest posted when they end."""
    db.conn.execute("ALTER TABLE subscriptions ADD COLUMN quiet TEXT")
    db.conn.execute(
        "CREATE TABLE alert_held (team_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
        " subject_key TEXT NOT NULL, created_at REAL NOT NULL,"
        " PRIMARY KEY (team_id, channel_id, subject_key))"
    )


# PostgreSQL forms of migrations 6 and 7 (the SQLite functions above): the same tables and columns.
_POSTGRES_6 = (
    "ALTER TABLE subscriptions ADD COLUMN early INTEGER NOT NULL DEFAULT 0",
    "CREATE TABLE early_pastes (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " team_id TEXT NOT NULL, person TEXT NOT NULL, category TEXT NOT NULL, hosts TEXT NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX early_pastes_team ON early_pastes (team_id, created_at)",
    "CREATE TABLE early_warnings (team_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
    " subject_key TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (team_id, channel_id, subject_key))",
    "CREATE INDEX early_warnings_created ON early_warnings (created_at)",
)
_POSTGRES_7 = (
    "ALTER TABLE subscriptions ADD COLUMN quiet TEXT",
    "CREATE TABLE alert_held (team_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
    " subject_key TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (team_id, channel_id, subject_key))",
)


# PostgreSQL forms of the released SQLite migrations: the same tables, times as DOUBLE PRECISION
# (PostgreSQL's REAL is 4 bytes), identity columns for SQLite's integer primary keys.
_POSTGRES_1 = (
    "CREATE TABLE subscriptions (team_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
    " min_level TEXT NOT NULL DEFAULT 'degraded', maintenance INTEGER NOT NULL DEFAULT 1,"
    " components TEXT NOT NULL DEFAULT '[]', created_by TEXT, created_at DOUBLE PRECISION,"
    " updated_at DOUBLE PRECISION, active INTEGER NOT NULL DEFAULT 1, disabled_reason TEXT,"
    " PRIMARY KEY (team_id, channel_id))",
    "CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, team_id TEXT, seen_at DOUBLE PRECISION)",
    "CREATE INDEX idx_processed_events_seen_at ON processed_events (seen_at)",
    "CREATE TABLE feedback (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " team_id TEXT NOT NULL, user_id TEXT NOT NULL, entry_id TEXT NOT NULL, vote TEXT NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE teams (team_id TEXT PRIMARY KEY, sending_enabled INTEGER DEFAULT 1, disabled_reason TEXT,"
    " updated_at DOUBLE PRECISION)",
)
_POSTGRES_2 = (
    "CREATE TABLE alert_engine (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " initialized INTEGER NOT NULL DEFAULT 0, last_poll_at DOUBLE PRECISION, unknown_since DOUBLE PRECISION,"
    " unknown_note TEXT, updated_at DOUBLE PRECISION)",
    "CREATE TABLE alert_subjects (key TEXT PRIMARY KEY, kind TEXT NOT NULL, open INTEGER NOT NULL,"
    " data TEXT NOT NULL, resolved_at DOUBLE PRECISION, updated_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE alert_outbox (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " team_id TEXT NOT NULL, channel_id TEXT NOT NULL, subject_key TEXT NOT NULL, event_key TEXT NOT NULL,"
    " kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
    " attempts INTEGER NOT NULL DEFAULT 0, rate_limited INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_at DOUBLE PRECISION NOT NULL DEFAULT 0, attempt_started_at DOUBLE PRECISION,"
    " created_at DOUBLE PRECISION NOT NULL, sent_at DOUBLE PRECISION, posted_ts TEXT, last_error TEXT,"
    " UNIQUE (team_id, channel_id, subject_key, event_key))",
    "CREATE INDEX alert_outbox_due ON alert_outbox (status, team_id, channel_id, id)",
    "CREATE INDEX alert_outbox_subject ON alert_outbox (subject_key, event_key)",
    "CREATE TABLE alert_threads (team_id TEXT NOT NULL, channel_id TEXT NOT NULL,"
    " subject_key TEXT NOT NULL, ts TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (team_id, channel_id, subject_key))",
)
_POSTGRES_3 = (
    "CREATE TABLE seen_requests (timestamp TEXT NOT NULL, signature TEXT NOT NULL,"
    " expires_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (timestamp, signature))",
    "CREATE INDEX seen_requests_expiry ON seen_requests (expires_at)",
)
_POSTGRES_4 = (
    "CREATE TABLE gaps (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, team_id TEXT NOT NULL,"
    " surface TEXT NOT NULL, reason TEXT NOT NULL, entry_id TEXT, text TEXT NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX gaps_created ON gaps (created_at)",
)

# Append-only: each entry moves the schema one version up, on both engines. Never edit a released
# migration. A new one is one entry: `portable(name, *sql)` when the same SQL suits both engines,
# else `Migration(name, sqlite=function_or_sql, postgres=sql)`. (A bare sqlite-utils function is
# accepted too, but PostgreSQL then refuses to start until it has a PostgreSQL form.)
MIGRATIONS: list[Migration | Callable[[Database], None]] = [
    Migration("1_slack", _migration_1_slack, _POSTGRES_1),
    Migration("2_alerts", _migration_2_alerts, _POSTGRES_2),
    Migration("3_seen_requests", _migration_3_seen_requests, _POSTGRES_3),
    Migration("4_gaps", _migration_4_gaps, _POSTGRES_4),
    portable(
        "5_one_vote_per_answer",
        # A vote names the answer it is about; a person's second vote on the same answer replaces
        # the first (older rows have no answer id, and each stays a vote of its own).
        "ALTER TABLE feedback ADD COLUMN answer TEXT",
        "CREATE UNIQUE INDEX feedback_one_vote ON feedback (team_id, user_id, entry_id, answer)"
        " WHERE answer IS NOT NULL",
    ),
    Migration("6_early_warnings", _migration_6_early_warnings, _POSTGRES_6),
    Migration("7_quiet_hours", _migration_7_quiet_hours, _POSTGRES_7),
    portable(
        "8_shared_state",
        # What the leading process shares with the others (the last status snapshot it polled).
        "CREATE TABLE shared_state (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
        " updated_at DOUBLE PRECISION NOT NULL)",
    ),
    portable(
        "9_installations",
        # OAuth installs (bot/slack/installations.py): one row per workspace (enterprise_id '' outside
        # Enterprise Grid; team_id '' for an org-wide install). Tokens are stored encrypted.
        "CREATE TABLE installations (enterprise_id TEXT NOT NULL DEFAULT '', team_id TEXT NOT NULL,"
        " is_enterprise_install INTEGER NOT NULL DEFAULT 0, app_id TEXT, bot_id TEXT, bot_user_id TEXT,"
        " bot_scopes TEXT, bot_token TEXT NOT NULL, bot_refresh_token TEXT,"
        " bot_token_expires_at DOUBLE PRECISION, installer_user_id TEXT, team_name TEXT,"
        " installed_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (enterprise_id, team_id))",
        # The `state` of installs in progress: each is good once, until it expires.
        "CREATE TABLE oauth_states (state TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)",
    ),
    portable(
        "10_subscription_enterprise",
        # Enterprise Grid: the org a subscribed workspace belongs to ('' outside a Grid), so the
        # alert sender finds the org-wide install's token for a workspace with none of its own,
        # and an org's uninstall finds its workspaces' data.
        "ALTER TABLE subscriptions ADD COLUMN enterprise_id TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX subscriptions_enterprise ON subscriptions (enterprise_id) WHERE enterprise_id <> ''",
    ),
]

INSTALLATION_COLUMNS = (
    "enterprise_id",
    "team_id",
    "is_enterprise_install",
    "app_id",
    "bot_id",
    "bot_user_id",
    "bot_scopes",
    "bot_token",
    "bot_refresh_token",
    "bot_token_expires_at",
    "installer_user_id",
    "team_name",
    "installed_at",
)
# What belongs to a workspace and goes when it uninstalls the app (installations aside).
WORKSPACE_TABLES = (
    "subscriptions",
    "alert_outbox",
    "alert_threads",
    "alert_held",
    "early_warnings",
    "early_pastes",
    "gaps",
    "feedback",
    "teams",
)

GAP_RETENTION_DAYS = 30
GAP_TEXT_CHARS = 4000  # enough to write an entry from; a whole log dump is not kept
# The newest gaps kept (at most ~40 MB of text): one person sending paste after paste all day must
# not be able to fill the disk, whatever the retention.
GAP_KEPT_ROWS = 10_000


@dataclass(frozen=True)
class FalSideErrors:
    """What a workspace's fal-side pastes of the last minutes add up to: how many different people,
    which categories, which fal hosts. Nothing about who or what they pasted."""

    people: int
    categories: tuple[str, ...]
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class Subscription:
    team_id: str
    channel_id: str
    min_level: MinLevel = "degraded"
    maintenance: bool = True
    components: tuple[str, ...] = field(default_factory=tuple)
    active: bool = True
    disabled_reason: str | None = None
    created_by: str | None = None
    early: bool = False  # early warnings (bot/incidents/early.py)
    quiet: str | None = None  # quiet hours "22:00-08:00" UTC (bot/incidents/quiet.py)
    enterprise_id: str | None = None  # the workspace's Enterprise Grid org, if any

    @classmethod
    def from_row(cls, row: dict[str, object]) -> Subscription:
        return cls(
            team_id=str(row["team_id"]),
            channel_id=str(row["channel_id"]),
            min_level=row["min_level"],  # type: ignore[arg-type]
            maintenance=bool(row["maintenance"]),
            components=tuple(json.loads(str(row["components"] or "[]"))),
            active=bool(row["active"]),
            disabled_reason=str(row["disabled_reason"]) if row.get("disabled_reason") else None,
            created_by=str(row["created_by"]) if row.get("created_by") else None,
            early=bool(row.get("early") or 0),
            quiet=str(row["quiet"]) if row.get("quiet") else None,
            enterprise_id=str(row["enterprise_id"]) if row.get("enterprise_id") else None,
        )


class Store:
    """Thread-safe access to the bot's database: an SQLite file or a PostgreSQL server."""

    def __init__(self, location: Path | str, *, clock: Callable[[], float] = time.time, migrate: bool = True):
        self.clock = clock
        self.gap_kept_rows = GAP_KEPT_ROWS
        self.engine: Engine = "postgresql" if is_postgres_url(location) else "sqlite"
        self.location = redacted_location(location)  # for messages: no password
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._next_seen_prune = 0.0
        self._next_event_prune = 0.0
        self._pool: ConnectionPool[Any] | None = None
        self._identity: tuple[int, int] | None = None
        if self.engine == "postgresql":
            self.url = str(location)
            self.path = Path(os.devnull)  # no file: file_problem() has nothing to watch
            if migrate:
                self.migrate()
            else:  # fail now, in one line, rather than through the pool's retries
                psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
            # No per-checkout health check (a round trip on every request's ack path): a connection
            # a server restart broke fails its next statement (one StoreError, handled by the
            # caller) and the pool replaces it.
            self._pool = ConnectionPool(
                self.url,
                min_size=POOL_MIN_CONNECTIONS,
                max_size=POOL_MAX_CONNECTIONS,
                timeout=POOL_TIMEOUT_SECONDS,
                kwargs={"autocommit": True},
                name="fal-bot",
                open=True,
            )
            return
        self.url = ""
        self.path = Path(location)
        if str(self.path) != ":memory:" and not self.path.parent.is_dir():
            # Never create it: a typo in FAL_BOT_DB would start an empty database.
            raise FileNotFoundError(f"the folder {self.path.parent} does not exist")
        if migrate:
            self.migrate()
        if self.path.exists():
            self._identity = self._file_identity()

    def _file_identity(self) -> tuple[int, int] | None:
        if self.engine != "sqlite" or str(self.path) == ":memory:":
            return None
        stat = os.stat(self.path)
        return (stat.st_dev, stat.st_ino)

    def file_problem(self) -> str | None:
        """Whether FAL_BOT_DB still names the file this store opened. Deleted or replaced under a
        running process, SQLite keeps writing to the old (unlinked) file and all of it is lost at the
        next start: the caller should stop. (Nothing to watch on PostgreSQL.)"""
        if self._identity is None:
            return None
        try:
            identity = self._file_identity()
        except FileNotFoundError:
            return f"database {self.path} was deleted while fal-bot was running"
        except OSError:
            return None  # cannot tell (a permission or I/O hiccup): other checks report those
        if identity != self._identity:
            return f"database {self.path} was replaced by another file while fal-bot was running"
        return None

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        """SQLite only: this thread's connection (sqlite3 connections must not be shared across threads)."""
        if self.engine != "sqlite":
            raise RuntimeError("Store.db is SQLite's connection; use session() or transaction()")
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
            db = Database(conn)
            self._local.db = db
        return db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A connection for reads (each statement on its own; use transaction() to write)."""
        if self._pool is not None:
            with self._pool.connection() as conn:
                yield PostgresSession(conn)
        else:
            yield SqliteSession(self.db)

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of one read."""
        with self.session() as session:
            return [tuple(row) for row in session.execute(sql, params).fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One atomic write: everything inside commits together or not at all."""
        if self._pool is not None:
            with self._pool.connection() as conn, conn.transaction():
                yield PostgresSession(conn)
            return
        with self._write_lock:
            db = self.db
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteSession(db)
            except BaseException as exc:
                db.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                    # SQLite opened this thread's connection read-only (the file was not writable
                    # then) and would keep it so: open a fresh one next time, in case it is again.
                    self.close()
                raise
            else:
                db.conn.execute("COMMIT")

    def close(self) -> None:
        """SQLite: close this thread's connection. PostgreSQL: close the pool (the store is done)."""
        if self._pool is not None:
            self._pool.close(timeout=POOL_CLOSE_SECONDS)
            return
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    # -- schema ------------------------------------------------------------------------------
    def migrate(self) -> int:
        """Bring the schema to the latest version (the first of several processes starting at
        once does it; the others wait for it, then find nothing to do)."""
        if self.engine == "postgresql":
            return migrate_postgres(self.url, MIGRATIONS)
        db = self.db
        db.conn.execute("PRAGMA journal_mode = WAL")
        db.conn.execute("PRAGMA synchronous = NORMAL")
        with self.transaction() as tx:
            apply_pending(tx, MIGRATIONS)
        return self.schema_version()

    def schema_version(self) -> int:
        """The version applied (0 for an empty database)."""
        try:
            rows = self.query("SELECT version FROM schema_version")
        except (sqlite3.OperationalError, psycopg.errors.UndefinedTable):
            return 0
        return int(rows[0][0]) if rows else 0

    def pending_migrations(self) -> list[str]:
        """Names of the migrations not applied yet, oldest first."""
        return [as_migration(entry).name for entry in MIGRATIONS[self.schema_version() :]]

    # -- subscriptions -----------------------------------------------------------------------
    def subscribe(self, subscription: Subscription) -> Subscription:
        """Create or replace a channel's subscription (running /fal subscribe again replaces it)."""
        now = self.clock()
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO subscriptions (team_id, channel_id, min_level, maintenance, components,"
                " created_by, created_at, updated_at, active, disabled_reason, early, quiet, enterprise_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?)"
                " ON CONFLICT (team_id, channel_id) DO UPDATE SET min_level = excluded.min_level,"
                " maintenance = excluded.maintenance, components = excluded.components,"
                " created_by = excluded.created_by, updated_at = excluded.updated_at, active = 1,"
                " disabled_reason = NULL, early = excluded.early, quiet = excluded.quiet,"
                " enterprise_id = excluded.enterprise_id",
                (
                    subscription.team_id,
                    subscription.channel_id,
                    subscription.min_level,
                    int(subscription.maintenance),
                    json.dumps(list(subscription.components)),
                    subscription.created_by,
                    now,
                    now,
                    int(subscription.early),
                    subscription.quiet,
                    subscription.enterprise_id or "",
                ),
            )
        stored = self.subscription(subscription.team_id, subscription.channel_id)
        assert stored is not None
        return stored

    def unsubscribe(self, team_id: str, channel_id: str) -> bool:
        """Remove a channel's subscription; True when there was one."""
        with self.transaction() as tx:
            cursor = tx.execute(
                "DELETE FROM subscriptions WHERE team_id = ? AND channel_id = ?", (team_id, channel_id)
            )
            return cursor.rowcount > 0

    def _subscriptions_where(self, where: str, params: list[Any]) -> list[Subscription]:
        with self.session() as session:
            cursor = session.execute(
                f"SELECT * FROM subscriptions {where} ORDER BY team_id, channel_id", params
            )
            columns = [column[0] for column in cursor.description]
            return [Subscription.from_row(dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]

    def subscription(self, team_id: str, channel_id: str) -> Subscription | None:
        rows = self._subscriptions_where("WHERE team_id = ? AND channel_id = ?", [team_id, channel_id])
        return rows[0] if rows else None

    def subscriptions(self, team_id: str | None = None, *, active_only: bool = False) -> list[Subscription]:
        where, args = [], []
        if team_id is not None:
            where.append("team_id = ?")
            args.append(team_id)
        if active_only:
            where.append("active = 1")
        return self._subscriptions_where("WHERE " + " AND ".join(where) if where else "", args)

    def disable_subscription(self, team_id: str, channel_id: str, reason: str) -> bool:
        """Stop alerting a channel the bot can no longer post to, keeping the row for App Home;
        True when the channel had a subscription."""
        with self.transaction() as tx:
            cursor = tx.execute(
                "UPDATE subscriptions SET active = 0, disabled_reason = ?, updated_at = ?"
                " WHERE team_id = ? AND channel_id = ?",
                (reason, self.clock(), team_id, channel_id),
            )
            return cursor.rowcount > 0

    # -- teams -------------------------------------------------------------------------------
    def set_team_sending(self, team_id: str, enabled: bool, reason: str | None = None) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO teams (team_id, sending_enabled, disabled_reason, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (team_id)"
                " DO UPDATE SET sending_enabled = excluded.sending_enabled,"
                " disabled_reason = excluded.disabled_reason, updated_at = excluded.updated_at",
                (team_id, int(enabled), None if enabled else reason, self.clock()),
            )

    def team_sending_enabled(self, team_id: str) -> bool:
        rows = self.query("SELECT sending_enabled FROM teams WHERE team_id = ?", (team_id,))
        return bool(rows[0][0]) if rows else True

    # -- shared state (what the leading process tells the others) -----------------------------
    def put_shared(self, key: str, value: str) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO shared_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key)"
                " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, value, self.clock()),
            )

    def shared(self, key: str) -> tuple[str, float] | None:
        """(value, wall-clock time it was written), or None."""
        rows = self.query("SELECT value, updated_at FROM shared_state WHERE key = ?", (key,))
        return (str(rows[0][0]), float(rows[0][1])) if rows else None

    # -- named locks (one holder among every process on the database) ---------------------------
    @contextmanager
    def named_lock(self, name: str, timeout: float = NAMED_LOCK_SECONDS) -> Iterator[None]:
        """Held by one thread of one process at a time: on PostgreSQL a session advisory lock on a
        connection kept for the whole hold (shared by every process), on SQLite a thread lock.
        LockTimeout after `timeout` seconds of waiting."""
        deadline = time.monotonic() + timeout
        if self._pool is None:
            with _SQLITE_LOCKS_GUARD:
                lock = _SQLITE_LOCKS.setdefault((str(self.path.resolve()), name), threading.Lock())
            if not lock.acquire(timeout=timeout):
                raise LockTimeout(name)
            try:
                yield
            finally:
                lock.release()
            return
        with self._pool.connection() as conn:
            while not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise LockTimeout(name)
                time.sleep(0.05)
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))

    # -- installations (OAuth: many workspaces) -------------------------------------------------
    def save_installation(self, row: dict[str, Any]) -> None:
        """Insert or replace one workspace's installation (`row` has INSTALLATION_COLUMNS; the
        caller encrypts the tokens)."""
        values = {name: row.get(name) for name in INSTALLATION_COLUMNS}
        values["enterprise_id"] = values["enterprise_id"] or ""
        values["team_id"] = values["team_id"] or ""
        names = ", ".join(INSTALLATION_COLUMNS)
        updates = ", ".join(f"{name} = excluded.{name}" for name in INSTALLATION_COLUMNS[2:])
        with self.transaction() as tx:
            tx.execute(
                f"INSERT INTO installations ({names}) VALUES ({', '.join('?' for _ in values)})"
                f" ON CONFLICT (enterprise_id, team_id) DO UPDATE SET {updates}",
                list(values.values()),
            )

    def installation(self, enterprise_id: str | None, team_id: str | None) -> dict[str, Any] | None:
        """The installation of (enterprise_id, team_id); a workspace's own installation also when
        the enterprise differs (a team id is unique in Slack; a workspace may join a Grid later)."""
        select = f"SELECT {', '.join(INSTALLATION_COLUMNS)} FROM installations"
        rows = self.query(
            f"{select} WHERE enterprise_id = ? AND team_id = ?", (enterprise_id or "", team_id or "")
        )
        if not rows and team_id:
            rows = self.query(f"{select} WHERE team_id = ? ORDER BY installed_at DESC LIMIT 1", (team_id,))
        return dict(zip(INSTALLATION_COLUMNS, rows[0], strict=True)) if rows else None

    def delete_installation(self, enterprise_id: str | None, team_id: str | None) -> bool:
        with self.transaction() as tx:
            cursor = tx.execute(
                "DELETE FROM installations WHERE enterprise_id = ? AND team_id = ?",
                (enterprise_id or "", team_id or ""),
            )
            return cursor.rowcount > 0

    def enterprise_of(self, team_id: str) -> str | None:
        """The Enterprise Grid org a workspace's subscriptions were made from, or None."""
        found = self.query(
            "SELECT enterprise_id FROM subscriptions WHERE team_id = ? AND enterprise_id <> '' LIMIT 1",
            (team_id,),
        )
        return str(found[0][0]) if found else None

    def forget_workspace(self, team_id: str) -> int:
        """The workspace removed the app: delete its installation and everything kept for it
        (subscriptions, unsent and sent alerts, gaps, feedback...) in one transaction. Returns the
        rows deleted."""
        deleted = 0
        with self.transaction() as tx:
            # A team id is unique in Slack, whatever enterprise the event names.
            deleted += tx.execute("DELETE FROM installations WHERE team_id = ?", (team_id,)).rowcount
            deleted += self._forget_teams(tx, [team_id])
        return deleted

    def forget_org(self, enterprise_id: str) -> int:
        """An Enterprise Grid org removed its org-wide install: delete it, and the data of the org's
        workspaces that have no installation of their own (those keep working with theirs). The
        org's workspaces are the ones its subscriptions name. Returns the rows deleted."""
        with self.transaction() as tx:
            deleted = tx.execute(
                "DELETE FROM installations WHERE enterprise_id = ? AND team_id = ''", (enterprise_id,)
            ).rowcount
            teams = tx.execute(
                "SELECT DISTINCT team_id FROM subscriptions WHERE enterprise_id = ? AND team_id NOT IN"
                " (SELECT team_id FROM installations WHERE team_id <> '')",
                (enterprise_id,),
            ).fetchall()
            return deleted + self._forget_teams(tx, [str(row[0]) for row in teams])

    @staticmethod
    def _forget_teams(tx: Session, team_ids: list[str]) -> int:
        deleted = 0
        for team_id in team_ids:
            for table in WORKSPACE_TABLES:
                deleted += tx.execute(f"DELETE FROM {table} WHERE team_id = ?", (team_id,)).rowcount
        return deleted

    def issue_oauth_state(self, state: str, expires_at: float) -> None:
        now = self.clock()
        with self.transaction() as tx:
            tx.execute("DELETE FROM oauth_states WHERE expires_at < ?", (now,))
            tx.execute("INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)", (state, expires_at))

    def consume_oauth_state(self, state: str) -> bool:
        """True once for a state issued and not expired; it is then gone (an install is one use)."""
        with self.transaction() as tx:
            cursor = tx.execute(
                "DELETE FROM oauth_states WHERE state = ? AND expires_at >= ?", (state, self.clock())
            )
            return cursor.rowcount == 1

    # -- processed events (Slack retries) ----------------------------------------------------
    def mark_event_processed(self, event_id: str, team_id: str | None = None) -> bool:
        """Record an event id; False when it was already recorded (a retry to ignore). Shared by
        every process on one PostgreSQL: of two deliveries at once, the second waits for the
        first's insert to commit and then records nothing."""
        now = self.clock()
        with self.transaction() as tx:
            cursor = tx.execute(
                "INSERT INTO processed_events (event_id, team_id, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (event_id) DO NOTHING",
                (event_id, team_id, now),
            )
            first = cursor.rowcount == 1
            if now >= self._next_event_prune:
                self._next_event_prune = now + PROCESSED_EVENT_PRUNE_EVERY_SECONDS
                tx.execute(
                    "DELETE FROM processed_events WHERE seen_at < ?", (now - PROCESSED_EVENT_TTL_SECONDS,)
                )
            return first

    # -- signed requests seen (replay refusal, bot/runtime/replay.py) ---------------------------------
    def seen_request(self, timestamp: str, signature: str) -> bool:
        """Whether a signed request with this timestamp and signature was recorded and not expired."""
        rows = self.query(
            "SELECT 1 FROM seen_requests WHERE timestamp = ? AND signature = ? AND expires_at >= ?",
            (timestamp, signature, self.clock()),
        )
        return bool(rows)

    def record_seen_requests(self, rows: list[tuple[str, str, float]]) -> None:
        """Record (timestamp, signature, expires_at) rows in one write, and delete expired ones at
        most every SEEN_REQUEST_PRUNE_EVERY_SECONDS (the expiry is indexed)."""
        now = self.clock()
        with self.transaction() as tx:
            tx.executemany(
                "INSERT INTO seen_requests (timestamp, signature, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (timestamp, signature) DO NOTHING",
                rows,
            )
            if now >= self._next_seen_prune:
                self._next_seen_prune = now + SEEN_REQUEST_PRUNE_EVERY_SECONDS
                tx.execute("DELETE FROM seen_requests WHERE expires_at < ?", (now,))

    # -- feedback ----------------------------------------------------------------------------
    def record_feedback(
        self,
        team_id: str,
        user_id: str,
        entry_id: str,
        vote: Literal["up", "down"],
        answer: str | None = None,
    ) -> None:
        """One vote; with `answer` (the answer's id), a second vote by the same person on the same
        answer replaces the first."""
        with self.transaction() as tx:
            if answer is not None:
                tx.execute(
                    "DELETE FROM feedback WHERE team_id = ? AND user_id = ? AND entry_id = ? AND answer = ?",
                    (team_id, user_id, entry_id, answer),
                )
            tx.execute(
                "INSERT INTO feedback (team_id, user_id, entry_id, vote, created_at, answer)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, user_id, entry_id, vote, self.clock(), answer),
            )

    def feedback_votes(self) -> list[dict[str, Any]]:
        """Every vote, oldest first (tests and diagnostics)."""
        names = ("team_id", "user_id", "entry_id", "vote", "answer", "created_at")
        rows = self.query(f"SELECT {', '.join(names)} FROM feedback ORDER BY id")
        return [dict(zip(names, row, strict=True)) for row in rows]

    # -- gaps: what the bot could not answer ---------------------------------------------------
    def record_gap(
        self, team_id: str, surface: str, text: str, reason: str, entry_id: str | None = None
    ) -> None:
        """Keep a paste the bot could not answer. `text` is redacted again here: whatever a caller
        passes, no key or token reaches the database."""
        now = self.clock()
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO gaps (team_id, surface, reason, entry_id, text, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, surface, reason, entry_id, redact(text)[:GAP_TEXT_CHARS], now),
            )
            tx.execute("DELETE FROM gaps WHERE created_at < ?", (now - GAP_RETENTION_DAYS * 86400,))
            # beyond the newest gap_kept_rows, the oldest go (the created_at index finds the cut)
            tx.execute(
                "DELETE FROM gaps WHERE created_at < (SELECT created_at FROM gaps"
                " ORDER BY created_at DESC LIMIT 1 OFFSET ?)",
                (self.gap_kept_rows - 1,),
            )

    def gaps(self, since_seconds: float, team_id: str | None = None) -> list[dict[str, Any]]:
        """Gaps recorded in the last `since_seconds`, oldest first (all teams unless `team_id`)."""
        query = "SELECT team_id, surface, reason, entry_id, text, created_at FROM gaps WHERE created_at >= ?"
        params: list[object] = [self.clock() - since_seconds]
        if team_id is not None:
            query += " AND team_id = ?"
            params.append(team_id)
        names = ("team_id", "surface", "reason", "entry_id", "text", "created_at")
        rows = self.query(query + " ORDER BY created_at", params)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def feedback_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for entry_id, vote, count in self.query(
            "SELECT entry_id, vote, count(*) FROM feedback GROUP BY entry_id, vote"
        ):
            counts.setdefault(entry_id, {})[vote] = int(count)
        return counts

    # -- early warnings (bot/incidents/early.py) ----------------------------------------------------
    def record_fal_side_paste(
        self, team_id: str, person: str, category: str, hosts: list[str], window_seconds: float
    ) -> FalSideErrors:
        """Count one fal-side paste (`person` is a one-way hash) and return the workspace's last
        `window_seconds`: rows older than that (of every workspace) are deleted, so the table stays small."""
        now = self.clock()
        since = now - window_seconds
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO early_pastes (team_id, person, category, hosts, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (team_id, person, category, json.dumps(list(dict.fromkeys(hosts))), now),
            )
            # One window for every workspace: whatever is older counts for nobody.
            tx.execute("DELETE FROM early_pastes WHERE created_at < ?", (since,))
            rows = tx.execute(
                "SELECT person, category, hosts FROM early_pastes WHERE team_id = ? AND created_at >= ?"
                " ORDER BY created_at",
                (team_id, since),
            ).fetchall()
        people = {row[0] for row in rows}
        categories = tuple(dict.fromkeys(str(row[1]) for row in rows))
        seen_hosts = tuple(dict.fromkeys(host for row in rows for host in json.loads(row[2])))
        return FalSideErrors(len(people), categories, seen_hosts)

    def queue_early_warning(
        self, team_id: str, subject_key: str, payload: str, quiet_seconds: float
    ) -> list[str]:
        """Queue one early warning (outbox kind `early`) for each of the workspace's active
        `early=on` channels that got none in the last `quiet_seconds`; returns those channels.
        One transaction: two processes that reach the threshold at once queue it once."""
        now = self.clock()
        with self.transaction() as tx:
            channels = [
                str(row[0])
                for row in tx.execute(
                    "SELECT s.channel_id FROM subscriptions s LEFT JOIN teams t ON t.team_id = s.team_id"
                    " WHERE s.team_id = ? AND s.active = 1 AND s.early = 1"
                    " AND coalesce(t.sending_enabled, 1) = 1"
                    " AND NOT EXISTS (SELECT 1 FROM early_warnings w WHERE w.team_id = s.team_id"
                    " AND w.channel_id = s.channel_id AND w.created_at > ?) ORDER BY s.channel_id",
                    (team_id, now - quiet_seconds),
                )
            ]
            for channel_id in channels:
                tx.execute(
                    "INSERT INTO early_warnings (team_id, channel_id, subject_key, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (team_id, channel_id, subject_key, now),
                )
                tx.execute(
                    "INSERT INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind,"
                    " payload, created_at) VALUES (?, ?, ?, 'open', 'early', ?, ?) ON CONFLICT DO NOTHING",
                    (team_id, channel_id, subject_key, payload, now),
                )
            tx.execute("DELETE FROM early_warnings WHERE created_at < ?", (now - 7 * 86400,))
        return channels

    def queue_early_confirmations(self, payload: str, within_seconds: float) -> int:
        """One "fal confirmed" line (outbox kind `confirmed`) in the thread of each early warning of
        the last `within_seconds` that was not given up; at most one per warning, however often this
        is called. Returns the rows queued."""
        now = self.clock()
        with self.transaction() as tx:
            cursor = tx.execute(
                "INSERT INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind,"
                " payload, created_at) SELECT w.team_id, w.channel_id, w.subject_key, 'confirmed',"
                " 'confirmed', ?, ? FROM early_warnings w WHERE w.created_at > ? AND EXISTS"
                " (SELECT 1 FROM alert_outbox o WHERE o.team_id = w.team_id AND o.channel_id = w.channel_id"
                " AND o.subject_key = w.subject_key AND o.event_key = 'open'"
                " AND o.status IN ('pending', 'sending', 'sent')) ON CONFLICT DO NOTHING",
                (payload, now, now - within_seconds),
            )
            return int(cursor.rowcount)
