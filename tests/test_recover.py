"""fal-bot recovers by itself: a token Slack refuses once, a refused token that works again, and the
database going away under it. The real `fal-bot run --mode http` process against the loopback fake
Slack and a scripted status page, with real SQLite files."""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.sender import METADATA_EVENT_TYPE
from bot.store import Store
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import BotProcess, bot_env, run_to_exit
from tests.support.signing import SlackSender, slash_command
from tests.support.slack_harness import wait_for
from tests.support.status_page import FakeStatusPage

pytestmark = pytest.mark.slow

TEAM = "T111"
CHANNEL = "C111"


wait_until = functools.partial(wait_for, timeout=20.0)  # process tests: a longer default


@pytest.fixture
def page(loopback: type[LoopbackServer]) -> FakeStatusPage:
    return FakeStatusPage(loopback, flavour="statuspage")


@pytest.fixture
def bot(fake: FakeSlack, page: FakeStatusPage, tmp_path: Path) -> Iterator[BotProcess]:
    env = bot_env(fake, tmp_path / "bot.db", page.url, LOG_LEVEL="INFO")
    with BotProcess(env, "--mode", "http") as process:
        yield process.wait_until_serving(healthy=True)


def subscribe(fake: FakeSlack, bot: BotProcess) -> None:
    sender = SlackSender(bot.events_url)
    try:
        request = slash_command(
            "subscribe", response_url=fake.new_response_url(), team_id=TEAM, channel_id=CHANNEL
        )
        assert sender.send(request).status_code == 200
    finally:
        sender.close()
    store = Store(bot.db)
    try:
        wait_until(lambda: store.subscription(TEAM, CHANNEL) is not None, what="subscription stored")
    finally:
        store.close()
    wait_until(lambda: fake.ok_calls("chat.postMessage", channel=CHANNEL), what="subscribe confirmation")


def alerts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == METADATA_EVENT_TYPE and "thread_ts" not in m
    ]


def replies(fake: FakeSlack, parent_ts: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(CHANNEL) if m.get("thread_ts") == parent_ts]


def outbox_statuses(db: Path) -> list[str]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return [row[0] for row in conn.execute("SELECT status FROM alert_outbox ORDER BY id")]
    finally:
        conn.close()


def test_one_invalid_auth_is_confirmed_and_the_alert_still_arrives(
    fake: FakeSlack, page: FakeStatusPage, bot: BotProcess
) -> None:
    subscribe(fake, bot)
    fake.fail("chat.postMessage", "invalid_auth", channel=CHANNEL, times=1)
    page.open_incident(id="inc1", name="Queue API slow", impact="major_outage")
    wait_until(lambda: alerts(fake), what="the alert, after one invalid_auth")
    assert [c.answer.get("error") for c in fake.calls("chat.postMessage", channel=CHANNEL)][1:] == [
        "invalid_auth",
        None,
    ]
    assert fake.calls("auth.test")  # confirmed, not believed
    status, body = bot.health()
    assert status == 200, body
    page.resolve("inc1")
    wait_until(lambda: replies(fake, alerts(fake)[0]["ts"]), what="the resolution")
    assert len(alerts(fake)) == 1
    assert "dropped" not in outbox_statuses(bot.db)


def test_a_refused_token_holds_alerts_and_sends_them_once_it_works_again(
    fake: FakeSlack, page: FakeStatusPage, bot: BotProcess
) -> None:
    subscribe(fake, bot)
    fake.fail("chat.postMessage", "invalid_auth", times=None)
    fake.fail("auth.test", "token_revoked", times=None)
    page.open_incident(id="inc1", name="Queue API slow", impact="major_outage")
    wait_until(lambda: bot.health()[0] == 503, what="/healthz 503 while Slack refuses the token")
    assert "token_revoked" in bot.health()[1]["problems"]["slack_token"]
    # The incident resolves before the token works again: nothing of it is lost.
    page.resolve("inc1")
    wait_until(lambda: outbox_statuses(bot.db) == ["pending", "pending"], what="open + resolution kept")
    assert alerts(fake) == []

    fake.clear_failures()  # the same token works again
    wait_until(lambda: alerts(fake), timeout=30, what="the held alert, without a restart")
    [parent] = alerts(fake)
    wait_until(lambda: replies(fake, parent["ts"]), what="the held resolution in the thread")
    wait_until(lambda: bot.health()[0] == 200, what="/healthz back to 200")
    # the reply is on Slack a moment before its row is marked sent (post, then commit)
    wait_until(lambda: outbox_statuses(bot.db) == ["sent", "sent"], what="both rows marked sent")
    assert bot.process.poll() is None


def test_fal_bot_db_in_a_missing_folder_is_refused_and_nothing_is_created(
    fake: FakeSlack, page: FakeStatusPage, tmp_path: Path
) -> None:
    db = tmp_path / "typo" / "bot.db"
    result = run_to_exit(bot_env(fake, db, page.url), "--mode", "http")
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert str(db) in last and "does not exist" in last
    assert not (tmp_path / "typo").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_start_that_fails_leaves_no_database_file(
    fake: FakeSlack, page: FakeStatusPage, tmp_path: Path
) -> None:
    fake.fail("auth.test", "invalid_auth", times=None)
    db = tmp_path / "bot.db"
    result = run_to_exit(bot_env(fake, db, page.url), "--mode", "http")
    assert result.returncode == 2, result.stderr
    assert "SLACK_BOT_TOKEN was refused" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_database_deleted_under_the_process_makes_it_exit_non_zero(bot: BotProcess) -> None:
    for path in bot.db.parent.glob(bot.db.name + "*"):
        path.unlink()
    try:
        code = bot.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        raise AssertionError("fal-bot kept running on a deleted database") from None
    assert code == 1
    # "deleted", or "replaced" when a thread's first connection recreated an empty file meanwhile.
    lines = [line for line in bot.stderr().splitlines() if "while fal-bot was running" in line]
    assert len(lines) == 1 and str(bot.db) in lines[0] and "exiting" in lines[0], bot.stderr()[-3000:]
    assert "Traceback" not in bot.stderr()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The database file cannot be written while inside (a process opening it then gets a read-only
    connection). Root ignores file modes, so there the file is made immutable instead."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("cannot make a file read-only here (root without chattr +i)")

        def undo() -> None:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)

        def undo() -> None:
            path.chmod(mode)

    try:
        yield
    finally:
        undo()


def test_a_read_only_database_logs_one_line_and_tells_the_user_who_subscribes(
    fake: FakeSlack, page: FakeStatusPage, bot: BotProcess
) -> None:
    # First run: subscribed, and an alert left unsent (Slack answers 500) when the process stops.
    subscribe(fake, bot)
    fake.fail("chat.postMessage", "internal_error", status=500, channel=CHANNEL, times=None)
    page.open_incident(id="inc1", name="Queue API slow", impact="major_outage")
    wait_until(lambda: len(fake.calls("chat.postMessage", channel=CHANNEL)) >= 2, what="a failed alert post")
    assert bot.terminate() == 0
    fake.clear_failures()
    logged = len(bot.stderr())

    sender = None
    try:
        with read_only(bot.db):
            bot.start().wait_until_serving()
            sender = SlackSender(bot.events_url)
            wait_until(lambda: bot.health()[0] == 503, what="/healthz 503 on a read-only database")
            url = fake.new_response_url()
            answer = sender.send(
                slash_command("subscribe", response_url=url, team_id=TEAM, channel_id="C222")
            )
            assert answer.status_code == 200
            wait_until(lambda: fake.responses(url), what="an answer to the subscribe that was not saved")
            [response] = fake.responses(url)
            assert response.params.get("response_type") == "ephemeral"
            assert "could not save" in str(response.params.get("text"))
            time.sleep(4)  # the sender tries the unsent alert, and again; polls keep coming
            assert alerts(fake) == []
        wait_until(lambda: alerts(fake), timeout=40, what="the alert once the file is writable again")
        wait_until(lambda: bot.health()[0] == 200, what="/healthz back to 200")
    finally:
        if sender is not None:
            sender.close()
    log = bot.stderr()[logged:]
    assert "Traceback" not in log and "delivery crashed" not in log
    assert log.count("alerts paused: the database cannot be written") == 1
    assert log.count("could not store a status poll") == 1
    assert fake.messages("C222") == []  # nothing was subscribed there


def test_the_store_notices_its_file_deleted_or_replaced(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    store = Store(db)
    assert store.file_problem() is None
    other = tmp_path / "other.db"
    Store(other).close()
    other.replace(db)
    assert "replaced" in (store.file_problem() or "")
    db.unlink()
    assert "deleted" in (store.file_problem() or "")
    assert Store(":memory:").file_problem() is None
    store.close()
