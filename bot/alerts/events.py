"""Pure diff engine for outage alerts: (stored state, status snapshot) -> (new state, events).

No I/O here. `observation_from_snapshot` reduces a `StatusSnapshot` to what alerts care about;
`diff` compares it with the state the previous poll left and says what happened. The caller
(bot/alerts/outbox.py) stores the new state and the events' outbox rows in one transaction, so an
event is produced exactly once however often or wherever the process stops.

Subjects are the things a channel can get a thread about:
- `incident`: an incident on the page (key `inc:<page id>`),
- `maintenance`: a maintenance under way (key `mnt:<page id>`); scheduled ones are not announced,
- `degradation`: the page or its components degraded with no open incident (key `deg:<epoch>`),
  one synthetic incident named after the affected components,
- `note`: the page could not be read for longer than the threshold (key `unk:<epoch>`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from bot.status.models import LEVEL_RANK, StatusSnapshot, parse_time

SubjectKind = Literal["incident", "maintenance", "degradation", "note"]
EventKind = Literal["opened", "updated", "resolved", "reopened"]

# A degradation without incident that clears and comes back within this long continues its thread
# (a bouncing component) instead of starting a new top-level alert.
DEGRADATION_REOPEN_GRACE_SECONDS = 30 * 60
# Update ids remembered per subject (Statuspage keeps a few dozen per incident).
MAX_SEEN_UPDATES = 200
DEGRADING_LEVELS = ("degraded", "partial_outage", "major_outage")


@dataclass(frozen=True)
class Update:
    id: str
    status: str
    body: str


@dataclass(frozen=True)
class Seen:
    """One open (or explicitly closed) subject as the page shows it in this poll."""

    key: str
    kind: SubjectKind
    name: str
    level: str
    status: str
    impact: str = ""
    url: str | None = None
    started: float | None = None
    components: tuple[str, ...] = ()
    updates: tuple[Update, ...] = ()  # oldest first


@dataclass(frozen=True)
class Degradation:
    level: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class Observation:
    """What one poll says, reduced to what alerts need."""

    at: float
    readable: bool
    open: tuple[Seen, ...] = ()
    closed: tuple[Seen, ...] = ()  # listed but over (resolved incidents, completed maintenances)
    degradation: Degradation | None = None


@dataclass(frozen=True)
class Tracked:
    """A subject as stored between polls (JSON in alert_subjects.data)."""

    key: str
    kind: SubjectKind
    name: str
    level: str
    status: str
    impact: str = ""
    url: str | None = None
    started: float | None = None
    components: tuple[str, ...] = ()
    seen_updates: tuple[str, ...] = ()
    latest_body: str | None = None
    revision: int = 0
    open: bool = True
    first_seen: float = 0.0
    resolved_at: float | None = None
    superseded: bool = False  # a degradation closed because an incident now covers it
    peak_level: str = ""  # the worst level it reached; kept up to date by every copy made of it

    def __post_init__(self) -> None:
        worst = max((self.peak_level, self.level), key=lambda level: LEVEL_RANK.get(level, -1))
        object.__setattr__(self, "peak_level", worst)

    @property
    def began(self) -> float:
        return self.started if self.started is not None else self.first_seen

    def duration(self) -> float | None:
        return None if self.resolved_at is None else max(0.0, self.resolved_at - self.began)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["components"] = list(self.components)
        data["seen_updates"] = list(self.seen_updates)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tracked:
        values = dict(data)
        values["components"] = tuple(values.get("components") or ())
        values["seen_updates"] = tuple(values.get("seen_updates") or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{name: value for name, value in values.items() if name in known})


@dataclass(frozen=True)
class Event:
    kind: EventKind
    subject: Tracked  # the subject's state right after this event
    event_key: str  # unique per subject: "open", "u:<update id>", "c:<rev>", "r:<rev>", "o:<rev>"
    body: str | None = None


@dataclass(frozen=True)
class EngineState:
    initialized: bool = False
    last_poll_at: float | None = None
    unknown_since: float | None = None
    unknown_note: str | None = None  # key of the open "cannot read" note
    tracked: dict[str, Tracked] = field(default_factory=dict)


def level_rank(level: str) -> int:
    return LEVEL_RANK.get(level, -1)


# --- snapshot -> observation ---------------------------------------------------------------------


def _epoch(value: str | None) -> float | None:
    parsed = parse_time(value)
    return parsed.timestamp() if parsed else None


def observation_from_snapshot(snapshot: StatusSnapshot) -> Observation:
    at = snapshot.checked_at.timestamp()
    if snapshot.level == "unknown":
        return Observation(at=at, readable=False)
    open_: list[Seen] = []
    closed: list[Seen] = []
    for incident in snapshot.incidents:
        seen = Seen(
            key=f"inc:{incident.id}",
            kind="incident",
            name=incident.name,
            level=incident.level,
            status=incident.status,
            impact=incident.impact,
            url=incident.url,
            started=_epoch(incident.started),
            components=tuple(incident.components),
            updates=tuple(Update(u.id, u.status, u.body) for u in reversed(incident.updates)),
        )
        (closed if incident.resolved else open_).append(seen)
    for maintenance in snapshot.maintenances:
        if maintenance.status == "scheduled":
            continue  # announced when it starts (contract: notices at start and end)
        seen = Seen(
            key=f"mnt:{maintenance.id}",
            kind="maintenance",
            name=maintenance.name,
            level="maintenance",
            status=maintenance.status,
            url=maintenance.url,
            started=_epoch(maintenance.start),
            components=tuple(maintenance.components),
        )
        (closed if maintenance.status == "completed" else open_).append(seen)
    degradation = None
    has_open_incident = any(seen.kind == "incident" for seen in open_)
    if not has_open_incident and snapshot.level in DEGRADING_LEVELS:
        affected = tuple(c.name for c in snapshot.components if c.status in DEGRADING_LEVELS)
        degradation = Degradation(level=snapshot.level, components=affected)
    return Observation(at=at, readable=True, open=tuple(open_), closed=tuple(closed), degradation=degradation)


def degradation_name(components: tuple[str, ...]) -> str:
    if not components:
        return "fal is degraded (no incident posted)"
    shown = ", ".join(components[:5]) + (f" and {len(components) - 5} more" if len(components) > 5 else "")
    return f"Degraded: {shown}"


# --- the diff --------------------------------------------------------------------------------------


def diff(
    state: EngineState,
    observation: Observation,
    *,
    unknown_note_after_seconds: float,
    restart_gap_seconds: float | None = None,
) -> tuple[EngineState, list[Event]]:
    """What changed since the previous poll. Pure: the same inputs always give the same output.

    `restart_gap_seconds`: a gap this long since the previous poll (the bot was not running) means
    an unknown spell in progress is not known to have lasted: it counts from now.
    """
    tracked = dict(state.tracked)
    events: list[Event] = []
    now = observation.at

    if not observation.readable:
        # Unknown never opens or resolves anything; only a long spell earns one separate note.
        since = state.unknown_since if state.unknown_since is not None else now
        note = state.unknown_note
        gap = now - state.last_poll_at if state.last_poll_at is not None else 0.0
        if note is None and restart_gap_seconds is not None and gap > restart_gap_seconds:
            since = now  # nobody polled for a long while (the bot was stopped): the spell starts now
        if note is None and now - since >= unknown_note_after_seconds:
            note = f"unk:{int(since)}"
            subject = Tracked(
                key=note,
                kind="note",
                name="fal's status page cannot be read",
                level="unknown",
                status="unreadable",
                started=since,
                first_seen=now,
            )
            tracked[note] = subject
            events.append(Event("opened", subject, "open"))
        return (
            replace(state, last_poll_at=now, unknown_since=since, unknown_note=note, tracked=tracked),
            events,
        )

    if state.unknown_note is not None and state.unknown_note in tracked:
        note_subject = tracked[state.unknown_note]
        if note_subject.open:
            closed = replace(
                note_subject,
                open=False,
                status="readable",
                resolved_at=now,
                revision=note_subject.revision + 1,
            )
            tracked[closed.key] = closed
            events.append(Event("resolved", closed, f"r:{closed.revision}"))

    seen_keys: set[str] = set()
    for seen in observation.open:
        seen_keys.add(seen.key)
        previous = tracked.get(seen.key)
        if previous is None:
            subject = Tracked(
                key=seen.key,
                kind=seen.kind,
                name=seen.name,
                level=seen.level,
                status=seen.status,
                impact=seen.impact,
                url=seen.url,
                started=seen.started,
                components=seen.components,
                seen_updates=tuple(u.id for u in seen.updates)[-MAX_SEEN_UPDATES:],
                latest_body=seen.updates[-1].body if seen.updates else None,
                first_seen=now,
            )
            tracked[seen.key] = subject
            events.append(Event("opened", subject, "open"))
            continue
        events.extend(_follow(tracked, previous, seen, now))

    for closed_seen in observation.closed:
        seen_keys.discard(closed_seen.key)
    for key, previous in list(tracked.items()):
        if previous.open and previous.kind in ("incident", "maintenance") and key not in seen_keys:
            final = next((c for c in observation.closed if c.key == key), None)
            events.append(_close(tracked, previous, now, final))

    events.extend(_degradation(tracked, observation, now))
    return (
        EngineState(
            initialized=True,
            last_poll_at=now,
            unknown_since=None,
            unknown_note=None,
            tracked=tracked,
        ),
        events,
    )


def _follow(tracked: dict[str, Tracked], previous: Tracked, seen: Seen, now: float) -> list[Event]:
    """A subject seen again: new update entries, changed state or impact, or a reopening."""
    new_updates = [u for u in seen.updates if u.id not in previous.seen_updates]
    changed = (
        seen.status != previous.status
        or seen.level != previous.level
        or seen.impact != previous.impact
        or seen.name != previous.name
    )
    revision = previous.revision
    subject = replace(
        previous,
        name=seen.name,
        level=seen.level,
        status=seen.status,
        impact=seen.impact,
        url=seen.url or previous.url,
        started=seen.started if seen.started is not None else previous.started,
        components=seen.components,
        seen_updates=(previous.seen_updates + tuple(u.id for u in new_updates))[-MAX_SEEN_UPDATES:],
        latest_body=new_updates[-1].body if new_updates else previous.latest_body,
    )
    events: list[Event] = []
    if not previous.open:
        revision += 1
        subject = replace(subject, open=True, resolved_at=None, superseded=False, revision=revision)
        events.append(
            Event("reopened", subject, f"o:{revision}", new_updates[-1].body if new_updates else None)
        )
    elif new_updates:
        for update in new_updates:
            revision += 1
            subject = replace(subject, revision=revision)
            events.append(Event("updated", subject, f"u:{update.id}", update.body))
    elif changed:
        revision += 1
        subject = replace(subject, revision=revision)
        events.append(Event("updated", subject, f"c:{revision}"))
    tracked[subject.key] = subject
    return events


def _close(tracked: dict[str, Tracked], previous: Tracked, now: float, final: Seen | None) -> Event:
    body = None
    status = "resolved" if previous.kind == "incident" else "completed"
    if final is not None:
        fresh = [u for u in final.updates if u.id not in previous.seen_updates]
        body = fresh[-1].body if fresh else None
        status = final.status or status
    subject = replace(
        previous,
        open=False,
        status=status,
        resolved_at=now,
        revision=previous.revision + 1,
        latest_body=body or previous.latest_body,
    )
    tracked[subject.key] = subject
    return Event("resolved", subject, f"r:{subject.revision}", body)


def _degradation(tracked: dict[str, Tracked], observation: Observation, now: float) -> list[Event]:
    """The page shows a degradation that no open incident explains: one synthetic incident."""
    open_synthetic = [t for t in tracked.values() if t.kind == "degradation" and t.open]
    shown = observation.degradation
    if shown is None:
        incident_open = any(seen.kind == "incident" for seen in observation.open)
        events = []
        for subject in open_synthetic:
            closed = replace(
                subject,
                open=False,
                status="resolved",
                resolved_at=now,
                revision=subject.revision + 1,
                superseded=incident_open,
            )
            tracked[closed.key] = closed
            events.append(Event("resolved", closed, f"r:{closed.revision}"))
        return events
    name = degradation_name(shown.components)
    if open_synthetic:
        current = open_synthetic[0]
        if current.level == shown.level and current.components == shown.components:
            return []
        updated = replace(
            current,
            name=name,
            level=shown.level,
            components=shown.components,
            revision=current.revision + 1,
        )
        tracked[updated.key] = updated
        return [Event("updated", updated, f"c:{updated.revision}")]
    recent = [
        t
        for t in tracked.values()
        if t.kind == "degradation"
        and t.resolved_at is not None
        and now - t.resolved_at <= DEGRADATION_REOPEN_GRACE_SECONDS
    ]
    if recent:
        latest = max(recent, key=lambda t: t.resolved_at or 0.0)
        reopened = replace(
            latest,
            name=name,
            level=shown.level,
            status="degraded",
            components=shown.components,
            open=True,
            resolved_at=None,
            superseded=False,
            revision=latest.revision + 1,
        )
        tracked[reopened.key] = reopened
        return [Event("reopened", reopened, f"o:{reopened.revision}")]
    key = f"deg:{int(now)}"
    while key in tracked:
        key += "+"
    subject = Tracked(
        key=key,
        kind="degradation",
        name=name,
        level=shown.level,
        status="degraded",
        started=now,
        components=shown.components,
        first_seen=now,
    )
    tracked[key] = subject
    return [Event("opened", subject, "open")]
