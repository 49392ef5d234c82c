"""The status snapshot model, the one level table, and the parsers for Instatus and Statuspage JSON.

Everything here is pure: JSON in, `StatusSnapshot` out, no network. Every string taken from the page
passes through `redact()` here, at the boundary, so no consumer (store, alerts, /fal status, App Home,
`status --json`) sees a key or token the page shows. Parsers never raise on odd values: an enum
value they do not know counts as `degraded` (contract) and is named in `unknown_values`. A payload
whose overall shape is wrong raises `WrongShape`, which the client turns into level `unknown`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from bot import linear_re
from bot.keys import redact

Level = Literal["operational", "maintenance", "degraded", "partial_outage", "major_outage", "unknown"]
KnownLevel = Literal["operational", "maintenance", "degraded", "partial_outage", "major_outage"]
Provider = Literal["instatus", "statuspage"]
MaintenanceStatus = Literal["in_progress", "scheduled", "completed"]

# Worst last. `unknown` is not on this scale: it means "could not read the page", not "fal is down".
LEVEL_ORDER: tuple[KnownLevel, ...] = (
    "operational",
    "maintenance",
    "degraded",
    "partial_outage",
    "major_outage",
)
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVEL_ORDER)}

# An enum value the table does not know counts as this (contract: "An unknown value counts as degraded").
UNRECOGNISED_LEVEL: KnownLevel = "degraded"

# THE level table (contract.md "Level"; the README repeats it). Keyed by which field of which page the
# value comes from. Instatus values are compared upper-case, Statuspage values lower-case.
LEVEL_TABLE: dict[str, dict[str, KnownLevel]] = {
    "statuspage.indicator": {
        "none": "operational",
        "maintenance": "maintenance",
        "minor": "degraded",
        "major": "partial_outage",
        "critical": "major_outage",
    },
    # Component status and incident impact share one vocabulary on Statuspage.
    "statuspage.impact": {
        "operational": "operational",
        "none": "operational",
        "under_maintenance": "maintenance",
        "maintenance": "maintenance",
        "degraded_performance": "degraded",
        "minor": "degraded",
        "partial_outage": "partial_outage",
        "major": "partial_outage",
        "major_outage": "major_outage",
        "critical": "major_outage",
    },
    "instatus.page": {
        "UP": "operational",
        "UNDERMAINTENANCE": "maintenance",
        "HASISSUES": "degraded",
    },
    # Component status and incident impact share one vocabulary on Instatus.
    "instatus.impact": {
        "OPERATIONAL": "operational",
        "UNDERMAINTENANCE": "maintenance",
        "DEGRADEDPERFORMANCE": "degraded",
        "MINOROUTAGE": "degraded",
        "PARTIALOUTAGE": "partial_outage",
        "MAJOROUTAGE": "major_outage",
    },
}

# Incident and maintenance states (not levels): which mean "over", and how maintenances normalise.
RESOLVED_STATES = frozenset({"resolved", "postmortem", "completed"})
KNOWN_INCIDENT_STATES = frozenset(
    {"investigating", "identified", "monitoring", "resolved", "postmortem", "scheduled", "in_progress"}
)
MAINTENANCE_STATES: dict[str, MaintenanceStatus] = {
    # Statuspage
    "scheduled": "scheduled",
    "in_progress": "in_progress",
    "verifying": "in_progress",
    "completed": "completed",
    # Instatus
    "notstartedyet": "scheduled",
    "inprogress": "in_progress",
}

LEVEL_SYMBOL: dict[str, str] = {
    "operational": "✅",
    "maintenance": "🛠",
    "degraded": "🟡",
    "partial_outage": "🟠",
    "major_outage": "🔴",
    "unknown": "❔",
}
LEVEL_WORDS: dict[str, str] = {
    "operational": "operational",
    "maintenance": "under maintenance",
    "degraded": "degraded",
    "partial_outage": "partial outage",
    "major_outage": "major outage",
    "unknown": "unknown",
}


def worst(levels: Iterable[str]) -> KnownLevel:
    """The worst known level among `levels` (operational when there are none)."""
    ranked = [LEVEL_RANK[level] for level in levels if level in LEVEL_RANK]
    return LEVEL_ORDER[max(ranked, default=0)]


def is_worse(a: str, b: str) -> bool:
    """True when level `a` is strictly worse than `b` (unknown ranks below everything)."""
    return LEVEL_RANK.get(a, -1) > LEVEL_RANK.get(b, -1)


class IncidentUpdate(BaseModel):
    id: str
    status: str
    body: str  # plain text: HTML tags removed, entities decoded
    created_at: str | None = None


class Incident(BaseModel):
    id: str  # the page's own id, else its URL, else its name
    name: str
    status: str  # raw, as the page says (INVESTIGATING, monitoring, ...)
    impact: str  # raw, as the page says (MAJOROUTAGE, critical, ...)
    url: str | None = None
    started: str | None = None  # raw timestamp as the page gives it; see parse_time()
    level: KnownLevel = "degraded"
    resolved: bool = False
    components: list[str] = Field(default_factory=list)
    updates: list[IncidentUpdate] = Field(default_factory=list)  # newest first


class Maintenance(BaseModel):
    id: str
    name: str
    status: MaintenanceStatus
    start: str | None = None
    url: str | None = None
    end: str | None = None
    components: list[str] = Field(default_factory=list)
    raw_status: str = ""


class Component(BaseModel):
    name: str
    status: Literal["operational", "degraded", "partial_outage", "major_outage", "maintenance"]
    raw_status: str
    group: str | None = None


class StatusSnapshot(BaseModel):
    """One reading of the status page. Level `unknown` means the page could not be read."""

    level: Level
    source: str
    provider: Provider | None = None
    checked_at: datetime
    incidents: list[Incident] = Field(default_factory=list)
    maintenances: list[Maintenance] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)  # group rows left out
    error: str | None = None
    unknown_values: list[str] = Field(default_factory=list)
    page_status: str | None = None
    # Set when the page itself was read but its separate components list was not (Instatus).
    components_error: str | None = None
    fetch_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.level != "unknown"

    @property
    def open_incidents(self) -> list[Incident]:
        return [incident for incident in self.incidents if not incident.resolved]

    @property
    def source_host(self) -> str:
        """ "status.fal.ai" for "https://status.fal.ai": how people name the page."""
        return urlsplit(self.source).netloc or self.source

    def to_json(self) -> dict[str, Any]:
        """The contract's `status --json` object (probe is added by the CLI)."""
        out: dict[str, Any] = {
            "level": self.level,
            "source": self.source,
            "provider": self.provider,
            "checked_at": self.checked_at.astimezone(UTC).isoformat(timespec="seconds"),
            "incidents": [
                {
                    "id": incident.id,
                    "name": incident.name,
                    "status": incident.status,
                    "impact": incident.impact,
                    "url": incident.url,
                    "started": incident.started,
                    # extensions
                    "level": incident.level,
                    "resolved": incident.resolved,
                    "components": incident.components,
                }
                # Only open ones: a page may still list an incident it has marked resolved.
                for incident in self.open_incidents
            ],
            "maintenances": [
                {
                    "id": maintenance.id,
                    "name": maintenance.name,
                    "status": maintenance.status,
                    "start": maintenance.start,
                    "url": maintenance.url,
                    # extensions
                    "end": maintenance.end,
                    "components": maintenance.components,
                }
                for maintenance in self.maintenances
            ],
            "components": [
                {"name": component.name, "status": component.status, "group": component.group}
                for component in self.components
            ],
        }
        if self.level == "unknown":
            out["error"] = self.error or "the status page could not be read"
        if self.unknown_values:
            out["unknown_values"] = list(self.unknown_values)
        return out


def unknown_snapshot(source: str, error: str, *, fetch_ms: int | None = None) -> StatusSnapshot:
    return StatusSnapshot(
        level="unknown", source=source, checked_at=datetime.now(UTC), error=error, fetch_ms=fetch_ms
    )


class WrongShape(ValueError):
    """The JSON is not the summary this parser expects."""


# --- parsing helpers -------------------------------------------------------------------------------


class _Levels:
    """Looks values up in LEVEL_TABLE and remembers the ones it did not know."""

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def level(self, table: str, value: object, what: str) -> KnownLevel:
        raw = _text(value)
        key = raw.upper() if table.startswith("instatus") else raw.lower()
        found = LEVEL_TABLE[table].get(key)
        if found is None:
            self.note(what, raw)
            return UNRECOGNISED_LEVEL
        return found

    def note(self, what: str, raw: str) -> None:
        label = f'{what} "{raw}"' if raw else f"{what} (missing)"
        if label not in self.unknown:
            self.unknown.append(label)


def _text(value: object) -> str:
    """A string from the page, redacted: the page is untrusted text like anything users paste, so a
    key or token in an incident's name or update never reaches the store, Slack or the CLI."""
    if value is None:
        return ""
    if isinstance(value, str):
        return redact(value).strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _optional_text(value: object) -> str | None:
    return _text(value) or None


def _dicts(value: object) -> list[Mapping[str, Any]]:
    """A JSON list of objects; None/absent means empty. Anything else is the wrong shape."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise WrongShape(f"expected a list, got {type(value).__name__}")
    return [item for item in value if isinstance(item, Mapping)]


def _names(value: object) -> list[str]:
    """Component names from a list of objects with `name` (or of plain strings); null -> []."""
    if not isinstance(value, list):
        return []
    names = []
    for item in value:
        name = _text(item.get("name")) if isinstance(item, Mapping) else _text(item)
        if name:
            names.append(name)
    return names


# HTML tags and comments only: `<!channel>` or `<@U123>` in an update is text someone typed, kept
# (and escaped when rendered, so it pings nobody), not markup to delete.
_TAG = linear_re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
_EXTRA_BREAKS = linear_re.compile(r"\n{3,}")
_BREAK = linear_re.compile(r"<\s*(br|/p|/li)\s*/?\s*>", re.IGNORECASE)


def plain_text(body: str) -> str:
    """Update bodies may carry HTML (<br />, links): keep only the words."""
    text = _BREAK.sub("\n", body)
    text = html.unescape(_TAG.sub("", text))
    # Again after decoding: tags or entities (`&#58;`) may have kept a key's parts apart until now.
    return redact(_EXTRA_BREAKS.sub("\n\n", text)).strip()


def _maintenance_status(raw: str, levels: _Levels) -> MaintenanceStatus:
    found = MAINTENANCE_STATES.get(raw.lower())
    if found is None:
        # Unknown: assume it may be under way, so people see it; the value is named.
        levels.note("maintenance status", raw)
        return "in_progress"
    return found


def _incident_state(raw: str, levels: _Levels) -> bool:
    """Whether the incident is over; names a state we do not know (and treats it as open)."""
    state = raw.lower()
    if state not in KNOWN_INCIDENT_STATES:
        levels.note("incident status", raw)
    return state in RESOLVED_STATES


_JS_DATE = linear_re.compile(
    r"^\w{3} (\w{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-]\d{4})"
)  # "Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)"


def parse_time(value: str | None) -> datetime | None:
    """Parse the page's timestamps (ISO-8601, or the JavaScript Date string Instatus uses) to UTC."""
    if not value:
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError:
        pass
    match = _JS_DATE.match(text)
    if match:
        month, day, year, hh, mm, ss, offset = match.groups()
        try:
            parsed = datetime.strptime(
                f"{year} {month} {day} {hh}:{mm}:{ss} {offset}", "%Y %b %d %H:%M:%S %z"
            )
            return parsed.astimezone(UTC)
        except ValueError:
            return None
    if text.isdigit():  # epoch milliseconds
        try:
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _maintenance(
    raw: Mapping[str, Any], levels: _Levels, *, url: str | None, start: str | None, end: str | None
) -> Maintenance:
    """One maintenance from either provider; they differ only in where url, start and end are."""
    status = _text(raw.get("status"))
    name = _text(raw.get("name")) or "(unnamed maintenance)"
    return Maintenance(
        id=_text(raw.get("id")) or url or name,
        name=name,
        status=_maintenance_status(status, levels),
        raw_status=status,
        start=start,
        end=end,
        url=url,
        components=_names(raw.get("components")),
    )


def _snapshot(
    *,
    source: str,
    provider: Provider,
    page_status: str,
    page_level: KnownLevel,
    incidents: list[Incident],
    maintenances: list[Maintenance],
    components: list[Component],
    levels: _Levels,
) -> StatusSnapshot:
    contributions: list[str] = [page_level]
    contributions += [incident.level for incident in incidents if not incident.resolved]
    contributions += [component.status for component in components]
    # Scheduled maintenance that has not started does not change the level; one under way does.
    contributions += ["maintenance" for m in maintenances if m.status == "in_progress"]
    return StatusSnapshot(
        level=worst(contributions),
        source=source,
        provider=provider,
        checked_at=datetime.now(UTC),
        incidents=incidents,
        maintenances=maintenances,
        components=components,
        unknown_values=levels.unknown,
        page_status=page_status,
    )


# --- Instatus --------------------------------------------------------------------------------------


def looks_like_instatus(data: object) -> bool:
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("page"), Mapping)
        and "status" in data["page"]
        and not isinstance(data.get("status"), Mapping)
    )


def parse_instatus(summary: object, components_json: object | None, *, source: str) -> StatusSnapshot:
    """Instatus `/summary.json` (+ `/v2/components.json` when it could be read)."""
    if not looks_like_instatus(summary):
        raise WrongShape("not an Instatus summary (no page.status)")
    data = cast(Mapping[str, Any], summary)
    levels = _Levels()
    page_status = _text(data["page"].get("status"))
    page_level = levels.level("instatus.page", page_status, "page status")

    incidents = []
    for raw in _dicts(data.get("activeIncidents")):
        status = _text(raw.get("status"))
        impact = _text(raw.get("impact"))
        url = _optional_text(raw.get("url"))
        name = _text(raw.get("name")) or "(unnamed incident)"
        incidents.append(
            Incident(
                id=_text(raw.get("id")) or url or name,
                name=name,
                status=status,
                impact=impact,
                url=url,
                started=_optional_text(raw.get("started")),
                level=levels.level("instatus.impact", impact, "incident impact"),
                resolved=_incident_state(status, levels),
                components=_names(raw.get("components")),
            )
        )

    maintenances = []
    for raw in _dicts(data.get("activeMaintenances")):
        start = _optional_text(raw.get("start"))
        maintenances.append(
            _maintenance(
                raw,
                levels,
                url=_optional_text(raw.get("url")),
                start=start,
                end=_optional_text(raw.get("end")) or _instatus_end(start, raw.get("duration")),
            )
        )

    components = []
    if components_json is not None:
        rows = components_json.get("components") if isinstance(components_json, Mapping) else components_json
        components = _instatus_components(_dicts(rows), levels)

    return _snapshot(
        source=source,
        provider="instatus",
        page_status=page_status,
        page_level=page_level,
        incidents=incidents,
        maintenances=maintenances,
        components=components,
        levels=levels,
    )


def _instatus_components(rows: list[Mapping[str, Any]], levels: _Levels) -> list[Component]:
    """Leaf components only. A group row (`isParent`, or one with `children`) is left out; its
    children count, whether the page lists them at the top level, nested, or both."""
    flat: list[tuple[Mapping[str, Any], str | None]] = []
    for raw in rows:
        children = [child for child in raw.get("children") or [] if isinstance(child, Mapping)]
        if raw.get("isParent") is True or children:
            flat += [(child, _text(raw.get("name")) or None) for child in children]
        else:
            flat.append((raw, None))
    components: list[Component] = []
    seen: set[str] = set()
    for raw, parent in flat:
        name = _text(raw.get("name"))
        key = _text(raw.get("id")) or name
        if not name or key in seen:
            continue
        seen.add(key)
        status = _text(raw.get("status"))
        group = raw.get("group")
        group_name = _text(group.get("name")) if isinstance(group, Mapping) else _optional_text(group)
        components.append(
            Component(
                name=name,
                status=levels.level("instatus.impact", status, f"component status ({name})"),
                raw_status=status,
                group=group_name or parent,
            )
        )
    return components


def _instatus_end(start: str | None, duration: object) -> str | None:
    """Instatus gives a start and a duration in minutes; the end helps people plan."""
    begun = parse_time(start)
    minutes = _text(duration)
    if begun is None or not minutes:
        return None
    try:
        return _iso(begun + timedelta(minutes=float(minutes)))
    except (ValueError, OverflowError):
        return None


# --- Statuspage ------------------------------------------------------------------------------------


def looks_like_statuspage(data: object) -> bool:
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("status"), Mapping)
        and "indicator" in data["status"]
    )


def parse_statuspage_incident(raw: Mapping[str, Any], levels: _Levels | None = None) -> Incident:
    """One Statuspage incident object (from summary.json or incidents.json)."""
    levels = levels or _Levels()
    status = _text(raw.get("status"))
    impact = _text(raw.get("impact"))
    url = _optional_text(raw.get("shortlink"))
    name = _text(raw.get("name")) or "(unnamed incident)"
    updates = [
        IncidentUpdate(
            id=_text(update.get("id")) or str(index),
            status=_text(update.get("status")),
            body=plain_text(_text(update.get("body"))),
            created_at=_optional_text(update.get("display_at")) or _optional_text(update.get("created_at")),
        )
        for index, update in enumerate(_dicts(raw.get("incident_updates")))
    ]
    # Statuspage lists updates newest first; keep that order even if a page does not.
    updates.sort(key=lambda u: parse_time(u.created_at) or datetime.min.replace(tzinfo=UTC), reverse=True)
    return Incident(
        id=_text(raw.get("id")) or url or name,
        name=name,
        status=status,
        impact=impact,
        url=url,
        started=_optional_text(raw.get("started_at")) or _optional_text(raw.get("created_at")),
        level=levels.level("statuspage.impact", impact, "incident impact"),
        resolved=_incident_state(status, levels),
        components=_names(raw.get("components")),
        updates=updates,
    )


def parse_statuspage(summary: object, *, source: str) -> StatusSnapshot:
    """Atlassian Statuspage `/api/v2/summary.json`."""
    if not looks_like_statuspage(summary):
        raise WrongShape("not a Statuspage summary (no status.indicator)")
    data = cast(Mapping[str, Any], summary)
    levels = _Levels()
    page_status = _text(data["status"].get("indicator"))
    page_level = levels.level("statuspage.indicator", page_status, "page indicator")

    rows = _dicts(data.get("components"))
    group_names = {_text(row.get("id")): _text(row.get("name")) for row in rows if row.get("group") is True}
    components = []
    for raw in rows:
        if raw.get("group") is True:  # group rows repeat their children's status
            continue
        status = _text(raw.get("status"))
        name = _text(raw.get("name"))
        if not name:
            continue
        components.append(
            Component(
                name=name,
                status=levels.level("statuspage.impact", status, f"component status ({name})"),
                raw_status=status,
                group=group_names.get(_text(raw.get("group_id"))) or None,
            )
        )

    incidents = [parse_statuspage_incident(raw, levels) for raw in _dicts(data.get("incidents"))]

    maintenances = [
        _maintenance(
            raw,
            levels,
            url=_optional_text(raw.get("shortlink")),
            start=_optional_text(raw.get("scheduled_for")),
            end=_optional_text(raw.get("scheduled_until")),
        )
        for raw in _dicts(data.get("scheduled_maintenances"))
    ]

    return _snapshot(
        source=source,
        provider="statuspage",
        page_status=page_status,
        page_level=page_level,
        incidents=incidents,
        maintenances=maintenances,
        components=components,
        levels=levels,
    )
