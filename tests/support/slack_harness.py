"""Everything a Slack surface test needs, real parts only: the Bolt app from create_app served over
loopback HTTP, the fake Slack Web API, a fake status page, a real SQLite store and the real diagnoser.

    with SlackHarness(tmp_path, page_url=page.url) as h:
        h.send(signing.slash_command("status", response_url=h.fake.new_response_url()))
        wait_for(lambda: h.fake.responses())
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from slack_bolt import App

from bot.diagnosis import Diagnoser, load_knowledge
from bot.settings import Settings
from bot.slack.app import build_services, create_app
from bot.status import StatusClient, StatusMonitor
from bot.store import Store
from tests.support.bolt_server import BoltServer
from tests.support.fake_slack import FakeSlack
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET, SlackRequest, SlackSender

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], timeout: float = 5.0, interval: float = 0.02, *, what: str = "condition"
) -> T:
    """Poll `condition` until it returns something truthy (bounded; never a fixed sleep); the
    failure names `what` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(interval)


@functools.cache
def shared_diagnoser() -> Diagnoser:
    """The packaged knowledge base, loaded once per test session."""
    return Diagnoser(load_knowledge())


class SlackHarness:
    def __init__(
        self,
        tmp_path: Path,
        *,
        page_url: str = "http://127.0.0.1:9",
        status_deadline: float = 2.0,
        fake: FakeSlack | None = None,
        db_path: Path | None = None,
        **settings: Any,
    ):
        self.fake = fake or FakeSlack()
        self._own_fake = fake is None
        self.tmp_path = tmp_path
        self.db_path = db_path or tmp_path / "fal-bot.db"
        self.page_url = page_url
        self.status_deadline = status_deadline
        self.extra_settings = settings
        self.app: App | None = None
        self.server: BoltServer | None = None
        self.sender: SlackSender | None = None

    def __enter__(self) -> SlackHarness:
        if self._own_fake:
            self.fake.start()
        self.settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=self.fake.api_url,
            fal_status_url=self.page_url,
            fal_bot_db=self.db_path,
            fal_bot_status_deadline_seconds=self.status_deadline,
            **self.extra_settings,
        )
        self.store = Store(self.db_path)
        self.status_client = StatusClient(self.page_url, deadline_seconds=self.status_deadline)
        self.monitor = StatusMonitor(self.status_client, poll_seconds=60)
        self.services = build_services(
            self.settings, store=self.store, monitor=self.monitor, diagnoser=shared_diagnoser()
        )
        self.app = create_app(self.services)
        self.server = BoltServer(self.app).start()
        self.sender = SlackSender(self.server.events_url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.sender:
            self.sender.close()
        if self.server:
            self.server.stop()
        if self.app is not None:
            # Let work still running (retrying a scripted 429, waiting on a hung page) end against
            # live fakes rather than fail noisily against stopped ones.
            self.fake.clear_failures()
            self.services.shutdown(timeout=15)
        self.monitor.stop()
        self.status_client.close()
        if self._own_fake:
            self.fake.stop()

    def send(self, request: SlackRequest, **kwargs: Any) -> httpx.Response:
        assert self.sender is not None
        return self.sender.send(request, **kwargs)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until background work submitted so far has finished."""
        assert self.app is not None
        assert self.services.wait_idle(timeout), "background work did not finish"
