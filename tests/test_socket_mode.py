"""`fal-bot run` in Socket Mode, wired end to end without Slack.

The fake Web API (tests/support/fake_slack.py) answers `apps.connections.open` with a ws:// URL on
a loopback WebSocket server (the `websockets` package) that plays Slack's side: a `hello` frame,
then a real slash-command envelope from tests/fixtures/slack/socket_mode_envelopes.bolt_tests.jsonl;
the test checks the acknowledgement envelope comes back over the socket, that /healthz works in
this mode, and that SIGTERM stops the process in time.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_slack import FakeSlack
from tests.support.process import APP_TOKEN, EXIT_WITHIN, BotProcess, bot_env, run_to_exit
from tests.support.socket_mode import SlackSocket, frames, slash_command_envelope

pytestmark = pytest.mark.slow  # every test here starts fal-bot as a process


@pytest.fixture
def slack_socket() -> Iterator[SlackSocket]:
    socket_server = SlackSocket([slash_command_envelope("help")])
    socket_server.thread.start()
    yield socket_server
    socket_server.server.shutdown()


@pytest.fixture
def fake_slack(slack_socket: SlackSocket) -> Iterator[FakeSlack]:
    with FakeSlack(ws_url=slack_socket.url) as fake:
        yield fake


def test_socket_mode_connects_acks_a_slash_command_and_stops_on_sigterm(
    fake_slack: FakeSlack, slack_socket: SlackSocket, tmp_path: Path
) -> None:
    # SLACK_APP_TOKEN set and no --mode: Socket Mode by default; no signing secret needed.
    env = bot_env(
        fake_slack,
        tmp_path / "bot.db",
        "http://127.0.0.1:9",
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET="<unset>",
    )
    bot = BotProcess(env).start()
    try:
        envelope_id = slack_socket.envelopes[0]["envelope_id"]
        ack = slack_socket.ack_for(envelope_id)
        assert "subscribe" in json.dumps(ack.get("payload"))  # /fal help answered in the ack
        assert fake_slack.calls("apps.connections.open")

        bot.wait_until_serving()
        status, body = bot.health()
        assert status == 200 and body["ok"] is True, body
    finally:
        if bot.process.poll() is None:
            code, took = bot.terminate_and_wait(EXIT_WITHIN)
        else:
            code, took = bot.process.returncode, 0.0
    assert code == 0, bot.stderr()
    assert took < EXIT_WITHIN
    stderr = bot.stderr()
    assert APP_TOKEN not in stderr and "fal-bot is running in Socket mode" in stderr


def test_an_app_token_slack_refuses_stops_start_up_with_exit_2(fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.fail("apps.connections.open", "invalid_auth", times=None)
    env = bot_env(fake_slack, tmp_path / "bot.db", "http://127.0.0.1:9", SLACK_APP_TOKEN=APP_TOKEN)
    result = run_to_exit(env, "--mode", "socket")
    assert result.returncode == 2, result.stderr
    (last,) = result.stderr.strip().splitlines()
    assert last.startswith("fal-bot: SLACK_APP_TOKEN was refused by Slack (invalid_auth")
    assert "App-Level Tokens" in last
    assert APP_TOKEN not in result.stderr


def _event_envelope(event_id: str) -> dict[str, Any]:
    envelope = next(f for f in frames("socket_mode_envelopes.bolt_tests.jsonl") if f["type"] == "events_api")
    envelope["envelope_id"] = f"env-{event_id}"
    envelope["payload"]["event_id"] = event_id
    return envelope


def test_sigterm_in_socket_mode_lets_the_envelope_in_flight_ack_before_disconnecting(
    fake_slack: FakeSlack, slack_socket: SlackSocket, tmp_path: Path
) -> None:
    """The event waits on the database (held by the test) when SIGTERM arrives; its ack still goes
    out over the socket, then the process exits 0 in time."""
    env = bot_env(fake_slack, tmp_path / "bot.db", "http://127.0.0.1:9", SLACK_APP_TOKEN=APP_TOKEN)
    bot = BotProcess(env).start()
    holder: sqlite3.Connection | None = None
    try:
        assert slack_socket.greeted.wait(30), "fal-bot never connected"
        slack_socket.ack_for(slack_socket.envelopes[0]["envelope_id"])
        holder = sqlite3.connect(bot.db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        envelope = _event_envelope("EvSocketInFlight")
        slack_socket.send(envelope)
        time.sleep(1.0)  # the envelope is being handled: its retry check waits for the database
        assert slack_socket.received.empty()
        sent_at = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert bot.process.poll() is None, "exited before the envelope in flight was acknowledged"
        holder.execute("ROLLBACK")
        ack = slack_socket.ack_for(envelope["envelope_id"], timeout=10)
        assert ack["envelope_id"] == envelope["envelope_id"]
        assert bot.process.wait(timeout=EXIT_WITHIN + 5) == 0
        assert time.monotonic() - sent_at < EXIT_WITHIN
    finally:
        if holder is not None:
            holder.close()
        if bot.process.poll() is None:
            bot.process.kill()
            bot.process.wait()


def test_an_unreachable_websocket_host_is_named_not_the_web_api(tmp_path: Path) -> None:
    # apps.connections.open answers (the Web API is fine) with a URL whose host takes no connection:
    # the last line names the WebSocket host, so nobody goes checking access to slack.com/api
    with FakeSlack(ws_url="ws://127.0.0.1:9/link/?ticket=fake-ticket&app_id=A111") as fake:
        env = bot_env(fake, tmp_path / "bot.db", "http://127.0.0.1:9", SLACK_APP_TOKEN=APP_TOKEN)
        result = run_to_exit(env, "--mode", "socket")
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("fal-bot: Slack's Web API answered, but its WebSocket host 127.0.0.1 could not be")
    assert "wss://" in last and "Web API at" not in last
    assert APP_TOKEN not in result.stderr
