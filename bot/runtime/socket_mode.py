"""Socket Mode with metrics: Bolt's handler, counting each request and timing its ack.

Slack waits from the moment it sends an envelope until the ack comes back on the WebSocket. The
built-in client queues each received message, and a worker thread later runs the listeners that
ack it; the ack time is measured from the message's receipt (`enqueue_message`) to the ack sent
(the end of `handle`, after `send_socket_mode_response`), so time spent waiting in the queue counts.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin.client import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.metrics import Metrics, Surface

# Socket Mode envelope types -> falbot_requests_total's surfaces
ENVELOPE_SURFACES: dict[str, Surface] = {
    "slash_commands": "command",
    "events_api": "event",
    "interactive": "interactive",
}
# Receipt times of messages not yet picked up; bounded in case some are never processed (disconnect).
MAX_WAITING = 10_000


class TimedSocketModeHandler(SocketModeHandler):
    def __init__(self, app: App, app_token: str, metrics: Metrics):
        super().__init__(app, app_token)
        self.metrics = metrics
        self._received: dict[int, float] = {}  # id(raw message) -> receipt time, while it is queued
        self._current = threading.local()  # the receipt time of the message this worker handles
        client: Any = self.client
        enqueue = client.enqueue_message

        def enqueue_noting_receipt(message: str) -> None:
            if len(self._received) > MAX_WAITING:
                self._received.clear()
            self._received[id(message)] = time.monotonic()
            enqueue(message)

        # The client calls self.enqueue_message for every message it receives; an instance attribute
        # is the one hook it has before the queue (on_message_listeners run after enqueueing).
        client.enqueue_message = enqueue_noting_receipt
        # Message listeners run in the worker thread just before the request listeners (`handle`).
        client.message_listeners.insert(0, self._note_current)

    def _note_current(self, client: BaseSocketModeClient, message: dict[str, Any], raw: str | None) -> None:
        self._current.received = self._received.pop(id(raw), None)

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        received = getattr(self._current, "received", None) or time.monotonic()
        self._current.received = None
        surface = ENVELOPE_SURFACES.get(req.type)
        if surface is not None:
            self.metrics.request(surface)
        super().handle(client, req)
        if surface is not None:
            self.metrics.observe_ack(time.monotonic() - received)
