"""Slack's side of Socket Mode for tests: a loopback WebSocket server (the `websockets` package)
that greets like Slack, sends real envelopes (tests/fixtures/slack/*.jsonl) and collects the acks."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.conftest import FIXTURES

SLACK_FIXTURES = FIXTURES / "slack"


def frames(name: str) -> list[dict[str, Any]]:
    lines = (SLACK_FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def hello() -> dict[str, Any]:
    return next(
        f for f in frames("socket_mode_control_frames.bolt_js_issue_1061.jsonl") if f["type"] == "hello"
    )


def slash_command_envelope(text: str) -> dict[str, Any]:
    envelope = next(
        f for f in frames("socket_mode_envelopes.bolt_tests.jsonl") if f["type"] == "slash_commands"
    )
    envelope["payload"].update(command="/fal", text=text)
    return envelope


class SlackSocket:
    """Slack's side of one Socket Mode connection: greets, sends envelopes, collects what comes back."""

    def __init__(self, envelopes: list[dict[str, Any]]):
        self.envelopes = envelopes
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connections = 0
        self.connection: ServerConnection | None = None
        self.greeted = threading.Event()
        self.server: Server = serve(self._session, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self.server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=fake-ticket&app_id=A111"

    def _session(self, connection: ServerConnection) -> None:
        self.connections += 1
        self.connection = connection
        try:
            connection.send(json.dumps(hello()))
            for envelope in self.envelopes:
                connection.send(json.dumps(envelope))
            self.greeted.set()
            for message in connection:
                self.received.put(json.loads(message))
        except ConnectionClosed:  # the built-in client drops TCP without a close frame
            pass

    def send(self, envelope: dict[str, Any]) -> None:
        """Deliver one more envelope on the open connection (sends are thread-safe in websockets)."""
        assert self.connection is not None
        self.connection.send(json.dumps(envelope))

    def ack_for(self, envelope_id: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no acknowledgement for envelope {envelope_id}")
            message = self.received.get(timeout=remaining)
            if message.get("envelope_id") == envelope_id:
                return message
