"""Helpers for the alert tests that run `fal-bot run` as a process: times as the status page
writes them, what the bot posted in a channel, and a Slack that answers posts late."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from typing import Any

from bot.alerts.sender import METADATA_EVENT_TYPE
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import Request, Response
from tests.support.slack_harness import wait_for


def now_iso(offset_seconds: float = 0.0) -> str:
    return datetime.fromtimestamp(time.time() + offset_seconds, UTC).isoformat().replace("+00:00", "Z")


wait_until = functools.partial(wait_for, timeout=15.0)  # process tests: a longer default


def alerts(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """Top-level alert messages the bot posted in `channel`."""
    return [
        m
        for m in fake.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT_TYPE and "thread_ts" not in m
    ]


def replies(fake: FakeSlack, channel: str, parent_ts: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel) if m.get("thread_ts") == parent_ts]


class SlowPosts:
    """Slack records each post at once but answers it late: a kill lands between the two."""

    def __init__(self, fake: FakeSlack, delay: float):
        self.delay = delay
        self._handler = fake.server.handler
        fake.server.handler = self

    def __call__(self, request: Request) -> Response:
        response = self._handler(request)
        if self.delay and request.path.endswith("/chat.postMessage"):
            response.delay = self.delay
        return response
