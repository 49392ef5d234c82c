"""The sender against the loopback fake Slack: threading, 429, errors that stop, crash reconciliation."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.alerts.outbox import AlertEngine, Outbox, OutboxRow
from bot.alerts.sender import (
    CHECK_LIMIT,
    CHECK_MARGIN_SECONDS,
    HELD_MAX_AGE_SECONDS,
    MAX_ATTEMPTS,
    METADATA_EVENT_TYPE,
    AlertSender,
)
from bot.alerts.token_watch import TokenWatch
from bot.status.models import Incident, IncidentUpdate, StatusSnapshot
from bot.store import Store, Subscription
from tests.support.fake_slack import FakeSlack

T = "T111"
STARTED = "2026-01-01T00:00:00Z"


def snap(at: float, incidents: list[Incident] | None = None) -> StatusSnapshot:
    incidents = incidents or []
    return StatusSnapshot(
        level=incidents[0].level if incidents else "operational",
        source="https://status.fal.ai",
        provider="statuspage",
        checked_at=datetime.fromtimestamp(at, UTC),
        incidents=incidents,
    )


def inc(status: str = "investigating", updates: list[IncidentUpdate] | None = None) -> Incident:
    return Incident(
        id="i1",
        name="Queue API slow",
        status=status,
        impact="critical",
        level="major_outage",
        started=STARTED,
        url="https://status.fal.ai/incidents/i1",
        updates=updates or [],
    )


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "alerts.db")


@contextmanager
def running_sender(fake: FakeSlack, store: Store) -> Iterator[AlertSender]:
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    # Pacing is tested on its own; elsewhere a short interval keeps the tests quick.
    alert_sender = AlertSender(store, client, workers=4, per_channel_interval=0.1)
    alert_sender.start()
    try:
        yield alert_sender
    finally:
        alert_sender.stop(2.0)


@pytest.fixture
def sender(fake: FakeSlack, store: Store) -> Iterator[AlertSender]:
    with running_sender(fake, store) as alert_sender:
        yield alert_sender


class SkippingClock:
    """Wall-clock time that a test can move forward, so a sender waits out no real backoff."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock() -> SkippingClock:
    return SkippingClock()


@pytest.fixture
def clocked_sender(fake: FakeSlack, store: Store, clock: SkippingClock) -> Iterator[AlertSender]:
    """The `sender` fixture on a clock the test moves past backoffs (`skip_backoff`)."""
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    alert_sender = AlertSender(store, client, workers=4, per_channel_interval=0.1, clock=clock)
    alert_sender.start()
    yield alert_sender
    alert_sender.stop(2.0)


def skip_backoff(store: Store, clock: SkippingClock, sender: AlertSender) -> None:
    """Wait until a row is scheduled for a later try, then move the clock past it and wake the
    sender: the retry happens now instead of after BACKOFF_BASE_SECONDS of real time."""

    def later() -> list[float]:
        return [
            r.next_attempt_at
            for r in Outbox(store).rows()
            if r.status in ("pending", "sending") and r.next_attempt_at > clock()
        ]

    def settled() -> bool:
        return all(r.status not in ("pending", "sending") for r in Outbox(store).rows())

    # On a loaded machine this thread may look only after the backoff ran out in real time and the
    # sender retried on its own (seen once in CI): nothing is left to skip then.
    wait_until(lambda: later() or settled())
    clock.offset += max(later(), default=clock()) - clock() + 0.1
    sender.wake()


def statuses(store: Store) -> list[str]:
    return [row.status for row in Outbox(store).rows()]


def top_level(fake: FakeSlack, channel: str) -> list[dict[str, object]]:
    return [m for m in fake.messages(channel) if "thread_ts" not in m]


def test_open_update_resolve_in_one_thread(fake: FakeSlack, store: Store, sender: AlertSender) -> None:
    store.subscribe(Subscription(T, "C1"))
    engine = AlertEngine(store, unknown_note_after_seconds=60)
    engine.observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: statuses(store) == ["sent"])
    [parent] = fake.messages("C1")
    assert parent["metadata"] == {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": "inc:i1|open"}}
    assert str(parent["text"]) == "🔴 fal incident: Queue API slow (major outage)"

    update = IncidentUpdate(id="u1", status="identified", body="Found the <!here> cause")
    engine.observe(snap(time.time() + 1, [inc("identified", [update])]))
    sender.wake()
    wait_until(lambda: statuses(store) == ["sent", "sent"])
    reply = fake.messages("C1")[1]
    assert reply["thread_ts"] == parent["ts"]
    assert "Found the &lt;!here&gt; cause" in str(reply["blocks"])
    [edit] = fake.calls("chat.update")
    assert edit.params["ts"] == parent["ts"] and "*State:* Identified" in edit.text_and_blocks()

    engine.observe(snap(time.time() + 2))
    sender.wake()
    wait_until(lambda: statuses(store) == ["sent"] * 3)
    resolution = fake.messages("C1")[2]
    assert resolution["thread_ts"] == parent["ts"]
    assert "Resolved after" in str(resolution["text"])
    assert "Resolved: Queue API slow" in fake.calls("chat.update")[-1].text_and_blocks()
    assert len(top_level(fake, "C1")) == 1


def test_429_is_honoured_and_posts_exactly_once(fake: FakeSlack, store: Store, sender: AlertSender) -> None:
    store.subscribe(Subscription(T, "C1"))
    fake.rate_limit("chat.postMessage", retry_after=1, times=1)
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: statuses(store) == ["sent"])
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9  # waited for Retry-After
    assert len(fake.messages("C1")) == 1
    assert Outbox(store).rows()[0].attempts == 0  # a 429 is not a failed try


def test_a_rate_limited_channel_does_not_hold_up_the_others(
    fake: FakeSlack, store: Store, sender: AlertSender
) -> None:
    for channel in ("C1", "C2", "C3"):
        store.subscribe(Subscription(T, channel))
    fake.rate_limit("chat.postMessage", retry_after=2, channel="C1", times=1)
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: fake.messages("C2") and fake.messages("C3"), timeout=1.5)
    assert fake.messages("C1") == []
    wait_until(lambda: fake.messages("C1"), timeout=10.0)


def test_per_channel_pacing(fake: FakeSlack, store: Store) -> None:
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2"))
    engine = AlertEngine(store, unknown_note_after_seconds=60)
    engine.observe(snap(time.time(), [inc()]))
    engine.observe(snap(time.time() + 1, [inc("identified")]))
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    paced = AlertSender(store, client, workers=4)
    paced.start()
    try:
        wait_until(lambda: statuses(store) == ["sent"] * 4)
    finally:
        paced.stop(2.0)
    c1_first, c1_second = fake.calls("chat.postMessage", channel="C1")
    c2_first, _ = fake.calls("chat.postMessage", channel="C2")
    assert c1_second.at - c1_first.at >= 0.9  # about one post a second per channel
    assert abs(c2_first.at - c1_first.at) < 0.9  # but channels go in parallel


@pytest.mark.parametrize("error", ["is_archived", "not_in_channel", "channel_not_found"])
def test_channel_errors_disable_the_subscription(
    fake: FakeSlack, store: Store, sender: AlertSender, error: str
) -> None:
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2"))
    fake.fail("chat.postMessage", error, channel="C1", times=None)
    engine = AlertEngine(store, unknown_note_after_seconds=60)
    engine.observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: sorted(statuses(store)) == ["dropped", "sent"])
    subscription = store.subscription(T, "C1")
    assert subscription is not None and not subscription.active and subscription.disabled_reason == error
    assert [s.channel_id for s in store.subscriptions(active_only=True)] == ["C2"]
    engine.observe(snap(time.time() + 1, [inc("identified")]))  # nothing more for C1
    sender.wake()
    wait_until(lambda: len(fake.messages("C2")) == 2)
    assert [r.channel_id for r in Outbox(store).rows(channel_id="C1")] == ["C1"]


def test_one_auth_refusal_is_confirmed_with_auth_test_and_retried(
    fake: FakeSlack, store: Store, clocked_sender: AlertSender, clock: SkippingClock
) -> None:
    sender = clocked_sender
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2"))
    fake.fail("chat.postMessage", "invalid_auth", channel="C1", times=1)
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    sender.wake()
    skip_backoff(store, clock, sender)
    wait_until(lambda: statuses(store) == ["sent", "sent"], timeout=15)
    assert fake.calls("auth.test")  # the refusal was checked, not believed
    assert store.team_sending_enabled(T)
    assert not sender.token.refused and sender.token.check() is None
    assert len(fake.messages("C1")) == 1 and len(fake.messages("C2")) == 1


@pytest.mark.parametrize("error", ["token_expired", "team_access_not_granted"])
def test_every_token_error_is_confirmed_and_holds_the_rows(
    fake: FakeSlack, store: Store, sender: AlertSender, error: str
) -> None:
    """The sender and the token watch read one table (bot.slack.errors): before, token_expired was
    retried blindly by the sender and team_access_not_granted was not a refusal for auth.test."""
    store.subscribe(Subscription(T, "C1"))
    fake.fail("chat.postMessage", error, times=None)
    fake.fail("auth.test", error, times=None)
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: sender.token.refused and statuses(store) == ["pending"])
    assert sender.token.refused_error == error
    assert Outbox(store).rows()[0].attempts == 0  # held, not counted as a failed try


@pytest.fixture
def watched_sender(fake: FakeSlack, store: Store) -> Iterator[AlertSender]:
    """A sender whose token watch re-checks a refused token every 0.2 s."""
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    watch = TokenWatch(client, interval=3600, refused_interval=0.2)
    alert_sender = AlertSender(store, client, workers=4, per_channel_interval=0.1, token_watch=watch)
    watch.start()
    alert_sender.start()
    yield alert_sender
    alert_sender.stop(2.0)
    watch.stop()


def test_a_refused_token_holds_the_rows_and_sends_them_when_it_works_again(
    fake: FakeSlack, store: Store, watched_sender: AlertSender
) -> None:
    sender = watched_sender
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2"))
    fake.fail("chat.postMessage", "invalid_auth", times=None)
    fake.fail("auth.test", "token_revoked", times=None)
    engine = AlertEngine(store, unknown_note_after_seconds=60)
    engine.observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: sender.token.refused)
    assert "token_revoked" in (sender.token.check() or "")
    time.sleep(0.5)
    tried = len(fake.calls("chat.postMessage"))
    assert tried <= 2  # at most the posts already in flight in parallel
    # The incident moves on and resolves while the token is refused: all of it is kept.
    engine.observe(snap(time.time() + 1, [inc("identified")]))
    engine.observe(snap(time.time() + 2, []))
    sender.wake()
    time.sleep(0.5)
    assert len(fake.calls("chat.postMessage")) == tried  # nothing more is even tried
    assert sorted(set(statuses(store))) == ["pending"] and len(statuses(store)) == 6
    assert store.team_sending_enabled(T)
    # C2's rows are older than the bound: they are dropped, not sent a day late.
    with store.transaction() as tx:
        tx.execute(
            "UPDATE alert_outbox SET created_at = created_at - ? WHERE channel_id = 'C2'",
            (HELD_MAX_AGE_SECONDS + 60,),
        )

    fake.clear_failures()  # the token works again (reinstalled with the same token)
    wait_until(lambda: sorted(statuses(store)) == ["dropped"] * 3 + ["sent"] * 3, timeout=15)
    assert sender.token.check() is None
    parent, *thread = fake.messages("C1")
    assert "thread_ts" not in parent and [m.get("thread_ts") for m in thread] == [parent["ts"]] * 2
    assert fake.messages("C2") == []


def test_transient_errors_retry_then_give_up(
    fake: FakeSlack, store: Store, clocked_sender: AlertSender, clock: SkippingClock
) -> None:
    sender = clocked_sender
    store.subscribe(Subscription(T, "C1"))
    fake.fail("chat.postMessage", "internal_error", status=500, times=1)
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    sender.wake()
    skip_backoff(store, clock, sender)
    wait_until(lambda: statuses(store) == ["sent"], timeout=15)
    assert [c.status for c in fake.calls("chat.postMessage")] == [500, 200]
    # a row that keeps failing is given up after MAX_ATTEMPTS tries
    store.subscribe(Subscription(T, "C2"))
    fake.fail("chat.postMessage", "fatal_error", channel="C2", times=None)
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time() + 1, [inc()]))
    [row] = Outbox(store).rows(channel_id="C2")
    with store.transaction() as tx:
        tx.execute("UPDATE alert_outbox SET attempts = ? WHERE id = ?", (MAX_ATTEMPTS - 1, row.id))
    sender.wake()
    wait_until(lambda: Outbox(store).rows(channel_id="C2")[0].status == "failed")


def test_a_row_left_sending_is_not_posted_twice(fake: FakeSlack, store: Store, tmp_path: Path) -> None:
    """The crash window: Slack has the post but the process died before recording it."""
    store.subscribe(Subscription(T, "C1"))
    store.subscribe(Subscription(T, "C2"))
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    outbox = Outbox(store)
    c1, c2 = outbox.rows()
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    # What the dead process did: marked both rows sending; only C1's post reached Slack.
    outbox.mark_sending(c1)
    outbox.mark_sending(c2)
    client.chat_postMessage(
        channel="C1",
        text="earlier post",
        metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": c1.metadata_key}},
    )
    restarted = AlertSender(Store(tmp_path / "alerts.db"), client, workers=2)
    restarted.start()
    try:
        wait_until(lambda: statuses(store) == ["sent", "sent"])
    finally:
        restarted.stop(2.0)
    assert len(fake.messages("C1")) == 1 and len(fake.messages("C2")) == 1
    assert outbox.thread_ts(T, "C1", "inc:i1") == fake.messages("C1")[0]["ts"]
    assert len(fake.calls("conversations.history")) == 2


def test_unsubscribed_channel_gets_nothing_more(fake: FakeSlack, store: Store, sender: AlertSender) -> None:
    store.subscribe(Subscription(T, "C1"))
    engine = AlertEngine(store, unknown_note_after_seconds=60)
    engine.observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: statuses(store) == ["sent"])
    store.unsubscribe(T, "C1")
    engine.observe(snap(time.time() + 1))
    sender.wake()
    time.sleep(0.5)
    assert len(fake.messages("C1")) == 1


def test_a_thread_reply_left_sending_is_looked_for_in_its_thread(
    fake: FakeSlack, store: Store, sender: AlertSender
) -> None:
    store.subscribe(Subscription(T, "C1"))
    engine = AlertEngine(store, unknown_note_after_seconds=60)
    engine.observe(snap(time.time(), [inc()]))
    sender.wake()
    wait_until(lambda: statuses(store) == ["sent"])
    sender.stop(2.0)
    engine.observe(snap(time.time() + 1, [inc("identified")]))
    outbox = Outbox(store)
    [_, reply] = outbox.rows()
    parent_ts = outbox.thread_ts(T, "C1", "inc:i1")
    outbox.mark_sending(reply)  # the dead process's post reached Slack, its answer did not
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    client.chat_postMessage(
        channel="C1",
        text="earlier reply",
        thread_ts=parent_ts,
        metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": reply.metadata_key}},
    )
    restarted = AlertSender(store, client, workers=2)
    restarted.start()
    try:
        wait_until(lambda: statuses(store) == ["sent", "sent"])
    finally:
        restarted.stop(2.0)
    assert len(fake.messages("C1")) == 2  # parent + the one reply
    [check] = fake.calls("conversations.replies")
    assert check.params["ts"] == parent_ts and check.params["limit"] == "15"  # one bounded request
    started = outbox.rows()[1].attempt_started_at
    assert started is not None and float(check.params["oldest"]) == pytest.approx(
        started - CHECK_MARGIN_SECONDS
    )
    assert len(fake.ok_calls("chat.update")) == 1  # the parent still gets its edit


def test_when_the_channel_cannot_be_read_a_sending_row_is_posted_again(
    fake: FakeSlack, store: Store, sender: AlertSender
) -> None:
    """Without read access the bot cannot check: it prefers a rare duplicate to a missed alert."""
    store.subscribe(Subscription(T, "C1"))
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    [row] = Outbox(store).rows()
    Outbox(store).mark_sending(row)
    fake.fail("conversations.history", "missing_scope", times=None)
    sender.wake()
    wait_until(lambda: statuses(store) == ["sent"])
    assert len(fake.messages("C1")) == 1
    assert [c.answer.get("error") for c in fake.calls("conversations.history")] == ["missing_scope"]


def in_flight(store: Store, channels: list[str]) -> dict[str, OutboxRow]:
    """An incident's parent row in each channel, left `sending` as a crash leaves it."""
    for channel in channels:
        store.subscribe(Subscription(T, channel))
    AlertEngine(store, unknown_note_after_seconds=60).observe(snap(time.time(), [inc()]))
    outbox = Outbox(store)
    rows = {row.channel_id: row for row in outbox.rows()}
    for row in rows.values():
        outbox.mark_sending(row)
    return {channel: outbox.rows(channel_id=channel)[0] for channel in channels}


def posted_by_the_dead_process(fake: FakeSlack, row: OutboxRow, *, ts: str | None = None) -> str:
    return fake.add_message(
        row.channel_id,
        "earlier post",
        ts=ts,
        user="UBOT111",
        metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": row.metadata_key}},
    )


def test_the_crash_window_check_is_one_bounded_request_per_row(
    fake: FakeSlack, store: Store, tmp_path: Path
) -> None:
    """Slack gives apps outside the Marketplace 1 request a minute with 15 messages on
    conversations.history: each row left in flight is checked with one request, limit 15, bounded
    to the time of its attempt; found rows are not posted again, the others are."""
    rows = in_flight(store, ["C1", "C2", "C3"])
    found_ts = posted_by_the_dead_process(fake, rows["C1"])
    # Busy channel: 20 people's messages after the lost post, none of them the alert.
    posted_by_the_dead_process(fake, rows["C3"])
    for number in range(20):
        fake.add_message("C3", f"chatter {number}")
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    restarted = AlertSender(Store(tmp_path / "alerts.db"), client, workers=3, per_channel_interval=0.1)
    restarted.start()
    try:
        wait_until(lambda: statuses(store) == ["sent", "sent", "sent"])
    finally:
        restarted.stop(2.0)
    assert [m["ts"] for m in fake.messages("C1")] == [found_ts]  # found, not posted again
    assert len([m for m in fake.messages("C2") if m.get("bot_id")]) == 1  # never posted: posted now
    for channel, row in rows.items():
        [check] = fake.calls("conversations.history", channel=channel)
        assert check.params["limit"] == str(CHECK_LIMIT) == "15"
        assert row.attempt_started_at is not None
        oldest, latest = float(check.params["oldest"]), float(check.params["latest"])
        assert row.attempt_started_at - CHECK_MARGIN_SECONDS - 0.001 <= oldest < row.attempt_started_at
        assert row.attempt_started_at < latest <= row.attempt_started_at + CHECK_MARGIN_SECONDS + 60
    # C3: more than 15 messages in the window, so the one request missed the alert, which was
    # posted again: the documented limit of the guarantee (no second page is read).
    assert len([m for m in fake.messages("C3") if m.get("metadata")]) == 2


def test_a_message_older_than_the_window_is_not_considered(fake: FakeSlack, store: Store) -> None:
    """Slack is asked for the attempt's window only; an older message, even one carrying the row's
    key, is outside it (and the stand-in, like Slack, honours `oldest`)."""
    # The row is left in flight before a sender runs: a running one could post it first, unchecked.
    [row] = in_flight(store, ["C1"]).values()
    assert row.attempt_started_at is not None
    too_old = f"{row.attempt_started_at - CHECK_MARGIN_SECONDS - 5:.6f}"
    posted_by_the_dead_process(fake, row, ts=too_old)
    with running_sender(fake, store):
        wait_until(lambda: statuses(store) == ["sent"])
    [check] = fake.calls("conversations.history")
    assert check.answer["messages"] == []
    old_post, new_post = fake.messages("C1")
    assert old_post["ts"] == too_old and new_post["ts"] == Outbox(store).rows()[0].posted_ts
    assert Outbox(store).rows()[0].posted_ts != too_old


def test_a_rate_limited_check_waits_for_retry_after_then_finds_the_post(
    fake: FakeSlack, store: Store
) -> None:
    [row] = in_flight(store, ["C1"]).values()
    found_ts = posted_by_the_dead_process(fake, row)
    fake.rate_limit("conversations.history", retry_after=1, times=1)
    with running_sender(fake, store):
        wait_until(lambda: statuses(store) == ["sent"])
    checks = fake.calls("conversations.history")
    assert [c.status for c in checks] == [429, 200]
    assert checks[1].at - checks[0].at >= 0.9  # waited for Retry-After
    assert [m["ts"] for m in fake.messages("C1")] == [found_ts]
    assert fake.calls("chat.postMessage") == []
    assert Outbox(store).rows()[0].attempts == 0  # a 429 is not a failed try


def test_the_start_up_token_check_on_a_lost_database_logs_one_line(
    fake: FakeSlack, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The dispatcher's one-off auth.test thread reads the teams table: with the database deleted
    under the process it printed a thread traceback; now it says so as the sending loops do."""
    import threading

    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    alert_sender = AlertSender(store, client)
    for path in tmp_path.glob("alerts.db*"):
        path.unlink()
    raised: list[BaseException] = []

    def check() -> None:  # its own thread, so its own connection to the (missing) file
        try:
            alert_sender._reenable_team()
        except BaseException as exc:
            raised.append(exc)

    with caplog.at_level("ERROR", logger="bot.alerts.sender"):
        thread = threading.Thread(target=check)
        thread.start()
        thread.join(10)
    assert raised == []
    assert [r.getMessage() for r in caplog.records if "alerts paused" in r.getMessage()], caplog.text
