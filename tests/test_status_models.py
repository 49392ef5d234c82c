"""The parsers and the level table, on the real payloads in tests/fixtures/status/ (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.slack.text import escape
from bot.status import (
    LEVEL_ORDER,
    LEVEL_TABLE,
    StatusSnapshot,
    parse_instatus,
    parse_statuspage,
    parse_statuspage_incident,
    parse_time,
    worst,
)
from bot.status.models import WrongShape, plain_text
from tests.conftest import FIXTURES

STATUS = FIXTURES / "status"
SOURCE = "https://status.example"


def load(name: str) -> Any:
    return json.loads((STATUS / name).read_text())


def instatus_summary(
    page: str = "UP",
    incidents: list[dict[str, Any]] | None = None,
    maints: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"page": {"name": "fal", "url": "https://status.fal.ai", "status": page}}
    if incidents is not None:
        data["activeIncidents"] = incidents
    if maints is not None:
        data["activeMaintenances"] = maints
    return data


def test_instatus_docsample_with_components() -> None:
    components = {
        "components": [
            {"id": "g", "name": "Inference", "status": "OPERATIONAL", "isParent": True, "group": None},
            {
                "id": "a",
                "name": "Queue API",
                "status": "OPERATIONAL",
                "group": {"id": "g", "name": "Inference"},
            },
            {"id": "b", "name": "Realtime", "status": "MINOROUTAGE", "group": "Inference"},
            {"id": "c", "name": "CDN", "status": "OPERATIONAL", "group": None},
        ]
    }
    snap = parse_instatus(load("instatus_summary_docsample.json"), components, source=SOURCE)
    assert snap.provider == "instatus"
    assert snap.page_status == "HASISSUES"
    assert snap.level == "major_outage"  # the MAJOROUTAGE incident beats HASISSUES (degraded)
    [incident] = snap.incidents
    assert incident.name == "We're facing an issue with our API"
    # No id in the payload: the contract says use its URL.
    assert (
        incident.id
        == incident.url
        == "https://testing-widget.instatus.com/incident/cl4a8n3070721qtmzvts760c4"
    )
    assert (incident.status, incident.impact, incident.level, incident.resolved) == (
        "INVESTIGATING",
        "MAJOROUTAGE",
        "major_outage",
        False,
    )
    [maintenance] = snap.maintenances
    assert maintenance.status == "scheduled"
    assert maintenance.name == "Database maintenance"
    assert maintenance.end == "2022-06-11T19:55:54+00:00"  # start + 60 minutes
    assert [(c.name, c.status, c.group) for c in snap.components] == [
        ("Queue API", "operational", "Inference"),
        ("Realtime", "degraded", "Inference"),
        ("CDN", "operational", None),
    ]
    assert snap.unknown_values == []


@pytest.mark.parametrize(
    ("fixture", "level", "incidents", "in_progress", "scheduled", "not_operational"),
    [
        (
            "statuspage_summary_github_2020-04-02_major_outage.json",
            "major_outage",
            ["Incident on 2020-04-02 20:20 UTC"],
            [],
            [],
            {
                "Git Operations",
                "API Requests",
                "Webhooks",
                "Issues, PRs, Projects",
                "GitHub Actions",
                "GitHub Packages",
            },
        ),
        (
            "statuspage_summary_github_major_docsample.json",
            "major_outage",
            ["Unplanned Database Outage"],
            ["Web Tier Recycle"],
            ["Network Maintenance (No Interruption Expected)"],
            {"API", "Management Portal"},
        ),
        (
            "statuspage_summary_twilio_minor_two_incidents.json",
            "degraded",
            [
                "SMS Delivery Delays to Mozambique Movitel",
                "SMS Delivery Delays from Subset of Twilio Short Codes to US Sprint",
            ],
            [],
            9,
            {
                "SMS Short Code, North America",
                "MMS Short Code, North America",
                "SMS, Middle East & Africa",
                "MMS",
            },
        ),
        (
            "statuspage_summary_cloudamqp_maintenance_in_progress.json",
            "maintenance",
            [],
            ["Upgrade of shared servers “jellyfish”, “wildboar”, and “reindeer”"],
            [],
            {"Shared servers"},
        ),
        ("statuspage_summary_codametrix_groups_operational.json", "operational", [], [], [], set()),
    ],
)
def test_statuspage_fixtures(
    fixture: str,
    level: str,
    incidents: list[str],
    in_progress: list[str],
    scheduled: list[str] | int,
    not_operational: set[str],
) -> None:
    data = load(fixture)
    snap = parse_statuspage(data, source=SOURCE)
    assert snap.provider == "statuspage"
    assert snap.level == level
    assert [i.name for i in snap.incidents] == incidents
    assert [m.name for m in snap.maintenances if m.status == "in_progress"] == in_progress
    upcoming = [m.name for m in snap.maintenances if m.status == "scheduled"]
    assert (len(upcoming) if isinstance(scheduled, int) else upcoming) == scheduled
    assert {c.name for c in snap.components if c.status != "operational"} == not_operational
    # Group rows are left out; every other row is kept.
    rows = data["components"]
    assert len(snap.components) == sum(1 for row in rows if row.get("group") is not True)
    assert snap.unknown_values == []


def test_statuspage_groups_name_their_children() -> None:
    snap = parse_statuspage(load("statuspage_summary_codametrix_groups_operational.json"), source=SOURCE)
    assert {(c.name, c.group) for c in snap.components} == {
        ("CMX Automate", "CMX-Automate"),
        ("Analytics Dashboards", "CMX-Automate"),
        ("CMX-Amplify", "CMX-Amplify"),
    }


def test_statuspage_incident_components_and_updates_newest_first() -> None:
    snap = parse_statuspage(load("statuspage_summary_twilio_minor_two_incidents.json"), source=SOURCE)
    sprint = snap.incidents[1]
    assert sprint.components == [
        "SMS",
        "MMS",
        "MMS Short Code, North America",
        "SMS Short Code, North America",
    ]
    assert sprint.url == "http://stspg.io/xwv6rz0r1yll"
    assert sprint.id == "r0f0vdz8vrgm"
    assert sprint.started == "2020-06-16T06:41:44.672-07:00"
    assert len(sprint.updates) == 5
    times = [parse_time(u.created_at) for u in sprint.updates]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert sprint.updates[0].status == "monitoring"


def test_incidents_json_updates_are_plain_text_and_resolved() -> None:
    """incidents.json is not a summary, but its incident objects share the summary's shape."""
    data = load("statuspage_incidents_github_2024-09-17.json")
    incidents = [parse_statuspage_incident(raw) for raw in data["incidents"]]
    assert incidents and all(incident.resolved for incident in incidents)
    ssh = next(i for i in incidents if i.name == "Disruption with Git SSH")
    assert ssh.level == "degraded"  # impact minor
    bodies = [u.body for i in incidents for u in i.updates]
    assert not any("<br" in body for body in bodies)
    assert any("We are seeing up to 2% of Git SSH connections failing.\n" in body for body in bodies)
    with pytest.raises(WrongShape):
        parse_statuspage(data, source=SOURCE)


def test_unknown_values_count_as_degraded_and_are_named() -> None:
    summary = instatus_summary(
        page="SOMETHINGNEW",
        incidents=[{"id": "i1", "name": "Odd", "status": "TRIAGING", "impact": "SEVERE", "url": None}],
        maints=[{"id": "m1", "name": "Odd maint", "status": "PAUSED", "start": None}],
    )
    components = {"components": [{"name": "Queue", "status": "WOBBLY"}]}
    snap = parse_instatus(summary, components, source=SOURCE)
    assert snap.level == "degraded"
    assert snap.incidents[0].level == "degraded"
    assert snap.components[0].status == "degraded"
    assert snap.components[0].raw_status == "WOBBLY"
    named = " ".join(snap.unknown_values)
    for value in ("SOMETHINGNEW", "SEVERE", "WOBBLY", "TRIAGING", "PAUSED"):
        assert value in named


def test_unknown_value_never_lowers_a_worse_level() -> None:
    summary = instatus_summary(
        page="WHATEVER", incidents=[{"name": "Down", "status": "x", "impact": "MAJOROUTAGE"}]
    )
    assert parse_instatus(summary, None, source=SOURCE).level == "major_outage"


def test_arrays_absent_mean_nothing_open() -> None:
    snap = parse_instatus(instatus_summary("UP"), None, source=SOURCE)
    assert (snap.level, snap.incidents, snap.maintenances, snap.components) == ("operational", [], [], [])


@pytest.mark.parametrize(
    ("maintenance_status", "level"),
    [("NOTSTARTEDYET", "operational"), ("INPROGRESS", "maintenance"), ("COMPLETED", "operational")],
)
def test_only_maintenance_under_way_changes_the_level(maintenance_status: str, level: str) -> None:
    summary = instatus_summary("UP", maints=[{"name": "DB", "status": maintenance_status, "start": None}])
    assert parse_instatus(summary, None, source=SOURCE).level == level


def test_maintenance_loses_to_anything_worse() -> None:
    summary = instatus_summary(
        "UNDERMAINTENANCE",
        incidents=[{"name": "Slow", "status": "IDENTIFIED", "impact": "DEGRADEDPERFORMANCE"}],
        maints=[{"name": "DB", "status": "INPROGRESS"}],
    )
    assert parse_instatus(summary, None, source=SOURCE).level == "degraded"


def test_resolved_incidents_do_not_count() -> None:
    summary = instatus_summary(
        "UP", incidents=[{"name": "Old", "status": "RESOLVED", "impact": "MAJOROUTAGE"}]
    )
    snap = parse_instatus(summary, None, source=SOURCE)
    assert snap.level == "operational"
    assert snap.incidents[0].resolved and snap.open_incidents == []


def test_affected_components_null_and_missing_fields_do_not_raise() -> None:
    data = load("statuspage_summary_github_2020-04-02_major_outage.json")
    data["incidents"][0]["components"] = None
    data["incidents"][0]["incident_updates"] = None
    data["scheduled_maintenances"] = None
    snap = parse_statuspage(data, source=SOURCE)
    assert snap.incidents[0].components == [] and snap.incidents[0].updates == []


@pytest.mark.parametrize(
    "payload",
    [{}, [], {"page": {}}, {"page": "x"}, {"status": "ok"}, {"components": []}],
)
def test_wrong_shapes_raise_wrong_shape(payload: Any) -> None:
    with pytest.raises(WrongShape):
        parse_instatus(payload, None, source=SOURCE)
    with pytest.raises(WrongShape):
        parse_statuspage(payload, source=SOURCE)


def test_wrong_inner_types_raise_wrong_shape() -> None:
    with pytest.raises(WrongShape):
        parse_instatus(instatus_summary("UP") | {"activeIncidents": "none"}, None, source=SOURCE)


def test_level_table_covers_the_contract() -> None:
    assert LEVEL_ORDER == ("operational", "maintenance", "degraded", "partial_outage", "major_outage")
    assert worst(["maintenance", "operational"]) == "maintenance"
    assert worst([]) == "operational"
    assert worst(["unknown", "degraded"]) == "degraded"
    assert LEVEL_TABLE["statuspage.indicator"]["maintenance"] == "maintenance"
    assert LEVEL_TABLE["instatus.impact"]["MINOROUTAGE"] == "degraded"


def test_to_json_has_exactly_the_contract_keys() -> None:
    snap = parse_statuspage(load("statuspage_summary_github_major_docsample.json"), source=SOURCE)
    out = snap.to_json()
    assert {"level", "source", "provider", "checked_at", "incidents", "maintenances", "components"} <= set(
        out
    )
    assert "error" not in out
    assert datetime.fromisoformat(out["checked_at"]).tzinfo is not None
    assert {"id", "name", "status", "impact", "url", "started"} <= set(out["incidents"][0])
    assert {"id", "name", "status", "start", "url"} <= set(out["maintenances"][0])
    assert {"name", "status"} <= set(out["components"][0])
    json.dumps(out)  # serialisable as is
    unknown = StatusSnapshot(level="unknown", source=SOURCE, checked_at=datetime.now(UTC), error="boom")
    assert unknown.to_json()["error"] == "boom"
    assert unknown.to_json()["provider"] is None
    assert not unknown.ok


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)", "2022-06-11T18:55:50+00:00"),
        ("2020-06-16T13:27:41.521-07:00", "2020-06-16T20:27:41.521000+00:00"),
        ("2020-04-02T20:20:54.005Z", "2020-04-02T20:20:54.005000+00:00"),
    ],
)
def test_parse_time(text: str, iso: str) -> None:
    parsed = parse_time(text)
    assert parsed is not None and parsed.isoformat() == iso


def test_parse_time_garbage_is_none() -> None:
    assert parse_time("soon") is None and parse_time(None) is None


def test_instatus_nested_children_count_and_are_not_doubled() -> None:
    components = {
        "components": [
            {
                "id": "g",
                "name": "Inference",
                "status": "OPERATIONAL",
                "isParent": True,
                "children": [
                    {"id": "a", "name": "Queue API", "status": "PARTIALOUTAGE"},
                    {"id": "b", "name": "Realtime", "status": "OPERATIONAL"},
                ],
            },
            # the same child again at the top level, as some pages list it
            {
                "id": "a",
                "name": "Queue API",
                "status": "PARTIALOUTAGE",
                "group": {"id": "g", "name": "Inference"},
            },
            {"id": "c", "name": "Storage", "status": "OPERATIONAL", "children": None, "isParent": False},
        ]
    }
    snap = parse_instatus(instatus_summary("HASISSUES"), components, source=SOURCE)
    assert [(c.name, c.status, c.group) for c in snap.components] == [
        ("Queue API", "partial_outage", "Inference"),
        ("Realtime", "operational", "Inference"),
        ("Storage", "operational", None),
    ]
    assert snap.level == "partial_outage"


def test_a_bare_list_of_components_is_accepted() -> None:
    rows = [{"name": "Queue API", "status": "MAJOROUTAGE"}]
    snap = parse_instatus(instatus_summary("HASISSUES"), rows, source=SOURCE)
    assert snap.level == "major_outage" and snap.components[0].name == "Queue API"


def test_an_incident_the_page_lists_as_resolved_is_not_an_open_incident() -> None:
    summary = {
        "page": {"name": "fal", "url": "https://status.fal.ai", "status": "UP"},
        "activeIncidents": [
            {"id": "old", "name": "Queue delays", "status": "RESOLVED", "impact": "MAJOROUTAGE", "url": "u1"},
            {
                "id": "new",
                "name": "Realtime errors",
                "status": "MONITORING",
                "impact": "MINOROUTAGE",
                "url": "u2",
            },
        ],
    }
    snap = parse_instatus(summary, None, source=SOURCE)
    assert snap.level == "degraded"
    assert [incident["name"] for incident in snap.to_json()["incidents"]] == ["Realtime errors"]


def test_update_text_keeps_what_people_typed_and_drops_only_html() -> None:
    """`<!channel>` in a status update is text: kept (and escaped when rendered, so it pings nobody),
    not deleted as if it were an HTML tag."""
    body = (
        'Investigating <!channel> &amp; <@U123>: <b>uploads</b> fail<br/>see <a href="https://x">here</a>'
        "<!-- hidden -->"
    )
    assert plain_text(body) == "Investigating <!channel> & <@U123>: uploads fail\nsee here"
    rendered = escape(plain_text(body))
    assert "&lt;!channel&gt;" in rendered and "<!channel>" not in rendered
