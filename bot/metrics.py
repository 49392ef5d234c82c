"""What `fal-bot run` counts and times, for `GET /metrics` (Prometheus text format).

`Metrics` is the interface every layer records through; it records nothing, so tools and tests that
build parts on their own need no registry. `PrometheusMetrics` records into a registry of its own
(never prometheus-client's global default: two apps in one process, or two tests, never share
counts) and renders it with prometheus-client's exposition. `fal-bot run` builds one and passes it
down through the wiring; the services layer only ever calls the methods below.

Readings that already live elsewhere (the outbox in the database, the status monitor's level and
age, whether this process polls) are not copied into gauges: a collector reads them at scrape time.

No label carries a user, a channel, a message or a team: `surface`, `category`, `verdict`,
`method`, `error` and `level` all come from small fixed sets (Slack's error codes, the knowledge
base's categories). A multi-workspace install would add `team` (an id) where it matters; this one
serves one workspace, so none has it.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable, Iterable, Iterator
from typing import Literal, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, Info
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from bot import __version__
from bot.keys import redact

log = logging.getLogger(__name__)

Surface = Literal["command", "event", "interactive"]
SURFACES: tuple[Surface, ...] = ("command", "event", "interactive")
# Every level /fal status can show (bot.status.models.Level), in the order of LEVEL_ORDER plus unknown.
LEVELS = ("operational", "maintenance", "degraded", "partial_outage", "major_outage", "unknown")
# Slack gives up on an ack after 3 s: fine steps below 100 ms (where acks should be), then up to it.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
MAX_LABEL_CHARS = 64

T = TypeVar("T")


def label_value(value: str) -> str:
    """A label value from a fixed vocabulary, kept to [A-Za-z0-9_.-] and MAX_LABEL_CHARS, so a
    surprising error string can neither carry text nor grow the series without bound."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else "_" for c in redact(value))
    return cleaned[:MAX_LABEL_CHARS] or "none"


class Metrics:
    """What the app records. This base records nothing (FAL_BOT_METRICS=0, tools, tests)."""

    enabled = False

    def request(self, surface: Surface) -> None:
        """A signed Slack request of this kind arrived (a slash command, an event, an interaction)."""

    def observe_ack(self, seconds: float) -> None:
        """How long Slack waited for an ack: from the request's arrival to the ack's last byte."""

    def diagnosed(self, category: str, verdict: str) -> None:
        """A paste was read: the category of its first match ("none") and what came of it."""

    def alert_sent(self) -> None:
        """An outbox row (an alert, an update in its thread, a notice) reached its channel."""

    def slack_api_error(self, method: str, error: str) -> None:
        """A Web API call failed: Slack's error code, or the exception's name when none came back."""

    def watch_outbox(self, pending: Callable[[], int]) -> None:
        """Read the number of unsent outbox rows at scrape time."""

    def watch_status(self, level: Callable[[], str], age_seconds: Callable[[], float | None]) -> None:
        """Read the status monitor's current level and the age of its last poll at scrape time."""

    def watch_leader(self, polling: Callable[[], bool]) -> None:
        """Read whether this process is the one polling the status page at scrape time."""

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The body and Content-Type for GET /metrics."""
        raise LookupError("metrics are off")


class PrometheusMetrics(Metrics):
    """Metrics in a prometheus-client registry of this instance's own."""

    enabled = True

    def __init__(self, *, mode: str = "") -> None:
        self.registry = CollectorRegistry()
        build = Info("falbot_build", "The running fal-bot's version", registry=self.registry)
        build.info({"version": __version__, "python": platform.python_version(), "mode": mode or "none"})
        self._requests = Counter(
            "falbot_requests",
            "Signed Slack requests received, by surface (command, event, interactive)",
            ["surface"],
            registry=self.registry,
        )
        for surface in SURFACES:  # every surface is shown from the start, at 0
            self._requests.labels(surface)
        self._ack = Histogram(
            "falbot_ack_seconds",
            "From a Slack request's arrival to the ack's last byte (HTTP) or the ack sent (Socket Mode)",
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self._diagnoses = Counter(
            "falbot_diagnoses",
            "Pastes diagnosed, by the first match's category and the verdict",
            ["category", "verdict"],
            registry=self.registry,
        )
        self._alerts_sent = Counter(
            "falbot_alerts_sent", "Outbox rows delivered to Slack channels", registry=self.registry
        )
        self._slack_errors = Counter(
            "falbot_slack_api_errors",
            "Slack Web API calls that failed, by method and error",
            ["method", "error"],
            registry=self.registry,
        )
        self._readings = _ScrapeTimeReadings()
        self.registry.register(self._readings)

    def request(self, surface: Surface) -> None:
        self._requests.labels(surface).inc()

    def observe_ack(self, seconds: float) -> None:
        self._ack.observe(max(0.0, seconds))

    def diagnosed(self, category: str, verdict: str) -> None:
        self._diagnoses.labels(label_value(category), label_value(verdict)).inc()

    def alert_sent(self) -> None:
        self._alerts_sent.inc()

    def slack_api_error(self, method: str, error: str) -> None:
        self._slack_errors.labels(label_value(method), label_value(error)).inc()

    def watch_outbox(self, pending: Callable[[], int]) -> None:
        self._readings.outbox_pending = pending

    def watch_status(self, level: Callable[[], str], age_seconds: Callable[[], float | None]) -> None:
        self._readings.status_level = level
        self._readings.status_age = age_seconds

    def watch_leader(self, polling: Callable[[], bool]) -> None:
        self._readings.leader = polling

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


class _ScrapeTimeReadings(Collector):
    """Gauges read when /metrics is scraped; a reading that fails is left out of that scrape."""

    def __init__(self) -> None:
        self.outbox_pending: Callable[[], int] | None = None
        self.status_level: Callable[[], str] | None = None
        self.status_age: Callable[[], float | None] | None = None
        self.leader: Callable[[], bool] | None = None

    def describe(self) -> Iterable[Metric]:
        # Names only: registering must not call the readings (the database may not be open yet).
        return list(self._families())

    def collect(self) -> Iterable[Metric]:
        return list(self._families(read=True))

    def _families(self, read: bool = False) -> Iterator[Metric]:
        outbox = GaugeMetricFamily("falbot_outbox_pending", "Alert outbox rows not yet delivered")
        level = GaugeMetricFamily(
            "falbot_status_level",
            "fal's status level: 1 for the current level, 0 for the others",
            labels=["level"],
        )
        age = GaugeMetricFamily("falbot_status_age_seconds", "Seconds since the last status-page poll ended")
        leader = GaugeMetricFamily(
            "falbot_leader", "1 on the process that polls the status page and sends alerts"
        )
        if read:
            pending = _read("outbox_pending", self.outbox_pending)
            if pending is not None:
                outbox.add_metric([], float(pending))
            current = _read("status_level", self.status_level)
            if current is not None:
                for name in LEVELS:
                    level.add_metric([name], 1.0 if current == name else 0.0)
            seconds = _read("status_age_seconds", self.status_age)
            if seconds is not None:
                age.add_metric([], float(seconds))
            polling = _read("leader", self.leader)
            if polling is not None:
                leader.add_metric([], 1.0 if polling else 0.0)
        yield from (outbox, level, age, leader)


def _read(name: str, reading: Callable[[], T] | None) -> T | None:
    if reading is None:
        return None
    try:
        return reading()
    except Exception as exc:  # a scrape must answer even when the database is locked or gone
        log.warning("metrics: could not read %s (%s)", name, type(exc).__name__)
        return None
