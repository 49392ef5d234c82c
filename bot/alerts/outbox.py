"""The alert outbox (SQLite or PostgreSQL): engine state + events -> one row per channel, in one transaction.

`AlertEngine.observe(snapshot)` reads the stored state, runs the pure diff, and in the SAME
transaction stores the new state and the outbox rows the events call for. Rows are unique per
(team, channel, subject, event), so an event cannot be queued twice for a channel. `Outbox` is
what the sender uses to pick due rows and record what Slack answered.

Row status: `pending` (not posted) -> `sending` (a post may be under way or may have reached Slack:
checked against the channel's history before posting again) -> `sent`; or `failed` (given up),
`dropped` (the channel or team stopped, or the channel unsubscribed).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.alerts.components import normalise_component
from bot.alerts.events import (
    EngineState,
    Event,
    Tracked,
    diff,
    level_rank,
    observation_from_snapshot,
)
from bot.database import Session
from bot.incidents.quiet import quiet_hours
from bot.status.models import StatusSnapshot
from bot.store import Store, Subscription

log = logging.getLogger(__name__)

# Closed subjects, finished rows and threads older than this are pruned.
RETENTION_SECONDS = 30 * 24 * 3600
PRUNE_EVERY_SECONDS = 3600
MIN_RESTART_GAP_SECONDS = 600


# --- filters --------------------------------------------------------------------------------------


def wants(subscription: Subscription, subject: Tracked) -> bool:
    """Whether a channel's options ask for a top-level alert about this subject in its current state."""
    if subject.kind == "note":
        return True
    if subject.kind == "maintenance":
        if not subscription.maintenance:
            return False
    elif level_rank(subject.level) < level_rank(subscription.min_level):
        return False
    if subscription.components and subject.components:
        wanted = {normalise_component(name) for name in subscription.components}
        return any(normalise_component(name) in wanted for name in subject.components)
    return True


# --- state persistence ----------------------------------------------------------------------------


def load_state(db: Session) -> EngineState:
    row = db.execute(
        "SELECT initialized, last_poll_at, unknown_since, unknown_note FROM alert_engine WHERE id = 1"
    ).fetchone()
    tracked = {
        key: Tracked.from_json(json.loads(data))
        for key, data in db.execute("SELECT key, data FROM alert_subjects")
    }
    if row is None:
        return EngineState(tracked=tracked)
    return EngineState(
        initialized=bool(row[0]),
        last_poll_at=row[1],
        unknown_since=row[2],
        unknown_note=row[3],
        tracked=tracked,
    )


def save_state(db: Session, before: EngineState, after: EngineState, now: float) -> None:
    db.execute(
        "INSERT INTO alert_engine (id, initialized, last_poll_at, unknown_since, unknown_note, updated_at)"
        " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET initialized = excluded.initialized,"
        " last_poll_at = excluded.last_poll_at, unknown_since = excluded.unknown_since,"
        " unknown_note = excluded.unknown_note, updated_at = excluded.updated_at",
        (int(after.initialized), after.last_poll_at, after.unknown_since, after.unknown_note, now),
    )
    changed = [t for key, t in after.tracked.items() if before.tracked.get(key) != t]
    db.executemany(
        "INSERT INTO alert_subjects (key, kind, open, data, resolved_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, open = excluded.open, data = excluded.data,"
        " resolved_at = excluded.resolved_at, updated_at = excluded.updated_at",
        [(t.key, t.kind, int(t.open), json.dumps(t.to_json()), t.resolved_at, now) for t in changed],
    )


def eligible_subscriptions(db: Session) -> list[Subscription]:
    """Active subscriptions of teams whose sending is enabled."""
    rows = db.execute(
        "SELECT s.* FROM subscriptions s LEFT JOIN teams t ON t.team_id = s.team_id"
        " WHERE s.active = 1 AND coalesce(t.sending_enabled, 1) = 1 ORDER BY s.team_id, s.channel_id"
    )
    columns = [c[0] for c in rows.description]
    return [Subscription.from_row(dict(zip(columns, row, strict=True))) for row in rows]


def payload(subject: Tracked, body: str | None = None) -> str:
    return json.dumps({"subject": subject.to_json(), "body": body})


def fan_out(db: Session, state: EngineState, events: Iterable[Event], now: float) -> int:
    """Queue the rows for this poll's events and the top-level alerts channels still miss.

    Updates, resolutions and reopenings go to the channels that have this subject's top-level
    alert (sent or queued). Every open subject gets a top-level row for each subscribed channel
    whose options want it now: a new incident, one that escalated past a channel's `min`, a
    channel subscribed while it is open. Returns the number of rows created.
    """
    subscriptions = eligible_subscriptions(db)
    subscribed = {(s.team_id, s.channel_id) for s in subscriptions}
    # Before the top-level rows below: a channel whose quiet hours just ended gets its digest first.
    created = queue_digests(db, state, subscriptions, now)
    rows: list[tuple[Any, ...]] = []
    for event in events:
        if event.kind == "opened":
            continue
        holders = db.execute(
            "SELECT team_id, channel_id FROM alert_outbox WHERE subject_key = ? AND event_key = 'open'"
            " AND status != 'dropped'",
            (event.subject.key,),
        ).fetchall()
        body = payload(event.subject, event.body)
        for team_id, channel_id in holders:
            if (team_id, channel_id) in subscribed:
                rows.append((team_id, channel_id, event.subject.key, event.event_key, event.kind, body, now))
    created += db.executemany(
        "INSERT INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind, payload,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        rows,
    )
    opens: list[tuple[Any, ...]] = []
    held: list[tuple[Any, ...]] = []
    for subject in state.tracked.values():
        if not subject.open:
            continue
        body = payload(subject)
        for subscription in subscriptions:
            if not wants(subscription, subject):
                continue
            if holds_back(db, subscription, subject, now):
                held.append((subscription.team_id, subscription.channel_id, subject.key, now))
            else:
                opens.append((subscription.team_id, subscription.channel_id, subject.key, body, now))
    db.executemany(
        "INSERT INTO alert_held (team_id, channel_id, subject_key, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        held,
    )
    # A top-level row dropped earlier (the channel unsubscribed) comes back if the channel is
    # subscribed again while the subject is still open; sent rows are never touched.
    created += db.executemany(
        "INSERT INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind, payload, created_at)"
        " VALUES (?, ?, ?, 'open', 'open', ?, ?)"
        " ON CONFLICT(team_id, channel_id, subject_key, event_key) DO UPDATE SET status = 'pending',"
        " payload = excluded.payload, attempts = 0, rate_limited = 0, next_attempt_at = 0,"
        " attempt_started_at = NULL, last_error = NULL WHERE alert_outbox.status = 'dropped'",
        opens,
    )
    return created


# --- quiet hours: hold new alerts, then one digest -------------------------------------------------


def _has_top_level(db: Session, team_id: str, channel_id: str, subject_key: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM alert_outbox WHERE team_id = ? AND channel_id = ? AND subject_key = ?"
        " AND event_key = 'open' AND status != 'dropped'",
        (team_id, channel_id, subject_key),
    ).fetchone()
    return row is not None


def holds_back(db: Session, subscription: Subscription, subject: Tracked, now: float) -> bool:
    """Whether a new top-level alert waits for the channel's quiet hours to end: all but a major
    outage do (as `min=major` would), unless the alert is already posted or queued."""
    quiet = quiet_hours(subscription.quiet)
    if quiet is None or not quiet.contains(now) or subject.level == "major_outage":
        return False
    return not _has_top_level(db, subscription.team_id, subscription.channel_id, subject.key)


def digest_item(subject: Tracked) -> dict[str, Any]:
    return {
        "name": subject.name,
        "kind": subject.kind,
        "level": subject.peak_level or subject.level,
        "url": subject.url,
        "began": subject.began,
        "resolved_at": subject.resolved_at,
        "open": subject.open,
    }


def queue_digests(db: Session, state: EngineState, subscriptions: list[Subscription], now: float) -> int:
    """For each channel whose quiet hours are over and that has alerts held: one digest row (outbox
    kind `digest`) listing them, and the held rows removed, in the caller's transaction. An alert
    that escalated to a major outage meanwhile already had its own post and is left out."""
    queued = 0
    for subscription in subscriptions:
        quiet = quiet_hours(subscription.quiet)
        if quiet is not None and quiet.contains(now):
            continue
        team_id, channel_id = subscription.team_id, subscription.channel_id
        keys = [
            str(row[0])
            for row in db.execute(
                "SELECT subject_key FROM alert_held WHERE team_id = ? AND channel_id = ? ORDER BY created_at",
                (team_id, channel_id),
            )
        ]
        if not keys:
            continue
        db.execute("DELETE FROM alert_held WHERE team_id = ? AND channel_id = ?", (team_id, channel_id))
        items = [
            digest_item(state.tracked[key])
            for key in keys
            if key in state.tracked and not _has_top_level(db, team_id, channel_id, key)
        ]
        if not items:
            continue
        body = json.dumps({"digest": {"quiet": subscription.quiet, "items": items}})
        db.execute(
            "INSERT INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind, payload,"
            " created_at) VALUES (?, ?, ?, 'open', 'digest', ?, ?) ON CONFLICT DO NOTHING",
            (team_id, channel_id, f"digest:{int(now)}", body, now),
        )
        queued += 1
    return queued


def prune(db: Session, now: float) -> None:
    cutoff = now - RETENTION_SECONDS
    db.execute("DELETE FROM alert_held WHERE created_at < ?", (cutoff,))
    db.execute("DELETE FROM alert_subjects WHERE open = 0 AND resolved_at < ?", (cutoff,))
    # Rows of a subject still open stay: they are what says "this channel already has its alert".
    db.execute(
        "DELETE FROM alert_outbox WHERE status IN ('sent', 'failed', 'dropped') AND created_at < ?"
        " AND subject_key NOT IN (SELECT key FROM alert_subjects WHERE open = 1)",
        (cutoff,),
    )
    db.execute(
        "DELETE FROM alert_threads WHERE subject_key NOT IN (SELECT key FROM alert_subjects)"
        " AND created_at < ?",
        (cutoff,),
    )


class AlertEngine:
    """Turns each status poll into stored state and outbox rows, atomically."""

    def __init__(
        self,
        store: Store,
        *,
        unknown_note_after_seconds: float,
        poll_seconds: float = 60.0,
        clock: Callable[[], float] | None = None,
    ):
        self.store = store
        self.unknown_note_after_seconds = unknown_note_after_seconds
        # Polls late because the page hangs are normal; only a gap like this means the bot was down.
        self.restart_gap_seconds = max(unknown_note_after_seconds, 3 * poll_seconds, MIN_RESTART_GAP_SECONDS)
        self.clock = clock or store.clock
        self._lock = threading.Lock()
        self._last_prune = 0.0

    def observe(self, snapshot: StatusSnapshot) -> list[Event]:
        observation = observation_from_snapshot(snapshot)
        now = self.clock()
        with self._lock, self.store.transaction() as tx:
            before = load_state(tx)
            if before.last_poll_at is not None and observation.at < before.last_poll_at:
                return []  # an older reading delivered late: the state already moved past it
            after, events = diff(
                before,
                observation,
                unknown_note_after_seconds=self.unknown_note_after_seconds,
                restart_gap_seconds=self.restart_gap_seconds,
            )
            save_state(tx, before, after, now)
            created = fan_out(tx, after, events, now)
            if now - self._last_prune > PRUNE_EVERY_SECONDS:
                prune(tx, now)
                self._last_prune = now
        for event in events:
            log.info(
                "alert event %s %s (%s): %d outbox rows",
                event.kind,
                event.subject.key,
                event.event_key,
                created,
            )
        return events


# --- the outbox as the sender sees it -------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    id: int
    team_id: str
    channel_id: str
    subject_key: str
    event_key: str
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    rate_limited: int
    next_attempt_at: float
    attempt_started_at: float | None
    created_at: float
    posted_ts: str | None

    @property
    def channel(self) -> tuple[str, str]:
        return (self.team_id, self.channel_id)

    @property
    def subject(self) -> Tracked:
        return Tracked.from_json(self.payload["subject"])

    @property
    def body(self) -> str | None:
        value = self.payload.get("body")
        return str(value) if value else None

    @property
    def metadata_key(self) -> str:
        """What the posted message carries in its metadata, to find it again after a crash."""
        return f"{self.subject_key}|{self.event_key}"


_ROW_COLUMNS = (
    "id, team_id, channel_id, subject_key, event_key, kind, payload, status, attempts, rate_limited,"
    " next_attempt_at, attempt_started_at, created_at, posted_ts"
)


def _row(values: tuple[Any, ...]) -> OutboxRow:
    (
        id_,
        team,
        channel,
        subject,
        event,
        kind,
        data,
        status,
        attempts,
        limited,
        next_at,
        started,
        created,
        ts,
    ) = values
    return OutboxRow(
        id=id_,
        team_id=team,
        channel_id=channel,
        subject_key=subject,
        event_key=event,
        kind=kind,
        payload=json.loads(data),
        status=status,
        attempts=attempts,
        rate_limited=limited,
        next_attempt_at=next_at,
        attempt_started_at=started,
        created_at=created,
        posted_ts=ts,
    )


class Outbox:
    """Row-level operations for the sender. Every write is its own short transaction."""

    def __init__(self, store: Store, *, clock: Callable[[], float] | None = None):
        self.store = store
        self.clock = clock or store.clock

    def heads(self) -> list[tuple[int, str, str, float]]:
        """(id, team, channel, next_attempt_at) of each channel's oldest unfinished row: a channel's
        rows go out strictly in order (a thread reply after its parent)."""
        cursor = self.store.query(
            "SELECT id, team_id, channel_id, next_attempt_at FROM alert_outbox WHERE id IN"
            " (SELECT min(id) FROM alert_outbox WHERE status IN ('pending', 'sending')"
            " GROUP BY team_id, channel_id) ORDER BY id"
        )
        return [(int(a), str(b), str(c), float(d)) for a, b, c, d in cursor]

    def pending_count(self) -> int:
        """Rows not yet delivered (pending, or being sent): falbot_outbox_pending."""
        [(count,)] = self.store.query(
            "SELECT count(*) FROM alert_outbox WHERE status IN ('pending', 'sending')"
        )
        return int(count)

    def row(self, row_id: int) -> OutboxRow | None:
        found = self.store.query(f"SELECT {_ROW_COLUMNS} FROM alert_outbox WHERE id = ?", (row_id,))
        return _row(found[0]) if found else None

    def rows(self, **where: str) -> list[OutboxRow]:
        """Rows matching column = value (tests and diagnostics)."""
        clause = " AND ".join(f"{column} = ?" for column in where) or "TRUE"
        cursor = self.store.query(
            f"SELECT {_ROW_COLUMNS} FROM alert_outbox WHERE {clause} ORDER BY id", tuple(where.values())
        )
        return [_row(values) for values in cursor]

    def thread_ts(self, team_id: str, channel_id: str, subject_key: str) -> str | None:
        found = self.store.query(
            "SELECT ts FROM alert_threads WHERE team_id = ? AND channel_id = ? AND subject_key = ?",
            (team_id, channel_id, subject_key),
        )
        return str(found[0][0]) if found else None

    def mark_sending(self, row: OutboxRow) -> None:
        """Committed BEFORE the post: after a crash this row is checked against Slack, not re-posted blind."""
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE alert_outbox SET status = 'sending', attempt_started_at = ? WHERE id = ?",
                (self.clock(), row.id),
            )

    def mark_posted(self, row: OutboxRow, ts: str, *, parent: bool) -> None:
        """Slack accepted the post: remember its ts (and, for a top-level post, the thread parent)."""
        with self.store.transaction() as tx:
            tx.execute("UPDATE alert_outbox SET posted_ts = ? WHERE id = ?", (ts, row.id))
            if parent:
                tx.execute(
                    "INSERT INTO alert_threads (team_id, channel_id, subject_key, ts, created_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (row.team_id, row.channel_id, row.subject_key, ts, self.clock()),
                )

    def mark_sent(self, row: OutboxRow) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE alert_outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                (self.clock(), row.id),
            )

    def retry_later(
        self,
        row: OutboxRow,
        at: float,
        error: str,
        *,
        maybe_posted: bool,
        rate_limited: bool = False,
        counted: bool = True,
    ) -> None:
        """Try again at `at`. `maybe_posted`: Slack may have the message (timeout, 5xx), so keep
        `sending` and check the channel before posting again; otherwise the post surely failed.
        `counted=False` (held while Slack refuses the token) uses up no try."""
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE alert_outbox SET status = ?, next_attempt_at = ?, last_error = ?,"
                " rate_limited = rate_limited + ?, attempts = attempts + ?"
                " WHERE id = ? AND status IN ('pending', 'sending')",
                (
                    "sending" if maybe_posted else "pending",
                    at,
                    error[:500],
                    int(rate_limited and counted),
                    int(counted and not rate_limited),
                    row.id,
                ),
            )

    def mark_failed(self, row: OutboxRow, error: str) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE alert_outbox SET status = 'failed', last_error = ? WHERE id = ?",
                (error[:500], row.id),
            )

    def drop(self, row: OutboxRow, reason: str) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE alert_outbox SET status = 'dropped', last_error = ? WHERE id = ?", (reason, row.id)
            )

    def drop_older_than(self, cutoff: float, *, reason: str) -> int:
        """Drop unfinished rows created before `cutoff` (held too long to be worth sending)."""
        with self.store.transaction() as tx:
            return int(
                tx.execute(
                    "UPDATE alert_outbox SET status = 'dropped', last_error = ?"
                    " WHERE status IN ('pending', 'sending') AND created_at < ?",
                    (reason, cutoff),
                ).rowcount
            )

    def drop_pending(self, team_id: str, channel_id: str | None = None, *, reason: str) -> int:
        """Drop unfinished rows of a channel (or of a whole team when channel_id is None)."""
        return drop_pending(self.store, team_id, channel_id, reason=reason)


def drop_pending(store: Store, team_id: str, channel_id: str | None = None, *, reason: str) -> int:
    sql = "UPDATE alert_outbox SET status = 'dropped', last_error = ? WHERE status IN ('pending', 'sending')"
    args: list[Any] = [reason]
    sql += " AND team_id = ?"
    args.append(team_id)
    if channel_id is not None:
        sql += " AND channel_id = ?"
        args.append(channel_id)
    with store.transaction() as tx:
        return int(tx.execute(sql, args).rowcount)
