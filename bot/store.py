"""SQLite persistence (sqlite-utils): subscriptions, processed Slack events, feedback, team state.

One file (FAL_BOT_DB), WAL mode, one connection per thread so the poller, the sender and Bolt's
listener threads can all use the same Store. The schema is created and migrated at start; every
row that belongs to a workspace carries its team_id. The alert engine adds its own tables through
`MIGRATIONS` (see bot/alerts/outbox.py). The only pasted text stored is in `gaps` (pastes the bot
could not answer, redacted before they are written, kept GAP_RETENTION_DAYS), for `fal-bot kb gaps`.
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

from sqlite_utils import Database

from bot.keys import redact

MinLevel = Literal["degraded", "partial_outage", "major_outage"]
Migration = Callable[[Database], None]

PROCESSED_EVENT_TTL_SECONDS = 24 * 3600
# Expired rows of seen_requests (bot/runtime/replay.py) are deleted at most this often.
SEEN_REQUEST_PRUNE_EVERY_SECONDS = 30.0

# What a store call raises when the file cannot be read or written (read-only, full disk, locked for
# longer than the busy timeout, deleted folder): callers say so in one line, without a traceback.
StoreError = sqlite3.Error


def describe_store_error(exc: BaseException) -> str:
    return f"{exc}".splitlines()[0][:200] if str(exc) else type(exc).__name__


def _migration_1_slack(db: Database) -> None:
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


# Append-only: each function moves the schema one version up. Never edit a released migration.
def _migration_5_one_vote_per_answer(db: Database) -> None:
    """A vote names the answer it is about; a person's second vote on the same answer replaces the
    first (older rows have no answer id, and each stays a vote of its own)."""
    db.conn.execute("ALTER TABLE feedback ADD COLUMN answer TEXT")
    db.conn.execute(
        "CREATE UNIQUE INDEX feedback_one_vote ON feedback (team_id, user_id, entry_id, answer)"
        " WHERE answer IS NOT NULL"
    )


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


MIGRATIONS: list[Migration] = [
    _migration_1_slack,
    _migration_2_alerts,
    _migration_3_seen_requests,
    _migration_4_gaps,
    _migration_5_one_vote_per_answer,
    _migration_6_early_warnings,
    _migration_7_quiet_hours,
]

GAP_RETENTION_DAYS = 30
GAP_TEXT_CHARS = 4000  # enough to write an entry from; a whole log dump is not kept


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
        )


class Store:
    """Thread-safe access to the bot's SQLite file."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.clock = clock
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._next_seen_prune = 0.0
        if str(self.path) != ":memory:" and not self.path.parent.is_dir():
            # Never create it: a typo in FAL_BOT_DB would start an empty database.
            raise FileNotFoundError(f"the folder {self.path.parent} does not exist")
        self.migrate()
        self._identity = self._file_identity()

    def _file_identity(self) -> tuple[int, int] | None:
        if str(self.path) == ":memory:":
            return None
        stat = os.stat(self.path)
        return (stat.st_dev, stat.st_ino)

    def file_problem(self) -> str | None:
        """Whether FAL_BOT_DB still names the file this store opened. Deleted or replaced under a
        running process, SQLite keeps writing to the old (unlinked) file and all of it is lost at the
        next start: the caller should stop."""
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
        """This thread's connection (sqlite3 connections must not be shared across threads)."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
            db = Database(conn)
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One atomic write: everything inside commits together or not at all."""
        with self._write_lock:
            db = self.db
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
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
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    # -- schema ------------------------------------------------------------------------------
    def migrate(self) -> int:
        db = self.db
        db.conn.execute("PRAGMA journal_mode = WAL")
        db.conn.execute("PRAGMA synchronous = NORMAL")
        with self.transaction() as tx:
            tx.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = tx.conn.execute("SELECT version FROM schema_version").fetchone()
            version = int(row[0]) if row else 0
            if row is None:
                tx.conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                migration(tx)
                tx.conn.execute("UPDATE schema_version SET version = ?", (number,))
        return self.schema_version()

    def schema_version(self) -> int:
        row = self.db.conn.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    # -- subscriptions -----------------------------------------------------------------------
    def subscribe(self, subscription: Subscription) -> Subscription:
        """Create or replace a channel's subscription (running /fal subscribe again replaces it)."""
        now = self.clock()
        with self.transaction() as tx:
            existing = tx.table("subscriptions").rows_where(
                "team_id = ? and channel_id = ?", [subscription.team_id, subscription.channel_id]
            )
            created_at = next((row["created_at"] for row in existing), now)
            tx.table("subscriptions").upsert(
                {
                    "team_id": subscription.team_id,
                    "channel_id": subscription.channel_id,
                    "min_level": subscription.min_level,
                    "maintenance": int(subscription.maintenance),
                    "components": json.dumps(list(subscription.components)),
                    "created_by": subscription.created_by,
                    "created_at": created_at,
                    "updated_at": now,
                    "active": 1,
                    "disabled_reason": None,
                    "early": int(subscription.early),
                    "quiet": subscription.quiet,
                },
                pk=("team_id", "channel_id"),
            )
        stored = self.subscription(subscription.team_id, subscription.channel_id)
        assert stored is not None
        return stored

    def unsubscribe(self, team_id: str, channel_id: str) -> bool:
        """Remove a channel's subscription; True when there was one."""
        with self.transaction() as tx:
            cursor = tx.conn.execute(
                "DELETE FROM subscriptions WHERE team_id = ? AND channel_id = ?", (team_id, channel_id)
            )
            return cursor.rowcount > 0

    def subscription(self, team_id: str, channel_id: str) -> Subscription | None:
        rows = list(
            self.db.table("subscriptions").rows_where("team_id = ? and channel_id = ?", [team_id, channel_id])
        )
        return Subscription.from_row(rows[0]) if rows else None

    def subscriptions(self, team_id: str | None = None, *, active_only: bool = False) -> list[Subscription]:
        where, args = [], []
        if team_id is not None:
            where.append("team_id = ?")
            args.append(team_id)
        if active_only:
            where.append("active = 1")
        rows = self.db.table("subscriptions").rows_where(
            " and ".join(where) or None, args, order_by="team_id, channel_id"
        )
        return [Subscription.from_row(row) for row in rows]

    def disable_subscription(self, team_id: str, channel_id: str, reason: str) -> bool:
        """Stop alerting a channel the bot can no longer post to, keeping the row for App Home;
        True when the channel had a subscription."""
        with self.transaction() as tx:
            cursor = tx.conn.execute(
                "UPDATE subscriptions SET active = 0, disabled_reason = ?, updated_at = ?"
                " WHERE team_id = ? AND channel_id = ?",
                (reason, self.clock(), team_id, channel_id),
            )
            return cursor.rowcount > 0

    # -- teams -------------------------------------------------------------------------------
    def set_team_sending(self, team_id: str, enabled: bool, reason: str | None = None) -> None:
        with self.transaction() as tx:
            tx.table("teams").upsert(
                {
                    "team_id": team_id,
                    "sending_enabled": int(enabled),
                    "disabled_reason": None if enabled else reason,
                    "updated_at": self.clock(),
                },
                pk="team_id",
            )

    def team_sending_enabled(self, team_id: str) -> bool:
        rows = list(self.db.table("teams").rows_where("team_id = ?", [team_id]))
        return bool(rows[0]["sending_enabled"]) if rows else True

    # -- processed events (Slack retries) ----------------------------------------------------
    def mark_event_processed(self, event_id: str, team_id: str | None = None) -> bool:
        """Record an event id; False when it was already recorded (a retry to ignore)."""
        now = self.clock()
        with self.transaction() as tx:
            cursor = tx.conn.execute(
                "INSERT OR IGNORE INTO processed_events (event_id, team_id, seen_at) VALUES (?, ?, ?)",
                (event_id, team_id, now),
            )
            tx.conn.execute(
                "DELETE FROM processed_events WHERE seen_at < ?", (now - PROCESSED_EVENT_TTL_SECONDS,)
            )
            return cursor.rowcount == 1

    # -- signed requests seen (replay refusal, bot/runtime/replay.py) ---------------------------------
    def seen_request(self, timestamp: str, signature: str) -> bool:
        """Whether a signed request with this timestamp and signature was recorded and not expired."""
        row = self.db.conn.execute(
            "SELECT 1 FROM seen_requests WHERE timestamp = ? AND signature = ? AND expires_at >= ?",
            (timestamp, signature, self.clock()),
        ).fetchone()
        return row is not None

    def record_seen_requests(self, rows: list[tuple[str, str, float]]) -> None:
        """Record (timestamp, signature, expires_at) rows in one write, and delete expired ones at
        most every SEEN_REQUEST_PRUNE_EVERY_SECONDS (the expiry is indexed)."""
        now = self.clock()
        with self.transaction() as tx:
            tx.conn.executemany(
                "INSERT OR IGNORE INTO seen_requests (timestamp, signature, expires_at) VALUES (?, ?, ?)",
                rows,
            )
            if now >= self._next_seen_prune:
                self._next_seen_prune = now + SEEN_REQUEST_PRUNE_EVERY_SECONDS
                tx.conn.execute("DELETE FROM seen_requests WHERE expires_at < ?", (now,))

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
                tx.conn.execute(
                    "DELETE FROM feedback WHERE team_id = ? AND user_id = ? AND entry_id = ? AND answer = ?",
                    (team_id, user_id, entry_id, answer),
                )
            tx.conn.execute(
                "INSERT INTO feedback (team_id, user_id, entry_id, vote, created_at, answer)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, user_id, entry_id, vote, self.clock(), answer),
            )

    # -- gaps: what the bot could not answer ---------------------------------------------------
    def record_gap(
        self, team_id: str, surface: str, text: str, reason: str, entry_id: str | None = None
    ) -> None:
        """Keep a paste the bot could not answer. `text` is redacted again here: whatever a caller
        passes, no key or token reaches the file."""
        now = self.clock()
        with self.transaction() as tx:
            tx.conn.execute(
                "INSERT INTO gaps (team_id, surface, reason, entry_id, text, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (team_id, surface, reason, entry_id, redact(text)[:GAP_TEXT_CHARS], now),
            )
            tx.conn.execute("DELETE FROM gaps WHERE created_at < ?", (now - GAP_RETENTION_DAYS * 86400,))

    def gaps(self, since_seconds: float, team_id: str | None = None) -> list[dict[str, Any]]:
        """Gaps recorded in the last `since_seconds`, oldest first (all teams unless `team_id`)."""
        query = "SELECT team_id, surface, reason, entry_id, text, created_at FROM gaps WHERE created_at >= ?"
        params: list[object] = [self.clock() - since_seconds]
        if team_id is not None:
            query += " AND team_id = ?"
            params.append(team_id)
        names = ("team_id", "surface", "reason", "entry_id", "text", "created_at")
        rows = self.db.conn.execute(query + " ORDER BY created_at", params)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def feedback_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for entry_id, vote, count in self.db.conn.execute(
            "SELECT entry_id, vote, count(*) FROM feedback GROUP BY entry_id, vote"
        ):
            counts.setdefault(entry_id, {})[vote] = count
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
            tx.conn.execute(
                "INSERT INTO early_pastes (team_id, person, category, hosts, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (team_id, person, category, json.dumps(list(dict.fromkeys(hosts))), now),
            )
            # One window for every workspace: whatever is older counts for nobody.
            tx.conn.execute("DELETE FROM early_pastes WHERE created_at < ?", (since,))
            rows = tx.conn.execute(
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
                for row in tx.conn.execute(
                    "SELECT s.channel_id FROM subscriptions s LEFT JOIN teams t ON t.team_id = s.team_id"
                    " WHERE s.team_id = ? AND s.active = 1 AND s.early = 1"
                    " AND coalesce(t.sending_enabled, 1) = 1"
                    " AND NOT EXISTS (SELECT 1 FROM early_warnings w WHERE w.team_id = s.team_id"
                    " AND w.channel_id = s.channel_id AND w.created_at > ?) ORDER BY s.channel_id",
                    (team_id, now - quiet_seconds),
                )
            ]
            for channel_id in channels:
                tx.conn.execute(
                    "INSERT INTO early_warnings (team_id, channel_id, subject_key, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (team_id, channel_id, subject_key, now),
                )
                tx.conn.execute(
                    "INSERT OR IGNORE INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind,"
                    " payload, created_at) VALUES (?, ?, ?, 'open', 'early', ?, ?)",
                    (team_id, channel_id, subject_key, payload, now),
                )
            tx.conn.execute("DELETE FROM early_warnings WHERE created_at < ?", (now - 7 * 86400,))
        return channels

    def queue_early_confirmations(self, payload: str, within_seconds: float) -> int:
        """One "fal confirmed" line (outbox kind `confirmed`) in the thread of each early warning of
        the last `within_seconds` that was not given up; at most one per warning, however often this
        is called. Returns the rows queued."""
        now = self.clock()
        with self.transaction() as tx:
            cursor = tx.conn.execute(
                "INSERT OR IGNORE INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind,"
                " payload, created_at) SELECT w.team_id, w.channel_id, w.subject_key, 'confirmed',"
                " 'confirmed', ?, ? FROM early_warnings w WHERE w.created_at > ? AND EXISTS"
                " (SELECT 1 FROM alert_outbox o WHERE o.team_id = w.team_id AND o.channel_id = w.channel_id"
                " AND o.subject_key = w.subject_key AND o.event_key = 'open'"
                " AND o.status IN ('pending', 'sending', 'sent'))",
                (payload, now, now - within_seconds),
            )
            return int(cursor.rowcount)
