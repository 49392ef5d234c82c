"""StatusClient against real HTTP on loopback: every shared fixture, provider detection, conditional
requests, and each way a status page can fail (all -> level unknown with an error, within the deadline)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.status import StatusClient, StatusSnapshot
from tests.conftest import FIXTURES
from tests.support.loopback import LoopbackServer, Request, Response, everywhere, free_port
from tests.support.status_page import EXPECTED_LEVEL, FakeStatusPage, TricklingServer

STATUS = FIXTURES / "status"
DEADLINE = 1.5
# Generous bound for "within the deadline" on a loaded 2-core CI machine.
SLACK = 1.0

Loopback = type[LoopbackServer]


def fixture_bytes(name: str) -> bytes:
    return (STATUS / name).read_bytes()


def serve_fixture(loopback: Loopback, name: str, *, components: bytes | None = None) -> LoopbackServer:
    """Serve a fixture where its provider serves it; everything else is 404 (as a real page)."""
    body = fixture_bytes(name)
    instatus = name.startswith("instatus")

    def handler(request: Request) -> Response:
        path = request.path.split("?")[0]
        if instatus and path == "/summary.json":
            return Response(200, body)
        if instatus and path == "/v2/components.json" and components is not None:
            return Response(200, components)
        if not instatus and path == "/api/v2/summary.json":
            return Response(200, body)
        return Response(404, "Not Found", {"Content-Type": "text/plain"})

    return loopback(handler)


def fetch(url: str, deadline: float = DEADLINE) -> tuple[StatusSnapshot, float]:
    client = StatusClient(url, deadline_seconds=deadline)
    try:
        started = time.monotonic()
        snapshot = client.fetch()
        return snapshot, time.monotonic() - started
    finally:
        client.close()


SUMMARY_FIXTURES = sorted(p.name for p in STATUS.glob("*summary*.json"))


def test_every_summary_fixture_has_an_expected_level() -> None:
    assert set(SUMMARY_FIXTURES) == set(EXPECTED_LEVEL)


@pytest.mark.parametrize("name", SUMMARY_FIXTURES)
def test_fixture_through_the_real_client(loopback: Loopback, name: str) -> None:
    server = serve_fixture(loopback, name)
    snapshot, _ = fetch(server.url)
    data = json.loads(fixture_bytes(name))
    assert snapshot.level == EXPECTED_LEVEL[name], snapshot.error
    assert snapshot.error is None
    if name.startswith("instatus"):
        assert snapshot.provider == "instatus"
        assert [i.name for i in snapshot.incidents] == [i["name"] for i in data.get("activeIncidents", [])]
        assert [m.name for m in snapshot.maintenances] == [
            m["name"] for m in data.get("activeMaintenances", [])
        ]
        # The fixture page has no components endpoint: the level still stands, and we say why.
        assert snapshot.components == [] and snapshot.components_error
    else:
        assert snapshot.provider == "statuspage"
        assert [i.name for i in snapshot.incidents] == [i["name"] for i in data["incidents"]]
        assert [m.name for m in snapshot.maintenances] == [m["name"] for m in data["scheduled_maintenances"]]
        expected = {(c["name"], c["status"]) for c in data["components"] if c.get("group") is not True}
        assert {(c.name, c.raw_status) for c in snapshot.components} == expected
    assert snapshot.source == server.url


def test_instatus_components_fall_back_to_components_json(loopback: Loopback) -> None:
    summary = fixture_bytes("instatus_summary_docsample.json")
    components = json.dumps(
        {"components": [{"name": "Queue API", "status": "PARTIALOUTAGE", "group": "Inference"}]}
    ).encode()

    def handler(request: Request) -> Response:
        if request.path == "/summary.json":
            return Response(200, summary)
        if request.path == "/components.json":
            return Response(200, components)
        return Response(404, "nope")

    server = loopback(handler)
    client = StatusClient(server.url, deadline_seconds=DEADLINE)
    snapshot = client.fetch()
    assert [(c.name, c.status, c.group) for c in snapshot.components] == [
        ("Queue API", "partial_outage", "Inference")
    ]
    assert snapshot.components_error is None
    # The working components path is remembered: the next fetch goes straight to it.
    before = len(server.requests)
    client.fetch()
    assert [r.path for r in server.requests[before:]] == ["/summary.json", "/components.json"]
    client.close()


def test_statuspage_is_detected_then_remembered(loopback: Loopback) -> None:
    server = serve_fixture(loopback, "statuspage_summary_twilio_minor_two_incidents.json")
    client = StatusClient(server.url, deadline_seconds=DEADLINE)
    assert client.fetch().provider == "statuspage"
    assert [r.path for r in server.requests] == ["/summary.json", "/api/v2/summary.json"]
    assert client.provider == "statuspage"
    client.fetch()
    assert [r.path for r in server.requests][2:] == ["/api/v2/summary.json"]
    client.close()


def test_user_agent_names_fal_bot(status_page: Callable[..., FakeStatusPage]) -> None:
    page = status_page(flavour="instatus")
    fetch(page.url)
    assert page.requests[0].headers["user-agent"].startswith("fal-bot/")


def test_conditional_request_gets_304_and_the_snapshot_stays_right(
    status_page: Callable[..., FakeStatusPage],
) -> None:
    page = status_page(flavour="instatus", components={"Queue API": "degraded"})
    page.open_incident(id="i1", name="Queue slow", impact="partial_outage")
    client = StatusClient(page.url, deadline_seconds=DEADLINE)
    first = client.fetch()
    second = client.fetch()
    client.close()
    summary_requests = page.summary_requests()
    assert len(summary_requests) == 2
    assert "if-none-match" not in summary_requests[0].headers
    # The second request carried the ETag; the fake page answered 304 with no body.
    assert summary_requests[1].headers["if-none-match"].startswith('"')
    for snapshot in (first, second):
        assert snapshot.level == "partial_outage"
        assert [i.name for i in snapshot.incidents] == ["Queue slow"]
        assert [(c.name, c.status) for c in snapshot.components] == [("Queue API", "degraded")]


def test_last_modified_is_sent_back(loopback: Loopback) -> None:
    body = fixture_bytes("statuspage_summary_codametrix_groups_operational.json")
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"

    def handler(request: Request) -> Response:
        if request.path != "/api/v2/summary.json":
            return Response(404, "nope")
        if request.headers.get("if-modified-since") == stamp:
            return Response(304, b"")
        return Response(200, body, {"Last-Modified": stamp})

    server = loopback(handler)
    client = StatusClient(server.url, deadline_seconds=DEADLINE)
    assert client.fetch().level == "operational"
    again = client.fetch()
    client.close()
    assert again.level == "operational" and len(again.components) == 3
    assert server.requests[-1].headers.get("if-modified-since") == stamp


def test_a_changed_page_is_seen_after_a_304(status_page: Callable[..., FakeStatusPage]) -> None:
    page = status_page(flavour="statuspage")
    client = StatusClient(page.url, deadline_seconds=DEADLINE)
    assert client.fetch().level == "operational"
    assert client.fetch().level == "operational"
    page.open_incident(id="i9", name="API errors", impact="major_outage")
    snapshot = client.fetch()
    client.close()
    assert snapshot.level == "major_outage"
    assert [i.name for i in snapshot.incidents] == ["API errors"]


def test_one_quick_retry_recovers_from_a_single_503(loopback: Loopback) -> None:
    body = fixture_bytes("statuspage_summary_codametrix_groups_operational.json")
    answers = [Response(503, "busy", {"Content-Type": "text/plain"}), Response(200, body)]

    def handler(request: Request) -> Response:
        if request.path != "/api/v2/summary.json":
            return Response(404, "nope")
        return answers.pop(0) if answers else Response(200, body)

    server = loopback(handler)
    snapshot, _ = fetch(server.url)
    assert snapshot.level == "operational"
    assert [r.path for r in server.requests].count("/api/v2/summary.json") == 2


def test_a_redirect_is_followed(loopback: Loopback) -> None:
    body = fixture_bytes("statuspage_summary_codametrix_groups_operational.json")

    def handler(request: Request) -> Response:
        if request.path == "/api/v2/summary.json":
            return Response(301, b"", {"Location": "/moved/summary.json"})
        if request.path == "/moved/summary.json":
            return Response(200, body)
        return Response(404, "nope")

    snapshot, _ = fetch(loopback(handler).url)
    assert snapshot.level == "operational"


# --- failure modes: each gives unknown, an error in plain words, within the deadline ----------------


def assert_unknown(snapshot: StatusSnapshot, elapsed: float, *words: str) -> None:
    assert snapshot.level == "unknown"
    assert snapshot.provider is None
    assert snapshot.error
    for word in words:
        assert word in snapshot.error, snapshot.error
    assert elapsed < DEADLINE + SLACK, f"took {elapsed:.2f} s"
    out = snapshot.to_json()
    assert out["level"] == "unknown" and out["error"] == snapshot.error


def test_hang(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(200, b"{}", delay=30)))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "no answer", f"within {DEADLINE:g} s")
    assert elapsed >= DEADLINE * 0.8  # it did wait for the page, not give up at once


def test_trickling_body_is_cut_at_the_deadline() -> None:
    with TricklingServer(interval=0.1) as server:
        snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "no answer")


def test_503(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(503, "Service Unavailable", {"Content-Type": "text/plain"})))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "answered HTTP 503")
    assert len(server.requests) <= 3  # two paths, one retry in all


def test_html_page(loopback: Loopback) -> None:
    html = "<!DOCTYPE html><html><head><title>fal status</title></head><body>ok</body></html>"
    server = loopback(everywhere(Response(200, html, {"Content-Type": "text/html; charset=utf-8"})))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "HTML, not JSON")


def test_html_even_when_labelled_json(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(200, "<html><body>Just a moment...</body></html>")))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "HTML, not JSON")


def test_truncated_json_connection_cut(loopback: Loopback) -> None:
    body = fixture_bytes("instatus_summary_docsample.json")
    server = loopback(everywhere(Response(200, body, truncate_to=120)))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "truncated")


def test_truncated_json_complete_answer(loopback: Loopback) -> None:
    body = fixture_bytes("instatus_summary_docsample.json")[:120]
    server = loopback(everywhere(Response(200, body)))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "broken or truncated JSON")


@pytest.mark.parametrize(
    "payload",
    [
        b'{"hello": "world"}',
        b"[1, 2, 3]",
        b'"UP"',
        b'{"page": {"status": "UP"}, "activeIncidents": "none"}',
        fixture_bytes("statuspage_incidents_github_2024-09-17.json"),
    ],
    ids=["object", "list", "string", "bad-inner-type", "incidents-json"],
)
def test_json_of_the_wrong_shape(loopback: Loopback, payload: bytes) -> None:
    server = loopback(everywhere(Response(200, payload)))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed)
    assert "summary" in snapshot.error or "shape" in snapshot.error  # type: ignore[operator]


def test_404_on_every_path(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(404, "Not Found", {"Content-Type": "text/plain"})))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "HTTP 404", "/summary.json", "/api/v2/summary.json", "FAL_STATUS_URL")


def test_redirect_loop(loopback: Loopback) -> None:
    server = loopback(lambda request: Response(302, b"", {"Location": request.path}))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "redirects in a loop")
    assert len(server.requests) <= 2 * 4  # a few hops per path, never unbounded


def test_oversized_body_with_content_length() -> None:
    huge = b'{"page": {"status": "UP"}, "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    with TricklingServer(interval=0, body=huge, chunk=64 * 1024) as server:
        snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "larger than 2 MB")


def test_oversized_body_without_content_length() -> None:
    huge = b'{"page": {"status": "UP"}, "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    with TricklingServer(interval=0, body=huge, chunk=64 * 1024, content_length=False) as server:
        snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "larger than 2 MB")


def test_connection_refused() -> None:
    snapshot, elapsed = fetch(f"http://127.0.0.1:{free_port()}")
    assert_unknown(snapshot, elapsed, "could not connect", "connection refused")


def test_components_hanging_do_not_make_the_level_unknown(loopback: Loopback) -> None:
    summary = fixture_bytes("instatus_summary_docsample.json")

    def handler(request: Request) -> Response:
        if request.path == "/summary.json":
            return Response(200, summary)
        return Response(200, b"{}", delay=30)

    started = time.monotonic()
    snapshot, _ = fetch(loopback(handler).url)
    assert snapshot.level == "major_outage"
    assert snapshot.components_error and "no answer" in snapshot.components_error
    assert time.monotonic() - started < DEADLINE + SLACK


def test_fetch_never_raises_on_a_bad_base_url() -> None:
    snapshot, elapsed = fetch("http://[::1")
    assert snapshot.level == "unknown" and snapshot.error
    assert elapsed < DEADLINE + SLACK


def test_unknown_snapshot_error_names_the_host(tmp_path: Path) -> None:
    port = free_port()
    snapshot, _ = fetch(f"http://127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in (snapshot.error or "")


@pytest.mark.parametrize("suffix", ["/api/v2/summary.json", "/summary.json", "/"])
def test_a_pasted_summary_url_is_understood(loopback: Loopback, suffix: str) -> None:
    server = serve_fixture(loopback, "statuspage_summary_github_major_docsample.json")
    snapshot, _ = fetch(server.url + suffix)
    assert snapshot.level == "major_outage"
    assert snapshot.source == server.url


def test_a_byte_order_mark_is_tolerated(loopback: Loopback) -> None:
    body = b"\xef\xbb\xbf" + fixture_bytes("statuspage_summary_codametrix_groups_operational.json")
    server = loopback(lambda request: Response(200, body) if "api/v2" in request.path else Response(404, "x"))
    snapshot, _ = fetch(server.url)
    assert snapshot.level == "operational"


def test_an_empty_answer_is_unknown(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(200, b"")))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "empty answer")


def test_absurdly_nested_json_is_unknown_not_a_crash(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(200, b"[" * 100_000 + b"]" * 100_000)))
    snapshot, elapsed = fetch(server.url)
    assert_unknown(snapshot, elapsed, "JSON")


@pytest.mark.parametrize("flavour", ["instatus", "statuspage"])
def test_fake_status_page_scenario_reads_right_in_both_flavours(
    status_page: Callable[..., FakeStatusPage], flavour: str
) -> None:
    """The alerts tests drive outages with FakeStatusPage: prove it reads as scripted."""
    page = status_page(flavour=flavour, components={"Queue API": "operational", "Realtime": "operational"})
    client = StatusClient(page.url, deadline_seconds=DEADLINE)
    assert client.fetch().level == "operational"

    page.open_incident(id="inc-1", name="Queue errors", impact="partial_outage", components=["Queue API"])
    page.set_component("Queue API", "partial_outage", group="Inference")
    snapshot = client.fetch()
    assert snapshot.level == "partial_outage" and snapshot.provider == flavour
    [incident] = snapshot.incidents
    assert (incident.name, incident.level, incident.resolved) == ("Queue errors", "partial_outage", False)
    assert incident.status.lower() == "investigating"
    assert [(c.name, c.status, c.group) for c in snapshot.components if c.status != "operational"] == [
        ("Queue API", "partial_outage", "Inference")
    ]
    if flavour == "statuspage":
        assert incident.id == "inc-1" and incident.components == ["Queue API"]

    page.update_incident("inc-1", impact="major_outage", status="identified", body="Root cause found")
    snapshot = client.fetch()
    assert snapshot.level == "major_outage"
    assert snapshot.incidents[0].status.lower() == "identified"
    if flavour == "statuspage":  # Instatus summaries carry no update texts
        assert [u.body for u in snapshot.incidents[0].updates][:1] == ["Root cause found"]

    page.resolve("inc-1")
    page.set_component("Queue API", "operational")
    page.start_maintenance(id="m-1", name="DB upgrade", status="in_progress")
    snapshot = client.fetch()
    assert snapshot.level == "maintenance" and snapshot.incidents == []
    assert [(m.name, m.status) for m in snapshot.maintenances] == [("DB upgrade", "in_progress")]

    page.end_maintenance("m-1")
    page.set_component("Realtime", "SOMETHINGNEW")
    snapshot = client.fetch()
    assert snapshot.level == "degraded" and any("SOMETHINGNEW" in v for v in snapshot.unknown_values)

    page.fail(503)
    assert client.fetch().level == "unknown"
    page.serve_html()
    assert "HTML" in (client.fetch().error or "")
    page.recover()
    assert client.fetch().level == "degraded"
    client.close()
