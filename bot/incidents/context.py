"""Incident context: a pasted fal-side error while fal's status page shows trouble.

`incident_context(diagnosis, snapshot)` is pure: the Slack surface passes the poller's cached
snapshot (never a fetch on the ack path), the CLI one page read with a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.diagnosis import Diagnosis
from bot.status.models import LEVEL_RANK, LEVEL_WORDS, StatusSnapshot, parse_time

# Errors an outage on fal's side can cause. Validation, auth, billing and the rest are the caller's
# to fix whatever fal's status says, so they never mention an incident.
INCIDENT_CATEGORIES = frozenset({"server_error", "queue_timeout", "network", "realtime"})
DEGRADED_OR_WORSE = frozenset({"degraded", "partial_outage", "major_outage"})


@dataclass(frozen=True)
class IncidentContext:
    """The incident a reply leads with. `started` is ISO-8601 (UTC) or None when the page gives none;
    `incident` is False for a degradation the page shows without an incident."""

    name: str
    url: str | None
    started: str | None
    level: str
    incident: bool = True

    def to_json(self) -> dict[str, Any]:
        """The contract's `"incident"` object of `diagnose --status --json`."""
        return {"name": self.name, "url": self.url, "started": self.started, "level": self.level}

    @property
    def level_words(self) -> str:
        return LEVEL_WORDS.get(self.level, self.level)


def _iso(raw: str | None) -> str | None:
    moment = parse_time(raw) if raw else None
    if moment is None:
        return raw or None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def incident_context(diagnosis: Diagnosis | None, snapshot: StatusSnapshot | None) -> IncidentContext | None:
    """The open incident (the worst one) or degradation to name above the fix, or None.

    Only when the first match is a fal-side category and the page, read successfully, shows an open
    incident or a level of degraded or worse."""
    best = diagnosis.best if diagnosis is not None else None
    if best is None or best.category not in INCIDENT_CATEGORIES:
        return None
    if snapshot is None or not snapshot.ok:
        return None
    incidents = snapshot.open_incidents
    if incidents:
        worst = max(incidents, key=lambda incident: LEVEL_RANK.get(incident.level, -1))
        return IncidentContext(
            name=worst.name, url=worst.url or snapshot.source, started=_iso(worst.started), level=worst.level
        )
    if snapshot.level in DEGRADED_OR_WORSE:
        affected = [c.name for c in snapshot.components if c.status in DEGRADED_OR_WORSE]
        name = (
            f"{LEVEL_WORDS[snapshot.level].capitalize()}: {', '.join(affected[:5])}"
            if affected
            else (f"fal's status page shows {LEVEL_WORDS[snapshot.level]}")
        )
        return IncidentContext(
            name=name, url=snapshot.source, started=None, level=snapshot.level, incident=False
        )
    return None


def since_words(started: str | None, now: datetime | None = None) -> str | None:
    """ "14:02 UTC" today, "Dec 5 14:02 UTC" on another day; None when unknown."""
    moment = parse_time(started) if started else None
    if moment is None:
        return None
    aware = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    if aware.date() == today:
        return aware.strftime("%H:%M UTC")
    return f"{aware.strftime('%b')} {aware.day} {aware.strftime('%H:%M UTC')}"
