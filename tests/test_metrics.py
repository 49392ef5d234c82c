"""`GET /metrics`: the real `fal-bot run` process against the loopback fakes, scraped and parsed with
prometheus-client's own parser. Each metric must move when what it counts happens (a signed command,
an event, an interaction, a diagnosis, a status change, an alert, a Slack error), and no label may
carry a user, a channel or pasted text."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.metrics import Metrics, PrometheusMetrics
from bot.store import Store, Subscription
from tests.support import slack_harness
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import APP_TOKEN, BotProcess, bot_env
from tests.support.signing import SlackSender, event, interactive, slash_command
from tests.support.socket_mode import SlackSocket, slash_command_envelope
from tests.support.status_page import FakeStatusPage

TEAM, CHANNEL, USER = "T111", "C0METRICS", "W0METRICS"
# Something pasted that must never become a label value.
PASTED_MARKER = "zebrafinch"
FAL_KEY = "6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f:0123456789abcdef0123456789abcdef"
# Every metric the contract lists, as the sample names the exposition carries.
CONTRACT_SAMPLES = (
    "falbot_build_info",
    "falbot_requests_total",
    "falbot_ack_seconds_bucket",
    "falbot_ack_seconds_count",
    "falbot_ack_seconds_sum",
    "falbot_outbox_pending",
    "falbot_status_level",
    "falbot_status_age_seconds",
    "falbot_leader",
)
# Counters that have no sample until something happens, but whose family is always declared.
CONTRACT_FAMILIES = ("falbot_diagnoses", "falbot_alerts_sent", "falbot_slack_api_errors")


def scrape(base: str) -> list[Sample]:
    answer = httpx.get(f"{base}/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return [s for family in text_string_to_metric_families(answer.text) for s in family.samples]


def families(base: str) -> set[str]:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    return {family.name for family in text_string_to_metric_families(text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when there are none)."""
    return sum(
        s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


wait_for = functools.partial(slack_harness.wait_for, timeout=20.0)  # a process: a longer default


@pytest.mark.slow
def test_each_metric_moves_and_no_label_carries_a_person_a_channel_or_text(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path
) -> None:
    page = FakeStatusPage(loopback, flavour="statuspage")
    env = bot_env(fake, tmp_path / "bot.db", page.url, LOG_LEVEL="INFO")
    Store(tmp_path / "bot.db").subscribe(Subscription(TEAM, CHANNEL))
    with BotProcess(env, "--mode", "http") as bot:
        bot.wait_until_serving(healthy=True)
        sender = SlackSender(bot.events_url)
        before = scrape(bot.base)
        names = {s.name for s in before}
        assert set(CONTRACT_SAMPLES) <= names, set(CONTRACT_SAMPLES) - names
        assert set(CONTRACT_FAMILIES) <= families(bot.base)
        assert value(before, "falbot_build_info") == 1
        assert value(before, "falbot_leader") == 1
        assert value(before, "falbot_status_level", level="operational") == 1
        assert sorted(s.labels["level"] for s in before if s.name == "falbot_status_level") == sorted(
            ["operational", "maintenance", "degraded", "partial_outage", "major_outage", "unknown"]
        )
        assert value(before, "falbot_status_level") == 1  # exactly one level is current

        def slash(text: str) -> None:
            request = slash_command(
                text, response_url=fake.new_response_url(), team_id=TEAM, channel_id=CHANNEL, user_id=USER
            )
            assert sender.send(request).status_code == 200

        # A signed command, an event and an interaction: counted by surface, each ack timed.
        slash("help")
        dm = event(
            "message_im.slack_docs.json",
            event={"text": f"hello {PASTED_MARKER}", "user": USER, "channel": "D0METRICS"},
            event_id="Ev0METRICS1",
            team_id=TEAM,
        )
        assert sender.send(dm).status_code == 200
        shortcut = interactive(
            "message_action.bolt_tests.json",
            callback_id="diagnose_message",
            response_url=fake.new_response_url(),
            user={"id": USER},
            channel={"id": CHANNEL, "name": "dev"},
        )
        assert sender.send(shortcut).status_code == 200
        after = scrape(bot.base)
        for surface in ("command", "event", "interactive"):
            assert value(after, "falbot_requests_total", surface=surface) >= 1 + value(
                before, "falbot_requests_total", surface=surface
            ), surface
        assert value(after, "falbot_ack_seconds_count") >= 3 + value(before, "falbot_ack_seconds_count")
        # Acks on loopback take well under Slack's 3 s: the 3 s bucket holds them all.
        assert value(after, "falbot_ack_seconds_bucket", le="3.0") == value(after, "falbot_ack_seconds_count")

        # A diagnosis: counted by category and verdict, never by what was pasted.
        slash(f"diagnose fal.run 401 Unauthorized: Invalid key {FAL_KEY} {PASTED_MARKER}")
        wait_for(lambda: value(scrape(bot.base), "falbot_diagnoses_total") >= 1, what="a diagnosis counted")
        diagnoses = [s for s in scrape(bot.base) if s.name == "falbot_diagnoses_total"]
        assert any(s.labels["verdict"] == "match" and s.labels["category"] != "none" for s in diagnoses)

        # A status change, and an alert to the subscribed channel whose first post Slack answers 429.
        fake.rate_limit("chat.postMessage", retry_after=1, channel=CHANNEL, times=1)
        page.open_incident(id="m1", name="Queue slow", impact="major_outage")
        wait_for(
            lambda: value(scrape(bot.base), "falbot_status_level", level="major_outage") == 1,
            what="the status level change",
        )
        wait_for(lambda: value(scrape(bot.base), "falbot_alerts_sent_total") >= 1, what="an alert counted")
        final = scrape(bot.base)
        assert value(final, "falbot_status_level", level="operational") == 0
        assert value(final, "falbot_status_age_seconds") < 30
        assert value(final, "falbot_outbox_pending") == 0  # delivered
        errors = value(final, "falbot_slack_api_errors_total", method="chat.postMessage", error="ratelimited")
        assert errors == 1

        # No label value names a person, a channel, a team or anything pasted.
        labels = {v for s in final for v in s.labels.values()}
        for forbidden in (USER, CHANNEL, "D0METRICS", TEAM, PASTED_MARKER, FAL_KEY[:8], "Queue slow"):
            assert not any(forbidden in label for label in labels), forbidden
        sender.close()


@pytest.mark.slow
def test_metrics_work_in_socket_mode(fake: FakeSlack, tmp_path: Path) -> None:
    slack_socket = SlackSocket([slash_command_envelope("help")])
    slack_socket.thread.start()
    fake.ws_url = slack_socket.url
    env = bot_env(fake, tmp_path / "bot.db", "http://127.0.0.1:9", SLACK_APP_TOKEN=APP_TOKEN)
    try:
        with BotProcess(env) as bot:
            ack = slack_socket.ack_for(slack_socket.envelopes[0]["envelope_id"])
            assert "subscribe" in json.dumps(ack.get("payload"))
            bot.wait_until_serving()
            samples = scrape(bot.base)
            assert value(samples, "falbot_requests_total", surface="command") == 1
            assert value(samples, "falbot_ack_seconds_count") == 1
            assert 0 < value(samples, "falbot_ack_seconds_sum") < 3
            # The page cannot be read (nothing listens on port 9): the level says so.
            wait_for(
                lambda: value(scrape(bot.base), "falbot_status_level", level="unknown") == 1,
                what="unknown level",
            )
    finally:
        slack_socket.server.shutdown()


@pytest.mark.slow
def test_metrics_off_serves_no_metrics(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path
) -> None:
    page = FakeStatusPage(loopback, flavour="instatus")
    env = bot_env(fake, tmp_path / "bot.db", page.url, FAL_BOT_METRICS="0")
    with BotProcess(env, "--mode", "http") as bot:
        bot.wait_until_serving()
        assert httpx.get(f"{bot.base}/metrics", timeout=10).status_code == 404


def test_each_app_has_its_own_registry() -> None:
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.alert_sent()
    first.slack_api_error("chat.postMessage", "not in channel: <@U123|x>")

    def parsed(metrics: Metrics) -> list[Sample]:
        body, _ = metrics.exposition()
        return [s for f in text_string_to_metric_families(body.decode()) for s in f.samples]

    assert value(parsed(first), "falbot_alerts_sent_total") == 1
    assert value(parsed(second), "falbot_alerts_sent_total") == 0
    # An error string that is not a code cannot carry text into a label.
    [error] = [s.labels["error"] for s in parsed(first) if s.name == "falbot_slack_api_errors_total"]
    assert " " not in error and "<" not in error and "@" not in error


def test_the_ack_time_counts_the_wait_for_a_worker_thread() -> None:
    """With one worker, the second of two simultaneous requests waits for the first: Slack waits
    that long too, so its ack time runs from its arrival, not from when a worker picked it up."""
    import threading

    from bot.runtime.health import Health
    from bot.runtime.http import SURFACE_KEY, HttpServer, Router

    first_started = threading.Event()

    def slow_slack(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        environ[SURFACE_KEY] = "command"
        first_started.set()
        time.sleep(0.4)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    metrics = PrometheusMetrics(mode="http")
    server = HttpServer(Router(Health(None), slow_slack, metrics), "127.0.0.1", 0, threads=1)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}/slack/events"
        threads = [threading.Thread(target=httpx.post, args=(url,), kwargs={"timeout": 10}) for _ in range(2)]
        # the second is sent once the first holds the only worker (both sent at once, a loaded
        # machine could deliver the second late and shorten its wait below what the test asserts)
        threads[0].start()
        assert first_started.wait(5)
        threads[1].start()
        for thread in threads:
            thread.join()

        def both_recorded() -> list[Any]:
            # the server records an ack after the client has read its answer: wait for the second
            body, _ = metrics.exposition()
            found = [s for f in text_string_to_metric_families(body.decode()) for s in f.samples]
            return found if value(found, "falbot_ack_seconds_count") >= 2 else []

        samples = wait_for(both_recorded, what="both acks recorded")
    finally:
        server.shutdown()
    assert value(samples, "falbot_ack_seconds_count") == 2
    # 0.4 s for the first, up to 0.8 s for the one that waited (0.4 s if the wait were lost): only
    # the first is within 0.5 s, as long as the second arrived within 0.3 s of the first's start
    assert value(samples, "falbot_ack_seconds_bucket", le="0.5") == 1
    assert value(samples, "falbot_ack_seconds_sum") >= 0.9
