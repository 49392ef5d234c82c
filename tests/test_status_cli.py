"""`fal-bot status` as users run it: the real console script in a subprocess, against loopback pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cli.status import CLI_MAX_DEADLINE, render_text
from bot.status import parse_instatus
from bot.status.probe import ProbeResult
from tests.conftest import FIXTURES
from tests.support.loopback import LoopbackServer, Request, Response, everywhere, free_port
from tests.support.status_page import EXPECTED_LEVEL, FakeStatusPage, TricklingServer

STATUS = FIXTURES / "status"
FAL_BOT = Path(sys.executable).parent / "fal-bot"
DEADLINE = 1.5
# Start-up of a Python process on a busy 2-core machine, on top of the deadline.
STARTUP = 5.0

Loopback = type[LoopbackServer]


def run_status(
    url: str, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    command = [str(FAL_BOT)] if FAL_BOT.exists() else [sys.executable, "-m", "bot"]
    full_env = {
        **os.environ,
        "FAL_STATUS_URL": url,
        "FAL_BOT_STATUS_DEADLINE_SECONDS": str(DEADLINE),
        "PYTHONIOENCODING": "utf-8",
        **(env or {}),
    }
    started = time.monotonic()
    process = subprocess.run(
        [*command, "status", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        encoding="utf-8",
    )
    return process, time.monotonic() - started


def serve_fixture(loopback: Loopback, name: str) -> LoopbackServer:
    body = (STATUS / name).read_bytes()
    path = "/summary.json" if name.startswith("instatus") else "/api/v2/summary.json"
    components = b'{"components": [{"name": "Queue API", "status": "OPERATIONAL", "group": null}]}'

    def handler(request: Request) -> Response:
        if request.path == path:
            return Response(200, body)
        if name.startswith("instatus") and request.path == "/v2/components.json":
            return Response(200, components)
        return Response(404, "Not Found", {"Content-Type": "text/plain"})

    return loopback(handler)


SYMBOL = {
    "operational": "✅",
    "maintenance": "🛠",
    "degraded": "🟡",
    "partial_outage": "🟠",
    "major_outage": "🔴",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_LEVEL))
def test_fixture_json(loopback: Loopback, name: str) -> None:
    server = serve_fixture(loopback, name)
    process, _ = run_status(server.url, "--json")
    assert process.returncode == 0, process.stderr
    out = json.loads(process.stdout)
    data = json.loads((STATUS / name).read_text())
    assert out["level"] == EXPECTED_LEVEL[name]
    assert out["source"] == server.url
    assert "error" not in out and "probe" not in out
    assert {"level", "source", "provider", "checked_at", "incidents", "maintenances", "components"} <= set(
        out
    )
    if name.startswith("instatus"):
        assert out["provider"] == "instatus"
        incidents, maintenances = data.get("activeIncidents", []), data.get("activeMaintenances", [])
        assert out["components"] == [{"name": "Queue API", "status": "operational", "group": None}]
    else:
        assert out["provider"] == "statuspage"
        incidents, maintenances = data["incidents"], data["scheduled_maintenances"]
        rows = [c for c in data["components"] if c.get("group") is not True]
        assert [c["name"] for c in out["components"]] == [c["name"] for c in rows]
    assert [i["name"] for i in out["incidents"]] == [i["name"] for i in incidents]
    assert [m["name"] for m in out["maintenances"]] == [m["name"] for m in maintenances]
    for incident in out["incidents"]:
        assert {"id", "name", "status", "impact", "url", "started"} <= set(incident)
        assert incident["id"]
    for maintenance in out["maintenances"]:
        assert maintenance["status"] in ("in_progress", "scheduled", "completed")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_LEVEL))
def test_fixture_human(loopback: Loopback, name: str) -> None:
    server = serve_fixture(loopback, name)
    process, _ = run_status(server.url)
    assert process.returncode == 0, process.stderr
    text = process.stdout
    level = EXPECTED_LEVEL[name]
    assert text.startswith(SYMBOL[level])
    data = json.loads((STATUS / name).read_text())
    for incident in data.get("activeIncidents", []) + data.get("incidents", []):
        assert incident["name"] in text
    for maintenance in data.get("activeMaintenances", []) + data.get("scheduled_maintenances", []):
        assert maintenance["name"] in text
    for component in data.get("components", []):
        if component.get("group") is not True and component["status"] != "operational":
            assert component["name"] in text


@pytest.mark.slow
def test_human_output_details(loopback: Loopback) -> None:
    server = serve_fixture(loopback, "statuspage_summary_github_major_docsample.json")
    process, _ = run_status(server.url)
    text = process.stdout
    assert (
        "Unplanned Database Outage: identified, impact major outage (critical), started 2014-05-14 20:22 UTC"
        in text
    )
    assert "http://stspg.co:5000/Q0E" in text
    assert "in progress: Web Tier Recycle" in text
    assert "upcoming: Network Maintenance (No Interruption Expected) (2014-05-18 04:00 UTC" in text
    assert "Management Portal: major outage" in text


@pytest.mark.slow
def test_unknown_values_are_named_in_human_output(status_page: Callable[..., FakeStatusPage]) -> None:
    page = status_page(flavour="instatus", components={"Queue API": "WOBBLY"})
    process, _ = run_status(page.url)
    assert process.returncode == 0
    assert process.stdout.startswith("🟡")
    assert 'component status (Queue API) "WOBBLY"' in process.stdout


# --- failure modes: unknown, an error, exit 1, within the deadline ---------------------------------


FAILURES: dict[str, tuple[Callable[[Request], Response], str]] = {
    "hang": (everywhere(Response(200, b"{}", delay=30)), "no answer"),
    "503": (everywhere(Response(503, "down", {"Content-Type": "text/plain"})), "HTTP 503"),
    "html": (everywhere(Response(200, "<html>hi</html>", {"Content-Type": "text/html"})), "HTML"),
    "truncated": (
        everywhere(Response(200, (STATUS / "instatus_summary_docsample.json").read_bytes(), truncate_to=100)),
        "truncated",
    ),
    "wrong-shape": (everywhere(Response(200, b'{"hello": "world"}')), "summary"),
    "404": (everywhere(Response(404, "nope", {"Content-Type": "text/plain"})), "HTTP 404"),
    "redirect-loop": (lambda request: Response(302, b"", {"Location": request.path}), "redirects in a loop"),
}


def assert_unknown_exit(
    process: subprocess.CompletedProcess[str], elapsed: float, words: str
) -> dict[str, Any]:
    assert process.returncode == 1, process.stderr
    out = json.loads(process.stdout)
    assert out["level"] == "unknown"
    assert out["provider"] is None
    assert words in out["error"]
    assert elapsed < DEADLINE + STARTUP, f"took {elapsed:.1f} s"
    return out


@pytest.mark.slow
@pytest.mark.parametrize("mode", sorted(FAILURES))
def test_failure_mode_gives_unknown_and_exit_1(loopback: Loopback, mode: str) -> None:
    handler, words = FAILURES[mode]
    server = loopback(handler)
    process, elapsed = run_status(server.url, "--json")
    assert_unknown_exit(process, elapsed, words)


@pytest.mark.slow
def test_connection_refused_exit_1() -> None:
    process, elapsed = run_status(f"http://127.0.0.1:{free_port()}", "--json")
    assert_unknown_exit(process, elapsed, "connection refused")


@pytest.mark.slow
def test_oversized_body_exit_1() -> None:
    huge = b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    with TricklingServer(interval=0, body=huge, chunk=64 * 1024) as server:
        process, elapsed = run_status(server.url, "--json")
    assert_unknown_exit(process, elapsed, "larger than 2 MB")


@pytest.mark.slow
def test_trickling_page_exit_1() -> None:
    with TricklingServer(interval=0.1) as server:
        process, elapsed = run_status(server.url, "--json")
    assert_unknown_exit(process, elapsed, "no answer")


@pytest.mark.slow
def test_unknown_human_output_says_it_is_not_fal(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(503, "down", {"Content-Type": "text/plain"})))
    process, _ = run_status(server.url)
    assert process.returncode == 1
    assert process.stdout.startswith("❔")
    assert "answered HTTP 503" in process.stdout
    assert "says nothing about fal itself" in process.stdout


@pytest.mark.slow
def test_default_deadline_keeps_the_cli_under_10_seconds(loopback: Loopback) -> None:
    server = loopback(everywhere(Response(200, b"{}", delay=30)))
    process, elapsed = run_status(server.url, "--json", env={"FAL_BOT_STATUS_DEADLINE_SECONDS": "60"})
    assert process.returncode == 1
    assert elapsed < 10.0 + 2.0  # 10 s promised; the margin is for a loaded CI machine
    assert f"within {CLI_MAX_DEADLINE:g} s" in json.loads(process.stdout)["error"]


@pytest.mark.slow
def test_invalid_setting_exits_2() -> None:
    process, _ = run_status("ftp://status.example")
    assert process.returncode == 2
    assert "FAL_STATUS_URL" in process.stderr


# --- probe -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_probe_json_and_exit_code_follow_the_page_only(
    loopback: Loopback, status_page: Callable[..., FakeStatusPage]
) -> None:
    page = status_page(flavour="instatus")
    answering = loopback(everywhere(Response(204, b"")))
    refused = f"http://127.0.0.1:{free_port()}"
    process, elapsed = run_status(
        page.url, "--json", "--probe", env={"FAL_PROBE_URLS": f"{answering.url},{refused}"}
    )
    assert process.returncode == 0  # a failing probe does not change the exit code
    out = json.loads(process.stdout)
    assert out["level"] == "operational"
    assert [p["url"] for p in out["probe"]] == [answering.url, refused]
    ok, bad = out["probe"]
    assert set(ok) == {"url", "ok", "ms", "failed_step", "detail"}
    assert ok["ok"] is True and ok["failed_step"] is None and isinstance(ok["ms"], int)
    assert bad["ok"] is False and bad["failed_step"] == "connect"
    assert elapsed < DEADLINE + STARTUP


@pytest.mark.slow
def test_probe_ok_does_not_rescue_an_unknown_page(loopback: Loopback) -> None:
    answering = loopback(everywhere(Response(200, b"hi", {"Content-Type": "text/plain"})))
    process, _ = run_status(
        f"http://127.0.0.1:{free_port()}", "--probe", env={"FAL_PROBE_URLS": answering.url}
    )
    assert process.returncode == 1
    assert "answers from here" in process.stdout


@pytest.mark.slow
def test_probe_human_output_names_an_unreachable_proxy(status_page: Callable[..., FakeStatusPage]) -> None:
    page = status_page(flavour="instatus")
    proxy = f"http://127.0.0.1:{free_port()}"
    # NO_PROXY keeps the (loopback) status page direct; the probed host goes through the dead proxy.
    env = {"FAL_PROBE_URLS": "https://fal.run", "HTTPS_PROXY": proxy, "NO_PROXY": "127.0.0.1"}
    process, elapsed = run_status(page.url, "--probe", env=env)
    assert process.returncode == 0
    assert (
        "https://fal.run: failing at connect after" in process.stdout
        and f"(via proxy {proxy}: cannot connect to the proxy: connection refused)" in process.stdout
    )
    assert "fal.run cannot be reached from here: check your firewall, proxy or network" in process.stdout
    assert elapsed < DEADLINE + STARTUP


@pytest.mark.slow
def test_probe_human_output_combines_page_and_probe(status_page: Callable[..., FakeStatusPage]) -> None:
    page = status_page(flavour="statuspage")
    refused = f"http://127.0.0.1:{free_port()}"
    process, _ = run_status(page.url, "--probe", env={"FAL_PROBE_URLS": refused})
    assert process.returncode == 0
    assert "From this machine:" in process.stdout
    assert "failing at connect" in process.stdout
    host = page.url.split("//")[1]
    assert f"{host} says operational, but 127.0.0.1 cannot be reached from here" in process.stdout


def test_render_text_is_pure_and_lists_probe_steps() -> None:
    summary = json.loads((STATUS / "instatus_summary_docsample.json").read_text())
    snapshot = parse_instatus(summary, None, source="https://status.fal.ai")
    results = [
        ProbeResult(
            url="https://queue.fal.run", ok=False, ms=12, failed_step="dns", detail="does not resolve"
        ),
        ProbeResult(url="https://fal.run", ok=True, ms=2100, detail="HTTP 404", slow=True),
    ]
    text = render_text(snapshot, results)
    assert text == render_text(snapshot, results)
    assert text.startswith("🔴 fal status: major outage  (status.fal.ai")
    assert "We're facing an issue with our API: investigating, impact major outage (MAJOROUTAGE)" in text
    assert "upcoming: Database maintenance (2022-06-11 18:55 UTC to 2022-06-11 19:55 UTC)" in text
    assert "https://fal.run: slow, 2100 ms" in text
    assert "queue.fal.run does not resolve from here: check your DNS / network" in text


@pytest.mark.slow
def test_human_output_survives_a_console_without_emoji(loopback: Loopback) -> None:
    server = serve_fixture(loopback, "statuspage_summary_codametrix_groups_operational.json")
    process = subprocess.run(
        [str(FAL_BOT), "status"],
        capture_output=True,
        env={**os.environ, "FAL_STATUS_URL": server.url, "PYTHONIOENCODING": "ascii"},
        timeout=60,
    )
    assert process.returncode == 0, process.stderr
    assert b"fal status: operational" in process.stdout
