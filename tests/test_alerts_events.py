"""The pure diff engine: sequences of polls in, events out."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts.events import (
    DEGRADATION_REOPEN_GRACE_SECONDS,
    Degradation,
    EngineState,
    Event,
    Observation,
    Seen,
    Tracked,
    Update,
    diff,
    observation_from_snapshot,
)
from bot.status.models import Component, Incident, IncidentUpdate, Maintenance, StatusSnapshot

NOTE_AFTER = 15 * 60.0


def incident(
    key: str = "inc:1",
    *,
    status: str = "investigating",
    level: str = "major_outage",
    updates: tuple[Update, ...] = (),
    components: tuple[str, ...] = ("Queue API",),
) -> Seen:
    return Seen(
        key=key,
        kind="incident",
        name="Queue API slow",
        level=level,
        status=status,
        impact=level,
        url="https://status.fal.ai/incident/1",
        started=1_000.0,
        components=components,
        updates=updates,
    )


def poll(
    at: float, *open_: Seen, closed: tuple[Seen, ...] = (), degradation: Degradation | None = None
) -> Observation:
    return Observation(at=at, readable=True, open=open_, closed=closed, degradation=degradation)


def unreadable(at: float) -> Observation:
    return Observation(at=at, readable=False)


def run(
    *observations: Observation, state: EngineState | None = None
) -> tuple[EngineState, list[list[Event]]]:
    state = state or EngineState()
    all_events = []
    for observation in observations:
        state, events = diff(state, observation, unknown_note_after_seconds=NOTE_AFTER)
        all_events.append(events)
    return state, all_events


def kinds(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.kind, e.event_key) for e in events]


def test_open_update_resolve() -> None:
    first = Update("u1", "investigating", "Looking into it")
    second = Update("u2", "identified", "Found it <!channel>")
    state, events = run(
        poll(100, incident(updates=(first,))),
        poll(160, incident(updates=(first,))),
        poll(220, incident(status="identified", updates=(first, second))),
        poll(280, incident(status="identified", level="partial_outage", updates=(first, second))),
        poll(340),
    )
    assert kinds(events[0]) == [("opened", "open")]
    assert events[0][0].subject.latest_body == "Looking into it"
    assert events[1] == []
    assert kinds(events[2]) == [("updated", "u:u2")]
    assert events[2][0].body == "Found it <!channel>"
    assert events[2][0].subject.status == "identified"
    assert kinds(events[3]) == [("updated", "c:2")]
    assert events[3][0].subject.level == "partial_outage"
    assert kinds(events[4]) == [("resolved", "r:3")]
    resolved = events[4][0].subject
    assert not resolved.open and resolved.resolved_at == 340
    assert resolved.duration() == 0.0  # the page says it started after it was resolved: clamped
    assert state.tracked["inc:1"].open is False


def test_several_new_updates_in_one_poll_each_become_an_event_in_order() -> None:
    u1, u2, u3 = (Update(f"u{i}", "monitoring", f"body {i}") for i in (1, 2, 3))
    _, events = run(poll(100, incident(updates=(u1,))), poll(160, incident(updates=(u1, u2, u3))))
    assert kinds(events[1]) == [("updated", "u:u2"), ("updated", "u:u3")]
    assert [e.body for e in events[1]] == ["body 2", "body 3"]


def test_explicitly_resolved_incident_carries_its_final_update() -> None:
    u1 = Update("u1", "investigating", "Looking")
    done = Update("u9", "resolved", "All good now")
    _, events = run(
        poll(100, incident(updates=(u1,))),
        poll(160, closed=(incident(status="resolved", updates=(u1, done)),)),
    )
    assert kinds(events[1]) == [("resolved", "r:1")]
    assert events[1][0].body == "All good now"
    assert events[1][0].subject.status == "resolved"


def test_first_poll_alerts_what_is_open_and_nothing_that_is_over() -> None:
    _, events = run(poll(100, incident("inc:open"), closed=(incident("inc:old", status="resolved"),)))
    assert [(e.kind, e.subject.key) for e in events[0]] == [("opened", "inc:open")]


def test_first_poll_with_resolved_only_and_later_sightings_stay_quiet() -> None:
    old = incident("inc:old", status="resolved")
    _, events = run(poll(100, closed=(old,)), poll(160, closed=(old,)), poll(220))
    assert events == [[], [], []]


def test_unknown_never_resolves_or_opens_and_notes_once_after_threshold() -> None:
    state, events = run(
        poll(0, incident()),
        unreadable(60),
        unreadable(60 + NOTE_AFTER - 1),
        unreadable(60 + NOTE_AFTER),
        unreadable(60 + NOTE_AFTER + 60),
        poll(60 + NOTE_AFTER + 120, incident()),
    )
    assert kinds(events[0]) == [("opened", "open")]
    assert events[1] == [] and events[2] == []
    assert [(e.kind, e.subject.kind) for e in events[3]] == [("opened", "note")]
    assert events[4] == []
    # readable again: the note closes; the incident, still open, produces nothing
    assert [(e.kind, e.subject.kind) for e in events[5]] == [("resolved", "note")]
    assert state.tracked["inc:1"].open
    assert state.unknown_since is None and state.unknown_note is None


def test_short_unknown_spell_produces_nothing_and_does_not_resolve() -> None:
    _, events = run(poll(0, incident()), unreadable(60), unreadable(120), poll(180))
    assert events[1:3] == [[], []]
    assert kinds(events[3]) == [("resolved", "r:1")]  # resolved only by a readable poll


def test_unknown_spell_counts_from_its_first_unknown_poll() -> None:
    _, events = run(unreadable(0), poll(NOTE_AFTER / 2), unreadable(NOTE_AFTER), unreadable(NOTE_AFTER * 1.5))
    assert all(not batch for batch in events)


def test_flapping_incident_stays_one_subject_and_reopens() -> None:
    state, events = run(
        poll(0, incident()),
        poll(60),
        poll(120, incident()),
        poll(180),
        poll(240, incident()),
    )
    assert kinds(events[0]) == [("opened", "open")]
    assert kinds(events[1]) == [("resolved", "r:1")]
    assert kinds(events[2]) == [("reopened", "o:2")]
    assert kinds(events[3]) == [("resolved", "r:3")]
    assert kinds(events[4]) == [("reopened", "o:4")]
    assert list(state.tracked) == ["inc:1"]


def test_component_degradation_without_incident_is_one_synthetic_incident() -> None:
    queue = Degradation("degraded", ("Queue API",))
    worse = Degradation("partial_outage", ("Queue API", "Realtime"))
    state, events = run(
        poll(0, degradation=queue), poll(60, degradation=queue), poll(120, degradation=worse), poll(180)
    )
    [opened] = events[0]
    assert opened.kind == "opened" and opened.subject.kind == "degradation"
    assert opened.subject.name == "Degraded: Queue API"
    assert opened.subject.components == ("Queue API",)
    assert events[1] == []
    assert kinds(events[2]) == [("updated", "c:1")]
    assert events[2][0].subject.level == "partial_outage"
    assert kinds(events[3]) == [("resolved", "r:2")]
    assert len([t for t in state.tracked.values() if t.kind == "degradation"]) == 1


def test_bouncing_component_reopens_the_same_synthetic_thread_within_grace() -> None:
    queue = Degradation("degraded", ("Queue API",))
    late = 180 + DEGRADATION_REOPEN_GRACE_SECONDS + 1
    _, events = run(
        poll(0, degradation=queue),
        poll(60),
        poll(120, degradation=queue),
        poll(180),
        poll(late, degradation=queue),
    )
    first_key = events[0][0].subject.key
    assert kinds(events[2]) == [("reopened", "o:2")]
    assert events[2][0].subject.key == first_key
    # long after: a new degradation is a new alert
    assert kinds(events[4]) == [("opened", "open")]
    assert events[4][0].subject.key != first_key


def test_synthetic_degradation_is_superseded_when_an_incident_is_posted() -> None:
    queue = Degradation("degraded", ("Queue API",))
    _, events = run(poll(0, degradation=queue), poll(60, incident()))
    assert sorted((e.kind, e.subject.kind) for e in events[1]) == [
        ("opened", "incident"),
        ("resolved", "degradation"),
    ]
    closed = next(e for e in events[1] if e.subject.kind == "degradation")
    assert closed.subject.superseded


def test_maintenance_start_and_end() -> None:
    maintenance = Seen(
        key="mnt:m1", kind="maintenance", name="DB upgrade", level="maintenance", status="in_progress"
    )
    _, events = run(poll(0), poll(60, maintenance), poll(120, maintenance), poll(180))
    assert events[0] == []
    assert [(e.kind, e.subject.kind) for e in events[1]] == [("opened", "maintenance")]
    assert events[2] == []
    assert [(e.kind, e.subject.status) for e in events[3]] == [("resolved", "completed")]


def test_escalation_is_an_update_event() -> None:
    _, events = run(poll(0, incident(level="degraded")), poll(60, incident(level="major_outage")))
    assert kinds(events[1]) == [("updated", "c:1")]
    assert events[1][0].subject.level == "major_outage"


def test_tracked_round_trips_through_json() -> None:
    _, events = run(poll(0, incident(updates=(Update("u1", "x", "y"),))))
    subject = events[0][0].subject
    assert Tracked.from_json(subject.to_json()) == subject


# --- snapshot -> observation ---------------------------------------------------------------------


def snapshot(**fields: object) -> StatusSnapshot:
    base: dict[str, object] = {
        "level": "operational",
        "source": "https://status.fal.ai",
        "provider": "statuspage",
        "checked_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    base.update(fields)
    return StatusSnapshot.model_validate(base)


def test_observation_from_snapshot() -> None:
    snap = snapshot(
        level="partial_outage",
        incidents=[
            Incident(
                id="abc",
                name="Queue slow",
                status="investigating",
                impact="major",
                level="partial_outage",
                started="2026-01-01T00:00:00Z",
                components=["Queue API"],
                updates=[
                    IncidentUpdate(id="u2", status="identified", body="second"),
                    IncidentUpdate(id="u1", status="investigating", body="first"),
                ],
            ),
            Incident(id="old", name="Old", status="resolved", impact="minor", resolved=True),
        ],
        maintenances=[
            Maintenance(id="m1", name="Now", status="in_progress"),
            Maintenance(id="m2", name="Later", status="scheduled"),
        ],
    )
    observation = observation_from_snapshot(snap)
    assert observation.readable and observation.at == snap.checked_at.timestamp()
    assert [s.key for s in observation.open] == ["inc:abc", "mnt:m1"]
    assert [u.id for u in observation.open[0].updates] == ["u1", "u2"]  # oldest first
    assert observation.open[0].started == datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert [s.key for s in observation.closed] == ["inc:old"]
    assert observation.degradation is None  # an incident explains it


def test_observation_degradation_without_incident_names_components() -> None:
    snap = snapshot(
        level="degraded",
        page_status="minor",
        components=[
            Component(name="Queue API", status="degraded", raw_status="degraded_performance"),
            Component(name="Realtime", status="operational", raw_status="operational"),
        ],
    )
    assert observation_from_snapshot(snap).degradation == Degradation("degraded", ("Queue API",))
    assert not observation_from_snapshot(snapshot(level="unknown", error="503")).readable
    assert observation_from_snapshot(snapshot(level="maintenance")).degradation is None


def test_a_long_gap_between_polls_restarts_the_unknown_spell() -> None:
    """The bot was stopped for hours: it cannot know the page was unreadable all that time."""
    state = EngineState()
    batches = []
    for at in (0, 60, 60 + 3 * NOTE_AFTER, 60 + 4 * NOTE_AFTER):
        state, events = diff(
            state, unreadable(at), unknown_note_after_seconds=NOTE_AFTER, restart_gap_seconds=2 * NOTE_AFTER
        )
        batches.append(events)
    assert batches[:3] == [[], [], []]  # the third poll came after a long gap: the spell starts there
    assert [(e.kind, e.subject.kind) for e in batches[3]] == [("opened", "note")]
    # without a restart gap the spell counts from its first poll
    _, plain = run(unreadable(0), unreadable(60), unreadable(60 + 3 * NOTE_AFTER))
    assert [(e.kind, e.subject.kind) for e in plain[2]] == [("opened", "note")]
