"""The app factory over real loopback HTTP: signatures, acks, retries, inventory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.slack.app import create_app, listener_inventory
from bot.store import Store
from tests.support.bolt_server import BoltServer
from tests.support.fake_slack import FakeSlack
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET, SlackSender, slash_command, url_verification


class _NoStatus:
    def latest(self) -> None:
        return None

    def last_good(self) -> None:
        return None

    def age_seconds(self) -> None:
        return None

    def refresh(self) -> None:
        return None


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def test_signed_help_command_and_signature_refusal(fake: FakeSlack, tmp_path: Path) -> None:
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,  # type: ignore[arg-type]
    )
    app = create_app(settings, store=Store(tmp_path / "db.sqlite"), monitor=_NoStatus())
    assert fake.calls("auth.test")
    with BoltServer(app) as server:
        sender = SlackSender(server.events_url)
        ok = sender.send(slash_command("help", response_url=fake.new_response_url()))
        assert ok.status_code == 200 and "/fal status" in ok.text
        assert sender.send(slash_command("help", response_url="x"), secret="wrong").status_code == 401
        stale = sender.send(slash_command("help", response_url="x"), timestamp=time.time() - 600)
        assert stale.status_code == 401
        challenge = sender.send(url_verification())
        assert (
            challenge.status_code == 200
            and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in challenge.text
        )


def test_listener_inventory() -> None:
    inventory = listener_inventory()
    assert "/fal" in inventory.commands
    assert {"app_mention", "message.im", "app_home_opened"} <= inventory.bot_events
    assert "diagnose_message" in inventory.shortcuts
    assert {"feedback_up", "feedback_down"} <= inventory.actions
