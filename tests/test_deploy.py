"""deploy/grafana-dashboard.json and deploy/alerts.yml name only metrics that GET /metrics serves,
and the alert rules cover what the issue asks for."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import PrometheusMetrics
from bot.runtime.health import Health
from bot.runtime.http import HttpServer, Router

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = REPO / "deploy" / "grafana-dashboard.json"
ALERTS = REPO / "deploy" / "alerts.yml"
METRIC_NAME = re.compile(r"\bfalbot_[a-z0-9_]+")


@pytest.fixture
def served_names() -> Iterator[set[str]]:
    """Every metric and sample name /metrics serves, read over HTTP from the real Router."""
    metrics = PrometheusMetrics(mode="http")
    metrics.watch_outbox(lambda: 0)
    metrics.watch_status(lambda: "operational", lambda: 1.0)
    metrics.watch_leader(lambda: True)
    server = HttpServer(Router(Health(None), None, metrics), "127.0.0.1", 0)
    server.start()
    try:
        text = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=10).text
    finally:
        server.shutdown()
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    # Counters with no sample yet are still declared: `# TYPE falbot_x_total counter`.
    names.update(re.findall(r"^# (?:HELP|TYPE) (falbot_[a-z0-9_]+)", text, flags=re.MULTILINE))
    yield names


def _expressions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from _expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _expressions(item)


def test_every_metric_the_dashboard_and_the_rules_name_is_served(served_names: set[str]) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    named: set[str] = set()
    for document in (dashboard, rules):
        expressions = list(_expressions(document))
        assert expressions
        for expression in expressions:
            found = set(METRIC_NAME.findall(expression))
            assert found, f"an expression names no fal-bot metric: {expression}"
            named |= found
    assert named - served_names == set()
    # Between them they show every metric the contract lists.
    contract = {
        "falbot_build_info",
        "falbot_requests_total",
        "falbot_ack_seconds_bucket",
        "falbot_diagnoses_total",
        "falbot_alerts_sent_total",
        "falbot_outbox_pending",
        "falbot_status_level",
        "falbot_status_age_seconds",
        "falbot_slack_api_errors_total",
        "falbot_leader",
    }
    assert contract <= named


def test_the_rules_cover_outbox_status_page_leader_and_slow_acks() -> None:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    by_name = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert "falbot_outbox_pending" in by_name["FalBotOutboxBackingUp"]["expr"]
    assert 'falbot_status_level{level="unknown"}' in by_name["FalBotStatusPageUnreadable"]["expr"]
    assert "absent(falbot_leader)" in by_name["FalBotNoLeader"]["expr"]
    slow = by_name["FalBotSlowAcks"]["expr"]
    assert "histogram_quantile(0.99" in slow and "falbot_ack_seconds_bucket" in slow and slow.endswith("> 1")
    for rule in by_name.values():
        assert rule["annotations"]["summary"] and "severity" in rule["labels"]


def test_the_dashboard_is_importable() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] == "fal-bot" and dashboard["panels"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}"
        assert {"x", "y", "w", "h"} <= panel["gridPos"].keys()
