"""Lifecycle events, as Slack sends them (real fixture bodies, signed, over loopback HTTP) to the real
Bolt app: uninstall and revoked tokens stop a team's alerts; archived or left channels are paused
(kept with the reason, like a channel the sender cannot post to: bot.alerts.gone)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.alerts.outbox import AlertEngine, Outbox
from bot.settings import Settings
from bot.slack.app import build_services, create_app
from bot.status.models import Incident, StatusSnapshot
from bot.store import Store, Subscription
from tests.support.bolt_server import BoltServer
from tests.support.fake_slack import FakeSlack
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET, SlackRequest, SlackSender, event, wrap_event


class _NoStatus:
    def latest(self) -> None:
        return None

    def last_good(self) -> None:
        return None

    def age_seconds(self) -> None:
        return None

    def refresh(self) -> StatusSnapshot:
        raise AssertionError("the lifecycle tests never read fal's status")


class Harness:
    def __init__(self, store: Store, sender: SlackSender):
        self.store = store
        self.sender = sender

    def send(self, request: SlackRequest) -> None:
        response = self.sender.send(request)
        assert response.status_code == 200, response.text

    def queue_alert(self, team_id: str, *channels: str) -> None:
        """Subscribe channels and queue an unsent alert for each (an incident is open)."""
        for channel in channels:
            self.store.subscribe(Subscription(team_id, channel))
        incident = Incident(
            id="i1", name="Queue slow", status="investigating", impact="critical", level="major_outage"
        )
        snapshot = StatusSnapshot(
            level="major_outage",
            source="https://status.fal.ai",
            checked_at=datetime.now(UTC),
            incidents=[incident],
        )
        AlertEngine(self.store, unknown_note_after_seconds=60).observe(snapshot)

    def paused(self, team_id: str, channel: str, reason: str) -> bool:
        subscription = self.store.subscription(team_id, channel)
        return subscription is not None and not subscription.active and subscription.disabled_reason == reason

    def statuses(self, team_id: str, channel: str) -> list[str]:
        return [row.status for row in Outbox(self.store).rows(team_id=team_id, channel_id=channel)]


def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def make_harness(tmp_path: Path, bot_user_id: str) -> Iterator[Harness]:
    with FakeSlack(bot_user_id=bot_user_id) as fake:
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            fal_bot_db=tmp_path / "db.sqlite",
        )
        store = Store(settings.fal_bot_db)
        app = create_app(build_services(settings, store=store, monitor=_NoStatus()))
        with BoltServer(app) as server:
            sender = SlackSender(server.events_url)
            try:
                yield Harness(store, sender)
            finally:
                sender.close()


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    yield from make_harness(tmp_path, "UBOT111")


@pytest.fixture
def harness_bot_w123(tmp_path: Path) -> Iterator[Harness]:
    """The bot user id the slack_docs member_left_channel fixture names."""
    yield from make_harness(tmp_path, "W123ABC456")


def test_app_uninstalled_stops_the_team(harness: Harness) -> None:
    harness.queue_alert("TXXXXXXXX", "C1", "C2")
    harness.queue_alert("TOTHER", "C9")
    harness.send(event("app_uninstalled.slack_docs.json"))
    wait_until(lambda: not harness.store.team_sending_enabled("TXXXXXXXX"))
    assert harness.statuses("TXXXXXXXX", "C1") == ["dropped"]
    assert harness.statuses("TXXXXXXXX", "C2") == ["dropped"]
    assert harness.statuses("TOTHER", "C9") == ["pending"]
    assert harness.store.team_sending_enabled("TOTHER")


def test_tokens_revoked_with_the_bot_token_stops_the_team(harness: Harness) -> None:
    harness.queue_alert("TXXXXXXXX", "C1")
    harness.send(event("tokens_revoked.slack_docs.json"))
    wait_until(lambda: not harness.store.team_sending_enabled("TXXXXXXXX"))
    assert harness.statuses("TXXXXXXXX", "C1") == ["dropped"]


def test_tokens_revoked_for_user_tokens_only_keeps_sending(harness: Harness) -> None:
    harness.queue_alert("TXXXXXXXX", "C1")
    harness.send(event("tokens_revoked.slack_docs.json", event={"tokens": {"oauth": ["U1"]}}))
    time.sleep(0.3)
    assert harness.store.team_sending_enabled("TXXXXXXXX")
    assert harness.statuses("TXXXXXXXX", "C1") == ["pending"]


@pytest.mark.parametrize("kind", ["channel_archive", "group_archive"])
def test_archived_channel_is_paused(harness: Harness, kind: str) -> None:
    harness.queue_alert("T123ABC456", "C123ABC456", "C2")
    harness.send(
        wrap_event("channel_archive.slack_docs_event_only.json", event={"type": kind}, team_id="T123ABC456")
    )
    wait_until(lambda: harness.paused("T123ABC456", "C123ABC456", "channel archived"))
    assert harness.statuses("T123ABC456", "C123ABC456") == ["dropped"]
    assert [s.channel_id for s in harness.store.subscriptions("T123ABC456", active_only=True)] == ["C2"]
    assert harness.statuses("T123ABC456", "C2") == ["pending"]


def test_archive_message_subtype_pauses(harness: Harness) -> None:
    harness.queue_alert("T123ABC456", "C123ABC456")
    # The docs' sample has no channel; Slack's real events name it.
    harness.send(event("message_subtype_channel_archive.slack_docs.json", event_id="Ev1"))
    subscription = harness.store.subscription("T123ABC456", "C123ABC456")
    assert subscription is not None and subscription.active
    harness.send(
        event(
            "message_subtype_channel_archive.slack_docs.json", event={"channel": "C123ABC456"}, event_id="Ev2"
        )
    )
    wait_until(lambda: harness.paused("T123ABC456", "C123ABC456", "channel archived"))


def test_bot_leaving_a_channel_pauses_it_until_subscribed_again(harness_bot_w123: Harness) -> None:
    harness = harness_bot_w123
    harness.queue_alert("T123ABC456", "C123ABC456")
    harness.store.subscribe(Subscription("T123ABC456", "C123ABC456", min_level="major_outage"))
    harness.send(event("member_left_channel.slack_docs.json"))
    wait_until(lambda: harness.paused("T123ABC456", "C123ABC456", "the bot left the channel"))
    assert harness.statuses("T123ABC456", "C123ABC456") == ["dropped"]
    kept = harness.store.subscription("T123ABC456", "C123ABC456")
    assert kept is not None and kept.min_level == "major_outage"  # its options survive the pause
    assert harness.store.subscribe(kept).active  # /fal subscribe there again re-enables it


def test_someone_else_leaving_changes_nothing(harness: Harness) -> None:
    harness.queue_alert("T111", "C111")
    harness.send(event("member_left_channel.bolt_tests.json"))  # user W23456789 is not the bot
    time.sleep(0.3)
    assert harness.store.subscription("T111", "C111") is not None
    assert harness.statuses("T111", "C111") == ["pending"]
    # the bot's own authorization in the envelope identifies it too
    request = event("member_left_channel.bolt_tests.json", event_id="Ev2", event={"user": "UB2"})
    body = json.loads(request.body)
    body["authorizations"] = [{"team_id": "T111", "user_id": "UB2", "is_bot": True}]
    harness.send(SlackRequest(json.dumps(body).encode(), request.content_type))
    wait_until(lambda: harness.paused("T111", "C111", "the bot left the channel"))
