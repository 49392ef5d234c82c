"""The HTTP stack of `fal-bot run --mode http` in this process: the app from create_app behind
VerifiedSlackHandler (with the store as replay guard), the Router and the waitress HttpServer on
loopback, its Web API calls going to the fake Slack. For tests that need the server's insides
(connection limits, read deadlines) or many requests without a process per test.

    with serve_app(tmp_path, connection_limit=40) as served:
        served.post(body, content_type)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bot.runtime.health import Health
from bot.runtime.http import HttpServer, Router, VerifiedSlackHandler
from bot.runtime.replay import SeenRequests
from bot.runtime.slack_request import SlackHandler
from bot.settings import Settings
from bot.slack import commands
from bot.slack.app import build_services, create_app
from bot.status import StatusClient, StatusMonitor
from bot.store import Store
from tests.support.fake_slack import FakeSlack
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET, signed_headers
from tests.support.slack_harness import shared_diagnoser


@dataclass
class Served:
    fake: FakeSlack
    store: Store
    server: HttpServer
    monitor: StatusMonitor

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/slack/events"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/healthz"

    def post(self, body: bytes, content_type: str, timeout: float = 10, **headers: str) -> httpx.Response:
        all_headers = {**signed_headers(body, content_type), **headers}
        return httpx.post(self.url, content=body, headers=all_headers, timeout=timeout)


@contextmanager
def serve_app(
    home: Path,
    *,
    status_url: str = "http://127.0.0.1:9",
    answer_before_bolt: bool = True,
    **http_options: Any,
) -> Iterator[Served]:
    """`status_url`: nothing answers there unless given (a fake status page's). `answer_before_bolt=
    False`: every command goes through Bolt, as before the HTTP layer answered ack-only commands
    itself (to compare the two)."""
    fake = FakeSlack().start()
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        fal_status_url=status_url,
        fal_bot_db=home / "bot.db",
        fal_bot_status_deadline_seconds=1.0,
    )
    store = Store(home / "bot.db")
    monitor = StatusMonitor(StatusClient(status_url, deadline_seconds=1.0), poll_seconds=60)
    services = build_services(settings, store=store, monitor=monitor, diagnoser=shared_diagnoser())
    app = create_app(services)
    handler = VerifiedSlackHandler(
        SlackHandler(app),
        SIGNING_SECRET,
        replays=SeenRequests(store),
        answer_at_once=partial(commands.answer_before_bolt, services) if answer_before_bolt else None,
    )
    server = HttpServer(Router(Health(None), handler), "127.0.0.1", 0, **http_options)
    server.start()
    try:
        yield Served(fake, store, server, monitor)
    finally:
        server.shutdown(timeout=2)
        services.shutdown(timeout=10)
        monitor.stop()
        fake.stop()
