"""The outbox on both engines (a real SQLite file, a real PostgreSQL server): filters, one row per
(team, channel, subject, event), fan-out."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bot.alerts.events import SubjectKind, Tracked
from bot.alerts.outbox import AlertEngine, Outbox, drop_pending, wants
from bot.status.models import Component, Incident, IncidentUpdate, Maintenance, StatusSnapshot
from bot.store import Store, Subscription

T = "T1"


def snap(
    at: float, *, incidents: list[Incident] | None = None, level: str | None = None, **extra: object
) -> StatusSnapshot:
    incidents = incidents or []
    open_levels = [i.level for i in incidents if not i.resolved]
    return StatusSnapshot.model_validate(
        {
            "level": level or (open_levels[0] if open_levels else "operational"),
            "source": "https://status.fal.ai",
            "provider": "statuspage",
            "checked_at": datetime.fromtimestamp(at, UTC),
            "incidents": incidents,
            **extra,
        }
    )


def inc(
    level: str = "major_outage",
    *,
    status: str = "investigating",
    components: list[str] | None = None,
    updates: list[IncidentUpdate] | None = None,
    id: str = "i1",
) -> Incident:
    return Incident(
        id=id,
        name="Queue API slow",
        status=status,
        impact=level,
        level=level,
        components=components or [],
        updates=updates or [],
    )


@pytest.fixture
def store(db_location: Path | str) -> Iterator[Store]:
    store = Store(db_location)
    yield store
    store.close()


def engine(store: Store) -> AlertEngine:
    return AlertEngine(store, unknown_note_after_seconds=60)


def open_rows(store: Store) -> list[tuple[str, str]]:
    return [(r.channel_id, r.kind) for r in Outbox(store).rows(event_key="open")]


def subject(
    level: str = "degraded", kind: SubjectKind = "incident", components: tuple[str, ...] = ()
) -> Tracked:
    return Tracked(
        key="inc:x", kind=kind, name="x", level=level, status="investigating", components=components
    )


def test_filters() -> None:
    default = Subscription(T, "C1")
    major = Subscription(T, "C2", min_level="major_outage")
    partial = Subscription(T, "C3", min_level="partial_outage")
    no_maint = Subscription(T, "C4", maintenance=False)
    queue_only = Subscription(T, "C5", components=("queue api",))
    assert wants(default, subject("degraded"))
    assert not wants(default, subject("operational"))
    assert not wants(major, subject("partial_outage")) and wants(major, subject("major_outage"))
    assert wants(partial, subject("partial_outage")) and not wants(partial, subject("degraded"))
    assert wants(default, subject("maintenance", "maintenance"))
    assert not wants(no_maint, subject("maintenance", "maintenance"))
    assert wants(major, subject("maintenance", "maintenance"))  # min is about outages only
    assert wants(queue_only, subject(components=("Queue  API",)))  # case and spacing ignored
    assert not wants(queue_only, subject(components=("Realtime",)))
    assert wants(queue_only, subject(components=()))  # an alert naming no component passes
    assert wants(major, subject("unknown", "note"))


def test_one_top_level_row_per_channel_and_updates_only_where_it_went(store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2", min_level="major_outage"))
    store.subscribe(Subscription(T, "C3", components=("Realtime",)))
    alerts = engine(store)
    alerts.observe(snap(100, incidents=[inc("degraded", components=["Queue API"])]))
    alerts.observe(snap(160, incidents=[inc("degraded", components=["Queue API"])]))
    assert open_rows(store) == [("C1", "open")]
    # escalation past C2's min: C2 gets its top-level alert now, C1 a threaded update
    alerts.observe(snap(220, incidents=[inc("major_outage", components=["Queue API"])]))
    rows = Outbox(store).rows()
    assert [(r.channel_id, r.kind, r.event_key) for r in rows] == [
        ("C1", "open", "open"),
        ("C1", "updated", "c:1"),
        ("C2", "open", "open"),
    ]
    assert rows[2].subject.level == "major_outage"
    alerts.observe(snap(280))
    assert [(r.channel_id, r.kind) for r in Outbox(store).rows(kind="resolved")] == [
        ("C1", "resolved"),
        ("C2", "resolved"),
    ]


def test_outbox_key_is_unique(store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    engine(store).observe(snap(100, incidents=[inc()]))
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)), store.transaction() as tx:
        tx.execute(
            "INSERT INTO alert_outbox (team_id, channel_id, subject_key, event_key, kind, payload,"
            " created_at) VALUES ('T1', 'C1', 'inc:i1', 'open', 'open', '{}', 0)"
        )


def test_same_poll_twice_or_a_late_older_poll_adds_nothing(store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    alerts = engine(store)
    first = snap(100, incidents=[inc(updates=[IncidentUpdate(id="u1", status="investigating", body="a")])])
    later = snap(
        160,
        incidents=[
            inc(
                updates=[
                    IncidentUpdate(id="u2", status="identified", body="b"),
                    IncidentUpdate(id="u1", status="investigating", body="a"),
                ]
            )
        ],
    )
    alerts.observe(first)
    alerts.observe(later)
    count = len(Outbox(store).rows())
    assert alerts.observe(later) == []
    assert alerts.observe(first) == []  # older than the stored state
    assert len(Outbox(store).rows()) == count == 2


def test_state_survives_a_new_engine_and_store(store: Store, db_location: Path | str) -> None:
    store.subscribe(Subscription(T, "C1"))
    engine(store).observe(snap(100, incidents=[inc()]))
    reopened = Store(db_location)
    assert engine(reopened).observe(snap(160, incidents=[inc()])) == []
    assert len(Outbox(reopened).rows()) == 1
    reopened.close()


def test_channel_subscribed_during_an_open_incident_gets_it_once(store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    alerts = engine(store)
    alerts.observe(snap(100, incidents=[inc()]))
    store.subscribe(Subscription(T, "C9"))
    alerts.observe(snap(160, incidents=[inc()]))
    alerts.observe(snap(220, incidents=[inc()]))
    assert open_rows(store) == [("C1", "open"), ("C9", "open")]


def test_inactive_channels_and_stopped_teams_get_nothing(store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2"))
    store.subscribe(Subscription("T2", "C3"))
    store.disable_subscription(T, "C2", "is_archived")
    store.set_team_sending("T2", False, "invalid_auth")
    engine(store).observe(snap(100, incidents=[inc()]))
    assert open_rows(store) == [("C1", "open")]


def test_unsubscribed_rows_are_dropped_and_come_back_on_resubscribe(store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    alerts = engine(store)
    alerts.observe(snap(100, incidents=[inc()]))
    store.unsubscribe(T, "C1")
    assert drop_pending(store, T, "C1", reason="unsubscribed") == 1
    alerts.observe(snap(160, incidents=[inc(status="identified")]))
    assert [r.status for r in Outbox(store).rows()] == ["dropped"]  # no update for a gone channel
    store.subscribe(Subscription(T, "C1"))
    alerts.observe(snap(220, incidents=[inc(status="identified")]))
    [row] = Outbox(store).rows()
    assert row.status == "pending" and row.subject.status == "identified"


def test_unknown_note_goes_to_every_subscribed_channel(store: Store) -> None:
    store.subscribe(Subscription(T, "C1", min_level="major_outage", maintenance=False))
    store.subscribe(Subscription(T, "C2", components=("Realtime",)))
    alerts = engine(store)
    alerts.observe(snap(0))
    unknown = {"level": "unknown", "error": "503"}
    for at in (10, 40, 71, 100):
        alerts.observe(snap(at, **unknown))  # type: ignore[arg-type]
    assert [(r.channel_id, r.subject.kind) for r in Outbox(store).rows()] == [("C1", "note"), ("C2", "note")]
    alerts.observe(snap(130))
    assert [(r.channel_id, r.kind) for r in Outbox(store).rows(kind="resolved")] == [
        ("C1", "resolved"),
        ("C2", "resolved"),
    ]


def test_maintenance_rows_respect_the_maintenance_option(store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2", maintenance=False))
    alerts = engine(store)
    maintenance = Maintenance(id="m1", name="DB upgrade", status="in_progress")
    alerts.observe(snap(0, level="maintenance", maintenances=[maintenance]))
    alerts.observe(snap(60))
    assert [(r.channel_id, r.kind) for r in Outbox(store).rows()] == [("C1", "open"), ("C1", "resolved")]


def test_synthetic_degradation_respects_component_filter(store: Store) -> None:
    store.subscribe(Subscription(T, "C1", components=("Realtime",)))
    store.subscribe(Subscription(T, "C2", components=("Queue API",)))
    components = [Component(name="Queue API", status="partial_outage", raw_status="partial_outage")]
    engine(store).observe(snap(0, level="partial_outage", components=components))
    [row] = Outbox(store).rows()
    assert (
        row.channel_id == "C2"
        and row.subject.kind == "degradation"
        and row.subject.name == "Degraded: Queue API"
    )


def test_pruning_keeps_what_an_open_incident_needs(store: Store) -> None:
    from bot.alerts.outbox import RETENTION_SECONDS, prune

    store.subscribe(Subscription(T, "C1"))
    alerts = engine(store)
    alerts.observe(snap(100, incidents=[inc(id="long")]))
    alerts.observe(snap(160, incidents=[inc(id="long"), inc(id="short")]))
    alerts.observe(snap(220, incidents=[inc(id="long")]))
    with store.transaction() as tx:
        tx.execute("UPDATE alert_outbox SET status = 'sent'")
        prune(tx, time.time() + RETENTION_SECONDS + 1)  # rows carry the wall-clock time they were made
    assert [(r.subject_key, r.kind) for r in Outbox(store).rows()] == [("inc:long", "open")]
    # a month later the long incident is still open: no second top-level alert
    alerts.observe(snap(220 + RETENTION_SECONDS + 60, incidents=[inc(id="long")]))
    assert [(r.subject_key, r.kind) for r in Outbox(store).rows()] == [("inc:long", "open")]
