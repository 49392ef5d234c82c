"""The Slack surface through the real `fal-bot run --mode http` process, driven as Slack drives it.

Signed requests built from the fixtures go to the process; its Web API calls go to the loopback fake
Slack and its status polls to a fake status page. Checks what a user sees (DM and mention diagnosis
in threads, /fal answers), what must never happen (pings, a key in a reply, the log or the database,
a retried event answered twice, also across a restart), and that acks stay fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.process import BotProcess, bot_env
from tests.support.slack_harness import wait_for
from tests.support.status_page import FakeStatusPage

pytestmark = pytest.mark.slow

FAL_KEY = "0b6d2e1c-9a7f-4c3e-8d21-5f4a3b2c1d0e:9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SECRET = FAL_KEY.split(":")[1]
LOCKED = '403 Forbidden from queue.fal.run: {"detail": "User is locked. Reason: Exhausted balance."}'


class SlackDrivenBot:
    """The process plus a sender that signs requests as Slack does; the log at DEBUG, the most
    talkative level, which must still never show a key."""

    def __init__(self, fake: FakeSlack, page: FakeStatusPage, db: Path):
        self.process = BotProcess(bot_env(fake, db, page.url, LOG_LEVEL="DEBUG"), "--mode", "http")
        try:
            self.process.start().wait_until_serving(healthy=True)
        except BaseException:
            self.process.stop_quietly()
            raise
        self.sender = signing.SlackSender(self.process.events_url)

    def send(self, request: signing.SlackRequest, **kwargs: object) -> tuple[int, str, float]:
        started = time.monotonic()
        response = self.sender.send(request, **kwargs)  # type: ignore[arg-type]
        return response.status_code, response.text, time.monotonic() - started

    def stop(self) -> None:
        self.sender.close()
        self.process.stop()


@pytest.fixture
def bots(
    fake: FakeSlack, status_page: Callable[..., FakeStatusPage], tmp_path: Path
) -> Iterator[Callable[[], SlackDrivenBot]]:
    page = status_page(flavour="instatus")
    started: list[SlackDrivenBot] = []

    def start() -> SlackDrivenBot:
        bot = SlackDrivenBot(fake, page, tmp_path / "bot.db")
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()


def test_the_running_bot_as_slack_drives_it(
    fake: FakeSlack, bots: Callable[[], SlackDrivenBot], tmp_path: Path
) -> None:
    bot = bots()
    dm = signing.event("message_im.slack_docs.json", event={"text": f"<!channel> {LOCKED}"}, event_id="EvP1")
    status, _, took = bot.send(dm)
    assert status == 200 and took < 3.0
    reply = fake.wait_for_calls("chat.postMessage")[0]
    assert reply.params["thread_ts"] == "1355517523.000005"
    assert "Exhausted balance" in reply.text_and_blocks()

    # Slack retries the same event, signed anew when it sends it (the same signed bytes again would
    # be a replay, refused with 401): answered 200, and once.
    retry = signing.event(
        "message_im.slack_docs.json", event={"text": f"<!channel> {LOCKED}"}, event_id="EvP1", retry_num=1
    )
    assert bot.send(retry, timestamp=time.time() + 1)[0] == 200

    mention = signing.event(
        "app_mention.slack_docs.json",
        event={"text": f"<@{fake.bot_user_id}> <!here> <@U123> my key {FAL_KEY} gives 401 from fal.run"},
        event_id="EvP2",
    )
    assert bot.send(mention)[0] == 200
    fake.wait_for_calls("chat.postMessage", 2)

    status, body, took = bot.send(
        signing.slash_command(f"key {FAL_KEY}", response_url=fake.new_response_url())
    )
    assert status == 200 and took < 3.0
    assert SECRET not in body and "rotate" in body.lower() and "fal.ai/dashboard/keys" in body

    status, body, _ = bot.send(signing.slash_command("status", response_url=fake.new_response_url()))
    assert status == 200 and "fal" in body

    url = fake.new_response_url()
    bot.send(
        signing.slash_command(
            'subscribe min=major components="Queue API"', response_url=url, channel_id="C42"
        )
    )
    confirm = wait_for(lambda: fake.calls("chat.postMessage", channel="C42"))[0]
    assert "major outage" in confirm.text_and_blocks() and "Queue API" in confirm.text_and_blocks()

    # Refused: a forged signature and a replayed old request.
    assert bot.send(dm, secret="forged")[0] == 401
    assert bot.send(dm, timestamp=time.time() - 600)[0] == 401

    # A restart on the same database still knows the event.
    bot.stop()
    restarted = bots()
    retry_again = signing.event(
        "message_im.slack_docs.json", event={"text": f"<!channel> {LOCKED}"}, event_id="EvP1", retry_num=2
    )
    assert restarted.send(retry_again, timestamp=time.time() + 2)[0] == 200
    marker = signing.event("message_im.slack_docs.json", event={"text": "help"}, event_id="EvP3")
    restarted.send(marker)
    wait_for(
        lambda: any(
            "/fal subscribe" in c.text_and_blocks()
            for c in fake.calls("chat.postMessage", channel="D024BE91L")
        )
    )
    restarted.stop()

    dm_replies = [c for c in fake.calls("chat.postMessage", channel="D024BE91L")]
    assert len(dm_replies) == 2  # the diagnosis once, then the help marker
    sent = fake.everything_sent()
    for markup in ("<!channel>", "<!here>", "<@U123>"):
        assert markup not in sent
    assert SECRET not in sent
    assert "rotate" in fake.calls("chat.postMessage", channel="C123ABC456")[0].text_and_blocks().lower()
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "DEBUG" in log and SECRET not in log
    database = b"".join(p.read_bytes() for p in tmp_path.glob("bot.db*"))
    assert SECRET.encode() not in database


def test_acks_and_healthz_answer_within_a_second_while_crafted_pastes_are_read(
    fake: FakeSlack, bots: Callable[[], SlackDrivenBot]
) -> None:
    """The outside attack's pastes, at Slack's 40,000-character limit, sent together: nothing waits."""
    bot = bots()
    crafted = ["a." * 20_000, "FAL_KEY=" * 5_000, "\\" * 40_000, "<https://" * 4_444, "fal " * 10_000]
    slowest_ack = slowest_health = 0.0
    for number, text in enumerate(crafted):
        dm = signing.event("message_im.slack_docs.json", event={"text": text}, event_id=f"EvCraft{number}")
        status, _, took = bot.send(dm)
        assert status == 200
        slowest_ack = max(slowest_ack, took)
        command = signing.slash_command("status", response_url=fake.new_response_url())
        status, _, took = bot.send(command)
        assert status == 200
        slowest_ack = max(slowest_ack, took)
        started = time.monotonic()
        assert bot.process.health(timeout=5)[0] == 200
        slowest_health = max(slowest_health, time.monotonic() - started)
    assert slowest_ack < 1.0 and slowest_health < 1.0
    # every paste got its answer (each one "not a fal error" or a hint), none was dropped
    wait_for(lambda: len(fake.calls("chat.postMessage", channel="D024BE91L")) >= len(crafted), timeout=20)
