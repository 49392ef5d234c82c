"""`fal-bot run` as a real process: start-up checks, HTTP serving, /healthz, SIGTERM.

The process talks to loopback fakes only: Slack's Web API (tests/support/fake_slack.py) through
SLACK_API_URL and a status page through FAL_STATUS_URL. Requests are signed exactly as Slack signs
them, built from the fixtures in tests/fixtures/slack/.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.alerts.token_watch import TokenWatch
from bot.runtime.health import Health, database_writable, monitor_running
from bot.runtime.http import HttpServer, Router
from bot.status import StatusClient, StatusMonitor
from bot.store import Store
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import EXIT_WITHIN, BotProcess, bot_env, run_to_exit
from tests.support.signing import (
    BOT_TOKEN,
    JSON,
    SIGNING_SECRET,
    SlackSender,
    event,
    signed_headers,
    slash_command,
    url_verification,
)
from tests.support.status_page import FakeStatusPage


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def status_page(loopback: type[LoopbackServer]) -> FakeStatusPage:
    return FakeStatusPage(loopback, flavour="instatus")


@pytest.fixture
def running_bot(fake_slack: FakeSlack, status_page: FakeStatusPage, tmp_path: Path) -> Iterator[BotProcess]:
    with BotProcess(bot_env(fake_slack, tmp_path / "bot.db", status_page.url), "--mode", "http") as bot:
        yield bot.wait_until_serving()


# --- HTTP mode end to end ----------------------------------------------------------------------------


@pytest.mark.slow
def test_http_mode_answers_signed_requests_and_stops_on_sigterm(
    running_bot: BotProcess, fake_slack: FakeSlack
) -> None:
    sender = SlackSender(running_bot.events_url)
    try:
        answer = sender.send(slash_command("help", response_url=fake_slack.new_response_url()))
        assert answer.status_code == 200
        assert "subscribe" in answer.text and "diagnose" in answer.text

        challenge = sender.send(url_verification())
        assert challenge.status_code == 200
        assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in challenge.text

        forged = sender.send(
            slash_command("help", response_url=fake_slack.new_response_url()), secret="wrong"
        )
        assert forged.status_code == 401
        stale = sender.send(
            slash_command("help", response_url=fake_slack.new_response_url()), timestamp=time.time() - 600
        )
        assert stale.status_code == 401
    finally:
        sender.close()

    assert httpx.get(f"{running_bot.base}/elsewhere").status_code == 404
    assert httpx.get(running_bot.events_url).status_code == 405

    code, took = running_bot.terminate_and_wait(EXIT_WITHIN)
    assert code == 0
    assert took < EXIT_WITHIN
    stderr = running_bot.stderr()
    assert BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr


@pytest.mark.slow
def test_http_mode_refuses_replays_and_unusable_bodies_and_remembers_across_a_restart(
    running_bot: BotProcess, fake_slack: FakeSlack
) -> None:
    """The wiring of bot/runtime/replay.py and bot/runtime/slack_request.py into `fal-bot run` (their
    own tests are tests/test_server_requests.py)."""
    request = slash_command("help", response_url=fake_slack.new_response_url())
    headers = request.headers()
    unusable = b'{"type": "event_callback", "event": null}'
    with httpx.Client(timeout=10) as client:
        assert client.post(running_bot.events_url, content=request.body, headers=headers).status_code == 200
        assert client.post(running_bot.events_url, content=request.body, headers=headers).status_code == 401
        odd = client.post(running_bot.events_url, content=unusable, headers=signed_headers(unusable, JSON))
        assert odd.status_code == 400
    code, _ = running_bot.terminate_and_wait(EXIT_WITHIN)
    assert code == 0
    running_bot.start().wait_until_serving()
    with httpx.Client(timeout=10) as client:
        assert client.post(running_bot.events_url, content=request.body, headers=headers).status_code == 401
    assert "Traceback" not in running_bot.stderr()


@pytest.mark.slow
def test_healthz_reports_level_and_age_once_the_status_page_was_read(running_bot: BotProcess) -> None:
    deadline = time.monotonic() + 20
    status, body = running_bot.health()
    while body["level"] == "unknown" and time.monotonic() < deadline:
        time.sleep(0.2)
        status, body = running_bot.health()
    assert status == 200
    assert body["ok"] is True
    assert body["level"] == "operational"
    assert isinstance(body["status_age_seconds"], int | float) and body["status_age_seconds"] >= 0


@pytest.mark.slow
def test_healthz_stays_200_with_level_unknown_when_the_status_page_cannot_be_read(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    # Nothing listens on port 9: every poll fails fast, and the app can still answer Slack.
    bot = BotProcess(bot_env(fake_slack, tmp_path / "bot.db", "http://127.0.0.1:9"), "--mode", "http").start()
    try:
        bot.wait_until_serving()
        deadline = time.monotonic() + 20
        status, body = bot.health()
        while body["status_age_seconds"] is None and time.monotonic() < deadline:
            time.sleep(0.2)
            status, body = bot.health()
        assert (status, body["ok"], body["level"]) == (200, True, "unknown")
        assert body["status_age_seconds"] is not None
    finally:
        assert bot.terminate_and_wait(EXIT_WITHIN)[0] == 0


@pytest.mark.slow
def test_healthz_is_503_while_the_database_cannot_be_written(running_bot: BotProcess) -> None:
    holder = sqlite3.connect(running_bot.db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock: fal-bot cannot write
        status, body = running_bot.health()
        assert status == 503
        assert body["ok"] is False
        assert "database" in body["problems"]
        holder.execute("ROLLBACK")
        status, body = running_bot.health()
        assert status == 200 and body["ok"] is True
    finally:
        holder.close()


@pytest.mark.slow
def test_sigterm_lets_the_request_in_flight_finish_and_refuses_new_ones(
    running_bot: BotProcess, fake_slack: FakeSlack
) -> None:
    """An event waits on the database (held by the test) while SIGTERM arrives: it still gets its
    200, later requests do not get in, and the process exits 0 in time."""
    holder = sqlite3.connect(running_bot.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    results: list[int] = []
    sender = SlackSender(running_bot.events_url, timeout=30)

    def send_mention() -> None:
        request = event("app_mention.bolt_tests.json", event_id="EvInFlight1")
        results.append(sender.send(request).status_code)

    in_flight = threading.Thread(target=send_mention)
    in_flight.start()
    try:
        time.sleep(1.0)  # the event is now inside the app, waiting for the database
        assert not results
        sent_at = time.monotonic()
        running_bot.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert running_bot.process.poll() is None, "exited before the request in flight finished"
        try:
            refused: object = httpx.post(running_bot.events_url, content=b"{}", timeout=3).status_code
        except httpx.TransportError:
            refused = "connection refused"
        assert refused in (503, "connection refused")
        holder.execute("ROLLBACK")
        in_flight.join(15)
        assert results == [200]
        code = running_bot.process.wait(timeout=EXIT_WITHIN + 5)
        assert code == 0
        assert time.monotonic() - sent_at < EXIT_WITHIN
    finally:
        holder.close()
        sender.close()


# --- start-up checks ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("changes", "args", "variable", "hint"),
    [
        ({"SLACK_BOT_TOKEN": "<unset>"}, ("--mode", "http"), "SLACK_BOT_TOKEN", "OAuth & Permissions"),
        (
            {"SLACK_BOT_TOKEN": "xapp-1-A1-2-looksliketheapptoken0001"},
            ("--mode", "http"),
            "SLACK_BOT_TOKEN",
            "Bot User OAuth Token",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxp-1111-2222-usertokenvalue0002"},
            ("--mode", "http"),
            "SLACK_BOT_TOKEN",
            "xoxb-",
        ),
        (
            {"SLACK_APP_TOKEN": "xoxb-9999-misplacedbottoken0003"},
            (),
            "SLACK_APP_TOKEN",
            "App-Level Tokens, with scope connections:write",
        ),
        ({}, ("--mode", "socket"), "SLACK_APP_TOKEN", "connections:write"),
        (
            {"SLACK_SIGNING_SECRET": "<unset>"},
            ("--mode", "http"),
            "SLACK_SIGNING_SECRET",
            "App Credentials → Signing Secret",
        ),
        (
            {"FAL_BOT_POLL_SECONDS": "0"},
            ("--mode", "http"),
            "FAL_BOT_POLL_SECONDS",
            "greater than or equal to 1",
        ),
        # The README's placeholders copied as they are.
        ({"SLACK_BOT_TOKEN": "xoxb-…"}, ("--mode", "http"), "SLACK_BOT_TOKEN", "placeholder"),
        ({"SLACK_APP_TOKEN": "xapp-…"}, (), "SLACK_APP_TOKEN", "placeholder"),
    ],
    ids=[
        "no-bot-token",
        "app-token-as-bot-token",
        "user-token",
        "bad-app-token",
        "socket-without-app-token",
        "http-without-secret",
        "poll-seconds-0",
        "placeholder-bot-token",
        "placeholder-app-token",
    ],
)
def test_start_up_refuses_what_cannot_work_with_one_line_naming_the_variable(
    tmp_path: Path, changes: dict[str, str], args: tuple[str, ...], variable: str, hint: str
) -> None:
    env = bot_env(None, tmp_path / "bot.db", "http://127.0.0.1:9", **changes)
    result = run_to_exit(env, *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and hint in lines[0]
    for value in (*changes.values(), BOT_TOKEN, SIGNING_SECRET):
        # (a placeholder such as "xoxb-…" is no secret, and the hint itself shows that shape)
        if (value.startswith(("xox", "xapp")) and not value.endswith("…")) or value == SIGNING_SECRET:
            assert value not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("error", ["invalid_auth", "not_authed", "token_revoked", "account_inactive"])
def test_a_bot_token_slack_refuses_stops_start_up_with_exit_2(
    fake_slack: FakeSlack, tmp_path: Path, error: str
) -> None:
    fake_slack.fail("auth.test", error, times=None)
    result = run_to_exit(bot_env(fake_slack, tmp_path / "bot.db", "http://127.0.0.1:9"), "--mode", "http")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_BOT_TOKEN" in lines[0] and error in lines[0] and "OAuth & Permissions" in lines[0]
    assert BOT_TOKEN not in result.stderr
    assert len(fake_slack.calls("auth.test")) == 1  # a refused token is not retried


@pytest.mark.slow
def test_start_up_retries_a_slack_hiccup_then_runs(fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.fail("auth.test", "internal_error", status=500, times=2)
    bot = BotProcess(bot_env(fake_slack, tmp_path / "bot.db", "http://127.0.0.1:9"), "--mode", "http").start()
    try:
        bot.wait_until_serving()
        assert bot.health()[0] == 200
    finally:
        assert bot.terminate_and_wait(EXIT_WITHIN)[0] == 0


@pytest.mark.slow
def test_unreachable_slack_at_start_up_exits_1_after_retrying(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_to_exit(bot_env(None, tmp_path / "bot.db", "http://127.0.0.1:9"), "--mode", "http")
    took = time.monotonic() - started
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("fal-bot: cannot reach Slack's Web API at http://127.0.0.1:9/api/")
    assert 10 < took < 50


@pytest.mark.slow
def test_sigterm_during_start_up_retries_exits_0_promptly(tmp_path: Path) -> None:
    bot = BotProcess(bot_env(None, tmp_path / "bot.db", "http://127.0.0.1:9"), "--mode", "http").start()
    deadline = time.monotonic() + 20
    while "retrying in" not in bot.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "retrying in" in bot.stderr(), "auth.test is failing and being retried"  # now in its pause
    assert bot.process.poll() is None
    code, took = bot.terminate_and_wait(EXIT_WITHIN)
    assert code == 0
    assert took < 5


@pytest.mark.slow
def test_port_in_use_in_http_mode_is_a_configuration_error(fake_slack: FakeSlack, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_env(fake_slack, tmp_path / "bot.db", "http://127.0.0.1:9")
        result = run_to_exit(env, "--mode", "http", port=port)
    assert result.returncode == 2
    assert f"PORT {port}" in result.stderr.strip().splitlines()[-1]


# --- /healthz checks in process (conditions a subprocess cannot easily produce) -----------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "health.db")


def _get(server: HttpServer) -> tuple[int, dict[str, Any]]:
    answer = httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=10)
    return answer.status_code, answer.json()


def test_healthz_is_503_once_the_status_monitor_thread_is_gone(
    store: Store, status_page: FakeStatusPage
) -> None:
    monitor = StatusMonitor(StatusClient(status_page.url, deadline_seconds=3), poll_seconds=1)
    monitor.start()
    health = Health(
        monitor,
        {
            "database": database_writable(store.path),
            "status_monitor": monitor_running(monitor, time.monotonic(), grace_seconds=10),
        },
    )
    server = HttpServer(Router(health), "127.0.0.1", 0)
    server.start()
    try:
        deadline = time.monotonic() + 10
        while monitor.latest() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        status, body = _get(server)
        assert (status, body["ok"], body["level"]) == (200, True, "operational")
        monitor.stop(timeout=5)
        status, body = _get(server)
        assert status == 503
        assert body["problems"]["status_monitor"] == "status monitor is not running"
    finally:
        server.shutdown(timeout=2)


def test_healthz_is_503_after_slack_revokes_the_token(store: Store, fake_slack: FakeSlack) -> None:
    from slack_sdk import WebClient

    watch = TokenWatch(WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url), interval=3600)
    server = HttpServer(Router(Health(None, {"slack_token": watch.check})), "127.0.0.1", 0)
    server.start()
    try:
        watch.check_once()
        assert _get(server)[0] == 200
        fake_slack.fail("auth.test", "token_revoked")
        watch.check_once()
        status, body = _get(server)
        assert status == 503 and "token_revoked" in body["problems"]["slack_token"]
        fake_slack.fail("auth.test", "internal_error", status=500)  # Slack down is not "revoked"
        watch.check_once()
        assert _get(server)[0] == 503  # unchanged: a hiccup proves nothing either way
        watch.check_once()  # answered ok again (a reinstall with the same token)
        assert _get(server)[0] == 200
    finally:
        server.shutdown(timeout=2)


def test_healthz_json_shape_is_the_contracts(store: Store) -> None:
    server = HttpServer(Router(Health(None, {"database": database_writable(store.path)})), "127.0.0.1", 0)
    server.start()
    try:
        status, body = _get(server)
        assert status == 200
        assert {"ok", "level", "status_age_seconds"} <= set(body)
        assert body["ok"] is True and body["level"] == "unknown" and body["status_age_seconds"] is None
    finally:
        server.shutdown(timeout=2)


@pytest.mark.slow
def test_healthz_is_503_once_slack_says_the_app_was_uninstalled(running_bot: BotProcess) -> None:
    sender = SlackSender(running_bot.events_url)
    try:
        assert running_bot.health()[0] == 200
        answer = sender.send(event("app_uninstalled.slack_docs.json", team_id="T111", event_id="EvGone1"))
        assert answer.status_code == 200
        deadline = time.monotonic() + 10
        status, body = running_bot.health()
        while status == 200 and time.monotonic() < deadline:
            time.sleep(0.1)
            status, body = running_bot.health()
        assert status == 503
        assert "removed the app" in body["problems"]["slack_install"]
    finally:
        sender.close()


@pytest.mark.slow
def test_sigint_stops_cleanly_too(running_bot: BotProcess) -> None:
    started = time.monotonic()
    running_bot.process.send_signal(signal.SIGINT)
    assert running_bot.process.wait(timeout=EXIT_WITHIN + 5) == 0
    assert time.monotonic() - started < EXIT_WITHIN
    assert "stopped in" in running_bot.stderr()


def test_the_server_turns_nagle_off_on_accepted_connections(store: Store) -> None:
    """Keep-alive without TCP_NODELAY stalls on Nagle / delayed ACK (slack-notes.md)."""
    server = HttpServer(Router(Health(None)), "127.0.0.1", 0)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert client.recv(100).startswith(b"HTTP/1.1 200")
            channels = list(server._server.active_channels.values())
            assert channels
            for channel in channels:
                assert channel.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server.shutdown(timeout=2)


def test_the_loaded_knowledge_base_is_kept_out_of_full_collections(
    tmp_path: Path, fake_slack: FakeSlack, status_page: FakeStatusPage
) -> None:
    """A full collection holds the GIL, so every ack, while it walks every object: the knowledge
    base's index is frozen out of it once loaded, and the collector stays on for everything else."""
    import gc

    from bot.runtime.wiring import build_runtime, start_runtime
    from bot.settings import Settings

    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        fal_status_url=status_page.url,
        fal_bot_db=tmp_path / "fal-bot.db",
    )
    frozen_before = gc.get_freeze_count()
    runtime = build_runtime(settings, "http", "127.0.0.1", 0)
    try:
        start_runtime(runtime)
        assert runtime.services.wait_idle(30), "the knowledge base did not load"
        assert gc.get_freeze_count() - frozen_before > 30_000
        assert gc.isenabled()
    finally:
        runtime.stop(budget=4.0)
        gc.unfreeze()
