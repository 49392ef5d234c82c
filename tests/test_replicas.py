"""Several `fal-bot run` processes on one real PostgreSQL: exactly one polls and sends (the leader,
named in each /healthz), a Slack retry that reaches another replica is answered once, and when the
leader is SIGKILLed mid-fan-out the other takes over: every channel gets one alert and one
resolution, none lost, none repeated."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.store import Store, Subscription
from tests.support.alerts import SlowPosts, alerts, now_iso, replies, wait_until
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import BotProcess, bot_env, run_to_exit
from tests.support.signing import SlackSender, event
from tests.support.status_page import FakeStatusPage

pytestmark = pytest.mark.slow

TEAM = "T111"
POLL_SECONDS = 1
TAKEOVER_BUDGET_SECONDS = POLL_SECONDS + 15


@pytest.fixture
def replicas(
    fake: FakeSlack, postgres_url: str, tmp_path: Path
) -> Iterator[Callable[[FakeStatusPage, int], list[BotProcess]]]:
    started: list[BotProcess] = []

    def start(page: FakeStatusPage, count: int) -> list[BotProcess]:
        env = bot_env(fake, postgres_url, page.url, LOG_LEVEL="INFO", FAL_BOT_POLL_SECONDS=str(POLL_SECONDS))
        bots = [
            BotProcess(env, "--mode", "http", log=tmp_path / f"replica-{len(started) + n}.log")
            for n in range(count)
        ]
        for bot in bots:  # started together: the migrations must not race
            started.append(bot.start())
        for bot in bots:
            bot.wait_until_serving()
        return bots

    yield start
    for bot in started:
        bot.stop_quietly()


def leaders(bots: list[BotProcess]) -> list[BotProcess]:
    return [bot for bot in bots if bot.process.poll() is None and bot.health()[1].get("leader") is True]


def test_one_leader_polls_and_a_retry_on_another_replica_is_answered_once(
    fake: FakeSlack,
    loopback: type[LoopbackServer],
    replicas: Callable[[FakeStatusPage, int], list[BotProcess]],
) -> None:
    page = FakeStatusPage(loopback, flavour="statuspage")
    bots = replicas(page, 2)
    wait_until(lambda: len(leaders(bots)) == 1, what="one leader")
    for bot in bots:
        _status, body = bot.health()
        assert "leader" in body and isinstance(body["leader"], bool)
    # Only the leader reads the page: two replicas poll no faster than one.
    before = len(page.summary_requests())
    time.sleep(4 * POLL_SECONDS)
    assert len(page.summary_requests()) - before <= 4 + 1
    wait_until(lambda: all(bot.health()[0] == 200 for bot in bots), what="both replicas healthy")
    assert {bot.health()[1]["level"] for bot in bots} == {"operational"}  # the follower reads the leader's

    text = "fal_client.exceptions.FalClientError: 401 Unauthorized: Invalid key"
    dm = {"channel": "D0REPLICA", "text": text, "channel_type": "im"}
    # A delivery to one replica, Slack's retry (a new signature) to the other.
    first = SlackSender(bots[0].events_url)
    second = SlackSender(bots[1].events_url)
    try:
        delivery = event("message_im.slack_docs.json", event=dm, event_id="EvRetried", team_id=TEAM)
        assert first.send(delivery).status_code == 200
        retried = event(
            "message_im.slack_docs.json", event=dm, event_id="EvRetried", team_id=TEAM, retry_num=1
        )
        assert second.send(retried, timestamp=time.time() + 1).status_code == 200
        # Two deliveries of another event at the same moment, one to each replica.
        both = event(
            "message_im.slack_docs.json",
            event={**dm, "channel": "D0TWICE"},
            event_id="EvTwice",
            team_id=TEAM,
        )
        answers: list[int] = []
        barrier = threading.Barrier(2)

        def deliver(sender: SlackSender, offset: float) -> None:
            barrier.wait()
            answers.append(sender.send(both, timestamp=time.time() + offset).status_code)

        threads = [threading.Thread(target=deliver, args=(s, o)) for s, o in ((first, 0), (second, 2))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [200, 200]
    finally:
        first.close()
        second.close()
    wait_until(lambda: fake.ok_calls("chat.postMessage", channel="D0REPLICA"), what="the answer")
    wait_until(lambda: fake.ok_calls("chat.postMessage", channel="D0TWICE"), what="the other answer")
    time.sleep(2)  # a second answer would come within this
    assert len(fake.ok_calls("chat.postMessage", channel="D0REPLICA")) == 1
    assert len(fake.ok_calls("chat.postMessage", channel="D0TWICE")) == 1


def test_sigkill_of_the_leader_mid_fan_out_alerts_and_resolves_every_channel_once(
    fake: FakeSlack,
    loopback: type[LoopbackServer],
    postgres_url: str,
    replicas: Callable[[FakeStatusPage, int], list[BotProcess]],
) -> None:
    store = Store(postgres_url)
    channels = [f"C{number:03d}" for number in range(30)]
    for channel in channels:
        store.subscribe(Subscription(TEAM, channel))
    store.close()
    page = FakeStatusPage(loopback, flavour="instatus")
    bots = replicas(page, 2)
    wait_until(lambda: len(leaders(bots)) == 1, what="one leader")
    [leader] = leaders(bots)
    [follower] = [bot for bot in bots if bot is not leader]

    slow = SlowPosts(fake, delay=0.3)
    page.open_incident(id="big", name="Everything is slow", impact="partial_outage", started=now_iso())
    wait_until(lambda: len(fake.calls("chat.postMessage")) >= 8, what="8 posts")
    leader.kill()
    killed_at = time.monotonic()
    posted_before = len(fake.calls("chat.postMessage"))
    assert posted_before < 30, "the fan-out finished before the kill; slow Slack down more"
    slow.delay = 0.0

    wait_until(lambda: len(fake.calls("chat.postMessage")) > posted_before, timeout=30, what="a post after")
    first_post_after = time.monotonic() - killed_at
    assert first_post_after <= TAKEOVER_BUDGET_SECONDS, first_post_after
    assert follower.health()[1]["leader"] is True
    wait_until(lambda: all(alerts(fake, c) for c in channels), timeout=30, what="every channel alerted")

    page.resolve("big")
    wait_until(
        lambda: all(replies(fake, c, alerts(fake, c)[0]["ts"]) for c in channels),
        timeout=30,
        what="every channel told of the resolution",
    )
    time.sleep(3 * POLL_SECONDS)  # anything repeated would come now
    alert_counts = {c: len(alerts(fake, c)) for c in channels}
    assert set(alert_counts.values()) == {1}, {c: n for c, n in alert_counts.items() if n != 1}
    reply_counts = {c: len(replies(fake, c, alerts(fake, c)[0]["ts"])) for c in channels}
    assert set(reply_counts.values()) == {1}, {c: n for c, n in reply_counts.items() if n != 1}
    assert follower.terminate() == 0


def test_run_with_an_unreachable_postgresql_exits_1_without_the_password(fake: FakeSlack) -> None:
    url = "postgresql://falbot:s3cret-pw@127.0.0.1:9/fal"
    result = run_to_exit(bot_env(fake, url, "http://127.0.0.1:9"), "--mode", "http")
    assert result.returncode == 1, result.stderr
    assert "postgresql://falbot@127.0.0.1:9/fal" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout
