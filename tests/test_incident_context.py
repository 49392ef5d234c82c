"""Incident context: a pasted fal-side error while fal's page shows trouble leads with the incident.

Real parts: the Bolt app over loopback HTTP with signed requests, the fake status page, the real
diagnoser; the CLI as a process against the same fake page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.diagnosis import Diagnosis
from bot.incidents import incident_context, since_words
from bot.status.models import Component, Incident, StatusSnapshot
from tests.support import signing
from tests.support.slack_harness import SlackHarness, shared_diagnoser
from tests.support.status_page import FakeStatusPage

RUNNER_503 = (
    "fal_client.client.FalClientError: 503 Service Unavailable from "
    "https://queue.fal.run/fal-ai/flux/dev runner error"
)
VALIDATION_422 = (
    '422 Unprocessable Entity {"detail":[{"loc":["body","prompt"],"msg":"field required",'
    '"type":"missing"}]} from https://fal.run/fal-ai/flux/dev'
)
BALANCE_403 = (
    'fal_client.client.FalClientError: 403 {"detail": "User is locked. Reason: Exhausted balance. '
    'Top up your balance at fal.ai/dashboard/billing."}'
)
INCIDENT = "Elevated errors on Queue API"
STARTED = "2026-01-01T14:02:00.000Z"
DM = "message_im.slack_docs.json"
FAL_BOT = Path(sys.executable).with_name("fal-bot")


def diagnose(text: str) -> Diagnosis:
    return shared_diagnoser().diagnose(text)


def snapshot(
    level: str = "operational", incidents: list[Incident] | None = None, **extra: object
) -> StatusSnapshot:
    return StatusSnapshot(
        level=level,
        source="https://status.fal.ai",
        checked_at=datetime.now(UTC),
        incidents=incidents or [],
        **extra,
    )


def incident(name: str = INCIDENT, level: str = "major_outage", **extra: object) -> Incident:
    return Incident(
        id="i1",
        name=name,
        status="INVESTIGATING",
        impact="MAJOROUTAGE",
        url="https://status.fal.ai/incident/i1",
        started=STARTED,
        level=level,
        **extra,
    )


# -- the pure combination ---------------------------------------------------------------------------
def test_a_runner_503_during_an_incident_gets_its_context() -> None:
    found = incident_context(diagnose(RUNNER_503), snapshot("major_outage", [incident()]))
    assert found is not None
    assert found.to_json() == {
        "name": INCIDENT,
        "url": "https://status.fal.ai/incident/i1",
        "started": "2026-01-01T14:02:00Z",
        "level": "major_outage",
    }


@pytest.mark.parametrize("text", [VALIDATION_422, BALANCE_403])
def test_validation_and_billing_never_mention_an_incident(text: str) -> None:
    assert incident_context(diagnose(text), snapshot("major_outage", [incident()])) is None


def test_nothing_when_the_page_is_operational_or_unreadable() -> None:
    assert incident_context(diagnose(RUNNER_503), snapshot()) is None
    unknown = snapshot("unknown", [incident()], error="timed out")
    assert incident_context(diagnose(RUNNER_503), unknown) is None
    assert incident_context(diagnose(RUNNER_503), None) is None


def test_a_resolved_incident_is_not_open() -> None:
    assert incident_context(diagnose(RUNNER_503), snapshot(incidents=[incident(resolved=True)])) is None


def test_a_degraded_page_without_an_incident_names_the_components() -> None:
    page = snapshot(
        "degraded",
        components=[
            Component(name="Queue API", status="degraded", raw_status="DEGRADEDPERFORMANCE"),
            Component(name="Realtime", status="operational", raw_status="OPERATIONAL"),
        ],
    )
    found = incident_context(diagnose(RUNNER_503), page)
    assert found is not None and not found.incident
    assert found.name == "Degraded: Queue API" and found.level == "degraded" and found.started is None


def test_the_worst_open_incident_is_named() -> None:
    minor = incident("Slow uploads", "degraded")
    major = incident("Runners down", "major_outage")
    found = incident_context(diagnose(RUNNER_503), snapshot("major_outage", [minor, major]))
    assert found is not None and found.name == "Runners down"


def test_since_says_the_time_in_utc() -> None:
    assert since_words(STARTED, datetime(2026, 1, 1, 18, 0, tzinfo=UTC)) == "14:02 UTC"
    assert since_words(STARTED, datetime(2026, 1, 3, tzinfo=UTC)) == "Jan 1 14:02 UTC"
    assert since_words(None) is None


# -- Slack: a real Bolt app, signed requests, the fake page -------------------------------------------
@pytest.fixture
def page(status_page: Callable[..., FakeStatusPage]) -> FakeStatusPage:
    made = status_page(flavour="instatus")
    made.open_incident(
        id="inc1", name=INCIDENT, impact="major_outage", components=["Queue API"], started=STARTED
    )
    return made


@pytest.fixture
def h(tmp_path: Path, page: FakeStatusPage) -> Iterator[SlackHarness]:
    with SlackHarness(tmp_path, page_url=page.url) as harness:
        harness.monitor.refresh()  # the poller's cached snapshot, as after its first poll
        yield harness


def dm(text: str, event_id: str) -> signing.SlackRequest:
    return signing.event(DM, event={"text": text}, event_id=event_id)


def test_a_pasted_runner_503_leads_with_the_incident_above_the_fix(
    h: SlackHarness, page: FakeStatusPage
) -> None:
    fetched = len(page.summary_requests())
    assert h.send(dm(RUNNER_503, "EvInc1")).status_code == 200
    post = h.fake.wait_for_calls("chat.postMessage")[0]
    texts = [json.dumps(block) for block in post.params["blocks"]]
    lead = next(i for i, text in enumerate(texts) if INCIDENT in text)
    fix = next(i for i, text in enumerate(texts) if "How to fix" in text)
    assert lead < fix
    assert "this is likely not your code" in texts[lead]
    assert "14:02 UTC" in texts[lead] and "incident/inc1" in texts[lead]
    assert INCIDENT in post.params["text"]  # the notification says it too
    assert len(page.summary_requests()) == fetched  # the cached snapshot: no fetch on this path


def test_a_pasted_422_does_not_mention_the_incident(h: SlackHarness) -> None:
    h.send(dm(VALIDATION_422, "EvInc2"))
    post = h.fake.wait_for_calls("chat.postMessage")[0]
    shown = post.text_and_blocks()
    assert "How to fix" in shown
    assert INCIDENT not in shown and "incident" not in shown.lower()


def test_once_the_incident_is_resolved_the_answer_is_the_usual_one(
    h: SlackHarness, page: FakeStatusPage
) -> None:
    page.resolve("inc1")
    h.monitor.refresh()
    h.send(dm(RUNNER_503, "EvInc3"))
    post = h.fake.wait_for_calls("chat.postMessage")[0]
    assert INCIDENT not in post.text_and_blocks() and "How to fix" in post.text_and_blocks()


# -- the CLI: diagnose --status reads the page once --------------------------------------------------
def cli(page: FakeStatusPage, *args: str, text: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SLACK_"))}
    env["FAL_STATUS_URL"] = page.url
    result = subprocess.run(
        [str(FAL_BOT), "diagnose", *args], input=text, capture_output=True, text=True, env=env, timeout=60
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.slow
def test_cli_status_json_has_the_incident_for_a_runner_503_only(page: FakeStatusPage) -> None:
    answer = json.loads(cli(page, "--status", "--json", text=RUNNER_503).stdout)
    assert answer["matches"][0]["category"] == "server_error"
    assert answer["incident"]["name"] == INCIDENT
    assert answer["incident"]["level"] == "major_outage"
    assert answer["incident"]["started"] == "2026-01-01T14:02:00Z"
    assert answer["incident"]["url"].endswith("inc1")
    assert json.loads(cli(page, "--status", "--json", text=VALIDATION_422).stdout)["incident"] is None
    assert "incident" not in json.loads(cli(page, "--json", text=RUNNER_503).stdout)
    human = cli(page, "--status", text=RUNNER_503).stdout
    assert human.index(INCIDENT) < human.index("How to fix")
    assert "likely not your code" in human


@pytest.mark.slow
def test_cli_status_with_an_unreadable_page_still_diagnoses(page: FakeStatusPage) -> None:
    page.fail(503)
    result = cli(page, "--status", "--json", text=RUNNER_503)
    answer = json.loads(result.stdout)
    assert answer["incident"] is None and answer["matches"][0]["category"] == "server_error"
