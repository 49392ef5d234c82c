"""Outage alerts end to end: the real `fal-bot run --mode http` process, the loopback fake Slack Web
API and a scripted status page. Subscriptions go through the signed `/fal subscribe` command (or,
for the 50-channel crash test, straight into the SQLite file the process uses)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.store import Store, Subscription
from tests.support.alerts import SlowPosts, alerts, now_iso, replies, wait_until
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import BotProcess, bot_env
from tests.support.signing import SlackSender, slash_command
from tests.support.status_page import FakeStatusPage

pytestmark = pytest.mark.slow

TEAM = "T111"
CHANNEL = "C111"


def polls(page: FakeStatusPage, count: int = 2) -> None:
    """Wait until the bot has fetched the page `count` more times, instead of a fixed sleep.

    Polls are FAL_BOT_POLL_SECONDS=1 apart and one poll's listeners (the alert engine, which queues
    and wakes the sender) finish before the next fetch starts. So after `count=2`, what the page
    said when this was called has been seen and the sender has had a poll interval to post what it
    queued: what the fixed sleeps this replaces meant, now also true on a slow machine.
    """
    target = len(page.summary_requests()) + count
    wait_until(lambda: len(page.summary_requests()) >= target, what=f"{count} more status polls")


@pytest.fixture
def start_bot(fake: FakeSlack) -> Iterator[Callable[..., BotProcess]]:
    """Starts `fal-bot run --mode http` on `db` against the fakes (env overrides as keywords) and
    waits until it serves; kills whatever still runs after the test."""
    started: list[BotProcess] = []

    def start(page: FakeStatusPage, db: Path, **env: str) -> BotProcess:
        bot = BotProcess(bot_env(fake, db, page.url, LOG_LEVEL="INFO", **env), "--mode", "http")
        started.append(bot)
        return bot.start().wait_until_serving()

    yield start
    for bot in started:
        bot.stop_quietly()


def edits(fake: FakeSlack, channel: str, ts: str) -> list[str]:
    return [c.text_and_blocks() for c in fake.ok_calls("chat.update", channel=channel, ts=ts)]


def slash(fake: FakeSlack, bot: BotProcess, text: str) -> None:
    sender = SlackSender(bot.events_url)
    try:
        request = slash_command(text, response_url=fake.new_response_url(), team_id=TEAM, channel_id=CHANNEL)
        answer = sender.send(request)
        assert answer.status_code == 200, answer.text
    finally:
        sender.close()


def test_subscribe_alert_update_restart_recover_unsubscribe(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    page = FakeStatusPage(loopback, flavour="statuspage")
    db = tmp_path / "bot.db"
    bot = start_bot(page, db)
    store = Store(db)

    slash(fake, bot, "subscribe")
    wait_until(lambda: store.subscription(TEAM, CHANNEL) is not None, what="subscription stored")
    wait_until(lambda: fake.ok_calls("chat.postMessage", channel=CHANNEL), what="subscribe confirmation")
    confirmations = len(fake.messages(CHANNEL))

    # Slack answers the alert's first post with 429.
    fake.rate_limit("chat.postMessage", retry_after=1, channel=CHANNEL, times=1)
    page.open_incident(id="inc1", name="Queue <!channel> slow", impact="major_outage", started=now_iso(-60))
    wait_until(lambda: alerts(fake, CHANNEL), what="the alert")
    [parent] = alerts(fake, CHANNEL)
    assert "Queue &lt;!channel&gt; slow" in json.dumps(parent["blocks"])
    assert "<!channel>" not in json.dumps(parent["blocks"]) + str(parent["text"])
    alert_posts = fake.calls("chat.postMessage", channel=CHANNEL)[confirmations:]
    assert [c.status for c in alert_posts] == [429, 200]

    # Update: a threaded reply, and the parent edited to show the new state.
    page.update_incident("inc1", status="identified", body="Found the cause")
    wait_until(lambda: replies(fake, CHANNEL, parent["ts"]), what="the threaded update")
    assert "Found the cause" in json.dumps(replies(fake, CHANNEL, parent["ts"])[0]["blocks"])
    wait_until(lambda: any("Identified" in e for e in edits(fake, CHANNEL, parent["ts"])), what="parent edit")

    # SIGTERM and restart: nothing is posted again.
    assert bot.terminate() == 0
    posts_before = len(fake.ok_calls("chat.postMessage"))
    bot = start_bot(page, db)
    polls(page)  # two polls at least
    assert len(fake.ok_calls("chat.postMessage")) == posts_before
    assert len(alerts(fake, CHANNEL)) == 1

    # Recovery: in the thread with the duration, and the parent edited to show it is over.
    page.resolve("inc1")
    wait_until(lambda: len(replies(fake, CHANNEL, parent["ts"])) == 2, what="the resolution")
    resolution = replies(fake, CHANNEL, parent["ts"])[1]
    assert "Resolved after 1 min" in str(resolution["text"]) or "Resolved after 2 min" in str(
        resolution["text"]
    )
    wait_until(
        lambda: any("Resolved: Queue" in e for e in edits(fake, CHANNEL, parent["ts"])), what="final edit"
    )

    # Unsubscribe: nothing more.
    slash(fake, bot, "unsubscribe")
    wait_until(lambda: store.subscription(TEAM, CHANNEL) is None, what="unsubscribed")
    page.open_incident(id="inc2", name="Realtime down", impact="major_outage", started=now_iso())
    polls(page)
    assert len(alerts(fake, CHANNEL)) == 1
    assert len(replies(fake, CHANNEL, parent["ts"])) == 2
    assert bot.terminate() == 0


@pytest.mark.parametrize("kill_after", [1, 20, 45])
def test_sigkill_during_fan_out_still_alerts_every_channel_exactly_once(
    fake: FakeSlack,
    loopback: type[LoopbackServer],
    tmp_path: Path,
    start_bot: Callable[..., BotProcess],
    kill_after: int,
) -> None:
    page = FakeStatusPage(loopback, flavour="instatus")
    db = tmp_path / "bot.db"
    store = Store(db)
    channels = [f"C{number:03d}" for number in range(50)]
    for channel in channels:
        store.subscribe(Subscription(TEAM, channel))
    slow = SlowPosts(fake, delay=0.25)
    bot = start_bot(page, db)
    page.open_incident(id="big", name="Everything is slow", impact="partial_outage", started=now_iso())
    wait_until(lambda: len(fake.calls("chat.postMessage")) >= kill_after, what=f"{kill_after} posts")
    bot.kill()
    killed_at = len(fake.calls("chat.postMessage"))
    assert killed_at < 50, "the fan-out finished before the kill; slow Slack down more"

    slow.delay = 0.0
    bot = start_bot(page, db)
    wait_until(
        lambda: all(alerts(fake, channel) for channel in channels), timeout=30, what="every channel alerted"
    )
    polls(page)  # anything still to come would come now
    counts = {channel: len(alerts(fake, channel)) for channel in channels}
    assert set(counts.values()) == {1}, {c: n for c, n in counts.items() if n != 1}
    assert bot.terminate() == 0


def test_unreadable_page_notes_once_and_never_alerts_an_outage(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    page = FakeStatusPage(loopback, flavour="instatus")
    db = tmp_path / "bot.db"
    Store(db).subscribe(Subscription(TEAM, CHANNEL))
    bot = start_bot(page, db, FAL_BOT_UNKNOWN_NOTE_MINUTES="0.03")  # 1.8 s
    wait_until(lambda: len(page.summary_requests()) >= 2, what="a readable first poll")  # and answered
    page.fail(503)
    wait_until(lambda: alerts(fake, CHANNEL), what="the cannot-read note")
    polls(page)  # stays unreadable: still one note, no outage alert
    [note] = alerts(fake, CHANNEL)
    assert "cannot be read" in str(note["text"])
    page.recover()
    wait_until(lambda: replies(fake, CHANNEL, note["ts"]), what="readable again")
    assert "can be read again" in str(replies(fake, CHANNEL, note["ts"])[0]["text"])
    time.sleep(1.0)
    assert len(alerts(fake, CHANNEL)) == 1  # the page was operational all along: nothing else
    assert bot.terminate() == 0


def test_flapping_incident_and_bouncing_component_stay_in_one_thread(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    page = FakeStatusPage(loopback, flavour="instatus")
    db = tmp_path / "bot.db"
    Store(db).subscribe(Subscription(TEAM, CHANNEL))
    bot = start_bot(page, db)

    page.open_incident(id="flap", name="Queue flapping", impact="degraded", started=now_iso())
    wait_until(lambda: alerts(fake, CHANNEL), what="the alert")
    [parent] = alerts(fake, CHANNEL)
    for expected in (1, 2, 3):
        if expected % 2:
            page.resolve("flap")
        else:
            page.open_incident(id="flap", name="Queue flapping", impact="degraded", started=now_iso())

        def replied(n: int = expected) -> bool:
            return len(replies(fake, CHANNEL, parent["ts"])) >= n

        wait_until(replied, what=f"reply {expected}")
    texts = [str(m["text"]) for m in replies(fake, CHANNEL, parent["ts"])]
    assert "Resolved after" in texts[0] and "Back again" in texts[1] and "Resolved after" in texts[2]
    assert len(alerts(fake, CHANNEL)) == 1

    page.set_component("Realtime", "partial_outage")
    wait_until(lambda: len(alerts(fake, CHANNEL)) == 2, what="the synthetic alert")
    synthetic = alerts(fake, CHANNEL)[1]
    assert "Realtime" in str(synthetic["text"])
    page.set_component("Realtime", "operational")
    wait_until(lambda: replies(fake, CHANNEL, synthetic["ts"]), what="recovered")
    page.set_component("Realtime", "partial_outage")
    wait_until(lambda: len(replies(fake, CHANNEL, synthetic["ts"])) == 2, what="back again")
    time.sleep(1.0)
    assert len(alerts(fake, CHANNEL)) == 2
    assert bot.terminate() == 0
