"""A scripted fake status page on a loopback server, in Instatus or Statuspage flavour.

Tests change what it serves between polls to play out outages:

    page = FakeStatusPage(loopback, flavour="instatus")   # loopback: the conftest factory fixture
    page.open_incident(id="i1", name="Queue slow", impact="major_outage", status="investigating")
    page.update_incident("i1", status="monitoring", body="Fix deployed")
    page.resolve("i1")
    page.fail(503); page.hang(); page.serve_html(); page.recover()
    page.url                                               # FAL_STATUS_URL for the code under test

Impacts, statuses and component states may be given as levels (`major_outage`, `degraded`, ...) or
lower-case words (`investigating`): they are translated into the flavour's own vocabulary. Raw
values (`MAJOROUTAGE`, `critical`, or something no table knows) are served as given.
Every answer carries an ETag; a request with the matching If-None-Match gets 304.

The playground serves it as fal's simulated page (bot.playground.session); tests script it too
(tests/support/status_page.py re-exports it).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from bot.playground.loopback import LoopbackServer, Request, Response

Flavour = Literal["instatus", "statuspage"]

_INSTATUS_IMPACT = {
    "operational": "OPERATIONAL",
    "maintenance": "UNDERMAINTENANCE",
    "degraded": "DEGRADEDPERFORMANCE",
    "partial_outage": "PARTIALOUTAGE",
    "major_outage": "MAJOROUTAGE",
}
_STATUSPAGE_IMPACT = {
    "operational": "none",
    "degraded": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
_STATUSPAGE_COMPONENT = {
    "operational": "operational",
    "maintenance": "under_maintenance",
    "degraded": "degraded_performance",
    "partial_outage": "partial_outage",
    "major_outage": "major_outage",
}
_RANK = ["operational", "maintenance", "degraded", "partial_outage", "major_outage"]
_TIME = "2026-01-01T00:00:00.000Z"


class FakeStatusPage:
    def __init__(
        self,
        loopback: Callable[[Callable[[Request], Response]], LoopbackServer],
        *,
        flavour: Flavour = "instatus",
        components: dict[str, str] | None = None,
        etag: bool = True,
    ):
        self.flavour = flavour
        self.etag = etag
        self._lock = threading.Lock()
        self._incidents: dict[str, dict[str, Any]] = {}
        self._maintenances: dict[str, dict[str, Any]] = {}
        self._components: dict[str, dict[str, Any]] = {}
        self._page_status: str | None = None
        self._override: Response | None = None
        for name, status in (components or {"Queue API": "operational", "Realtime": "operational"}).items():
            self.set_component(name, status)
        self.server = loopback(self._handle)
        if not self.server._thread.is_alive():  # the plain class, not the conftest factory
            self.server.start()

    # --- what tests read ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def summary_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0] == self.summary_path]

    @property
    def summary_path(self) -> str:
        return "/summary.json" if self.flavour == "instatus" else "/api/v2/summary.json"

    # --- scripting the page -------------------------------------------------------------------------

    def open_incident(
        self,
        *,
        id: str,
        name: str,
        impact: str = "major_outage",
        status: str = "investigating",
        components: list[str] | None = None,
        started: str = _TIME,
        body: str | None = None,
    ) -> None:
        with self._lock:
            self._incidents[id] = {
                "id": id,
                "name": name,
                "impact": impact,
                "status": status,
                "components": list(components or []),
                "started": started,
                "updates": [],
            }
            self._add_update(id, status, body or f"We are investigating: {name}")

    def update_incident(
        self,
        id: str,
        *,
        status: str | None = None,
        impact: str | None = None,
        body: str | None = None,
        name: str | None = None,
    ) -> None:
        with self._lock:
            incident = self._incidents[id]
            if status is not None:
                incident["status"] = status
            if impact is not None:
                incident["impact"] = impact
            if name is not None:
                incident["name"] = name
            if body is not None or status is not None:
                self._add_update(id, incident["status"], body or f"Status: {incident['status']}")

    def resolve(self, id: str) -> None:
        """Resolved incidents leave the summary, as on both real providers."""
        with self._lock:
            self._incidents.pop(id, None)

    def start_maintenance(
        self,
        *,
        id: str,
        name: str,
        status: Literal["scheduled", "in_progress", "completed"] = "in_progress",
        start: str = _TIME,
        components: list[str] | None = None,
    ) -> None:
        with self._lock:
            self._maintenances[id] = {
                "id": id,
                "name": name,
                "status": status,
                "start": start,
                "components": list(components or []),
            }

    def end_maintenance(self, id: str) -> None:
        with self._lock:
            self._maintenances.pop(id, None)

    def set_component(self, name: str, status: str, group: str | None = None) -> None:
        with self._lock:
            self._components[name] = {"name": name, "status": status, "group": group}

    def set_page_status(self, raw: str | None) -> None:
        """Force the page's own overall status (raw value); None derives it from the rest."""
        with self._lock:
            self._page_status = raw

    def fail(self, status: int = 503, body: str = "Service Unavailable") -> None:
        self._set_override(Response(status, body, {"Content-Type": "text/plain"}))

    def hang(self, seconds: float = 30.0) -> None:
        """Accept connections but answer nothing for `seconds` (until the server stops)."""
        self._set_override(Response(200, b"{}", delay=seconds))

    def serve_html(self) -> None:
        self._set_override(
            Response(200, "<!DOCTYPE html><html><body>Status</body></html>", {"Content-Type": "text/html"})
        )

    def serve(self, response: Response) -> None:
        """Answer every request with `response` (truncated JSON, wrong shapes, redirects...)."""
        self._set_override(response)

    def recover(self) -> None:
        self._set_override(None)

    def simulate(self, level: str, incident: str | None = None) -> None:
        """Show fal at `level` the way its page would (the playground's status switch).

        An outage with an `incident` name is one open incident (kept, with its impact changed, while
        the name stays the same, so alerts update their thread); without a name the first component
        carries the level, as a degradation the page shows without an incident. `maintenance` is an
        in-progress maintenance, `operational` resolves everything, `unreadable` answers 500 with a
        body that is not JSON until the next switch."""
        if level == "unreadable":
            self.fail(500, "<html>upstream error</html>")
            return
        self.recover()
        wanted_id = f"incident-{_slug(incident)}" if incident else None
        with self._lock:
            open_ids = list(self._incidents)
            maintenance_ids = list(self._maintenances)
            first_component = next(iter(self._components), None)
            component_names = list(self._components)
        for open_id in open_ids:
            if open_id != wanted_id or level in ("operational", "maintenance"):
                self.resolve(open_id)
        for maintenance_id in maintenance_ids:
            if level != "maintenance":
                self.end_maintenance(maintenance_id)
        for name in component_names:
            self.set_component(name, "operational")
        if level == "operational":
            return
        if level == "maintenance":
            name = incident or "Scheduled maintenance"
            maintenance_id = f"maintenance-{_slug(name)}"
            with self._lock:
                running = self._maintenances.get(maintenance_id)
            start = running["start"] if running else _now()
            self.start_maintenance(id=maintenance_id, name=name, start=start)
            return
        if wanted_id is None:
            if first_component is not None:
                self.set_component(first_component, level)
            return
        with self._lock:
            known = wanted_id in self._incidents
        if known:
            self.update_incident(wanted_id, impact=level, status="identified", body=f"Impact now {level}")
        else:
            assert incident is not None
            self.open_incident(
                id=wanted_id, name=incident, impact=level, status="investigating", started=_now()
            )

    def _set_override(self, response: Response | None) -> None:
        with self._lock:
            self._override = response

    # --- payloads -----------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return self._instatus_summary() if self.flavour == "instatus" else self._statuspage_summary()

    def components_payload(self) -> dict[str, Any]:
        with self._lock:
            return {
                "components": [
                    {
                        "id": _slug(c["name"]),
                        "name": c["name"],
                        "status": _word(c["status"], _INSTATUS_IMPACT, upper=True),
                        "group": {"id": _slug(c["group"]), "name": c["group"]} if c["group"] else None,
                        "isParent": False,
                    }
                    for c in self._components.values()
                ]
            }

    def _add_update(self, id: str, status: str, body: str) -> None:
        updates = self._incidents[id]["updates"]
        stamp = f"2026-01-01T00:{len(updates):02d}:00.000Z"
        updates.insert(
            0, {"id": f"{id}-u{len(updates)}", "status": status, "body": body, "created_at": stamp}
        )

    def _derived_level(self) -> str:
        levels = ["operational"]
        levels += [_level_of(i["impact"]) for i in self._incidents.values()]
        levels += [_level_of(c["status"]) for c in self._components.values()]
        levels += ["maintenance" for m in self._maintenances.values() if m["status"] == "in_progress"]
        return max(levels, key=lambda level: _RANK.index(level) if level in _RANK else 2)

    def _instatus_summary(self) -> dict[str, Any]:
        level = self._derived_level()
        derived = {"operational": "UP", "maintenance": "UNDERMAINTENANCE"}.get(level, "HASISSUES")
        data: dict[str, Any] = {
            "page": {"name": "fal", "url": "https://status.fal.ai", "status": self._page_status or derived}
        }
        if self._incidents:  # the arrays are absent when nothing is open, as on the real page
            data["activeIncidents"] = [
                {
                    "id": i["id"],
                    "name": i["name"],
                    "started": i["started"],
                    "status": _word(i["status"], {}, upper=True),
                    "impact": _word(i["impact"], _INSTATUS_IMPACT, upper=True),
                    "url": f"{self.url}/incident/{i['id']}",
                }
                for i in self._incidents.values()
            ]
        if self._maintenances:
            data["activeMaintenances"] = [
                {
                    "id": m["id"],
                    "name": m["name"],
                    "start": m["start"],
                    "status": {"scheduled": "NOTSTARTEDYET", "in_progress": "INPROGRESS"}.get(
                        m["status"], m["status"].upper()
                    ),
                    "duration": "60",
                    "url": f"{self.url}/maintenance/{m['id']}",
                }
                for m in self._maintenances.values()
            ]
        return data

    def _statuspage_summary(self) -> dict[str, Any]:
        level = self._derived_level()
        indicator = {
            "operational": "none",
            "maintenance": "maintenance",
            "degraded": "minor",
            "partial_outage": "major",
            "major_outage": "critical",
        }.get(level, "minor")
        groups = sorted({c["group"] for c in self._components.values() if c["group"]})
        components = [
            {
                "id": _slug(c["name"]),
                "name": c["name"],
                "status": _word(c["status"], _STATUSPAGE_COMPONENT),
                "group": False,
                "group_id": _slug(c["group"]) if c["group"] else None,
            }
            for c in self._components.values()
        ]
        components += [{"id": _slug(g), "name": g, "status": "operational", "group": True} for g in groups]

        def affected(names: list[str]) -> list[dict[str, Any]]:
            return [{"id": _slug(n), "name": n, "status": "degraded_performance"} for n in names]

        return {
            "page": {"id": "fake", "name": "fal", "url": "https://status.fal.ai", "updated_at": _TIME},
            "status": {"indicator": self._page_status or indicator, "description": level},
            "components": components,
            "incidents": [
                {
                    "id": i["id"],
                    "name": i["name"],
                    "status": _word(i["status"], {}),
                    "impact": _word(i["impact"], _STATUSPAGE_IMPACT),
                    "shortlink": f"{self.url}/incidents/{i['id']}",
                    "started_at": i["started"],
                    "created_at": i["started"],
                    "components": affected(i["components"]),
                    "incident_updates": [
                        {**u, "display_at": u["created_at"], "affected_components": None}
                        for u in i["updates"]
                    ],
                }
                for i in self._incidents.values()
            ],
            "scheduled_maintenances": [
                {
                    "id": m["id"],
                    "name": m["name"],
                    "status": m["status"],
                    "impact": "maintenance",
                    "shortlink": f"{self.url}/incidents/{m['id']}",
                    "scheduled_for": m["start"],
                    "scheduled_until": None,
                    "components": affected(m["components"]),
                }
                for m in self._maintenances.values()
            ],
        }

    # --- serving ------------------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        with self._lock:
            override = copy.copy(self._override)
        if override is not None:
            return override
        path = request.path.split("?")[0]
        if path == self.summary_path:
            payload: Any = self.summary()
        elif self.flavour == "instatus" and path == "/v2/components.json":
            payload = self.components_payload()
        else:
            return Response(404, "Not Found", {"Content-Type": "text/plain"})
        body = json.dumps(payload).encode()
        if not self.etag:
            return Response(200, body)
        tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == tag:
            return Response(304, b"", {"ETag": tag})
        return Response(200, body, {"ETag": tag})


def _now() -> str:
    """This moment as the providers write it (ISO 8601, milliseconds, Z)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _slug(name: str | None) -> str:
    return hashlib.sha1((name or "").encode()).hexdigest()[:12]


def _level_of(value: str) -> str:
    """The level a scripted value stands for (levels as given; raw vendor words mapped roughly)."""
    if value in _RANK:
        return value
    for table in (_INSTATUS_IMPACT, _STATUSPAGE_IMPACT, _STATUSPAGE_COMPONENT):
        for level, word in table.items():
            if word.lower() == value.lower():
                return level
    return "degraded"


def _word(value: str, table: dict[str, str], *, upper: bool = False) -> str:
    """A level or a lower-case word in this flavour's vocabulary; raw values pass through."""
    if value in table:
        return table[value]
    return value.upper() if upper and value.islower() else value
