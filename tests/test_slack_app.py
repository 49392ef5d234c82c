"""The app factory over real loopback HTTP: signatures, acks, retries, inventory."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.settings import Settings
from bot.slack.app import build_services, create_app, listener_inventory
from bot.status.models import StatusSnapshot
from bot.store import Store
from tests.support import signing
from tests.support.bolt_server import BoltServer
from tests.support.fake_slack import FakeSlack
from tests.support.signing import BOT_TOKEN, SIGNING_SECRET, SlackSender, slash_command, url_verification
from tests.support.slack_harness import SlackHarness, wait_for
from tests.support.status_page import FakeStatusPage


class _NoStatus:
    def latest(self) -> None:
        return None

    def last_good(self) -> None:
        return None

    def age_seconds(self) -> None:
        return None

    def refresh(self) -> StatusSnapshot:
        raise AssertionError("the help command never refreshes the status")


def test_signed_help_command_and_signature_refusal(fake: FakeSlack, tmp_path: Path) -> None:
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    app = create_app(build_services(settings, store=Store(tmp_path / "db.sqlite"), monitor=_NoStatus()))
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


def test_every_declared_listener_is_really_registered(fake: FakeSlack, tmp_path: Path) -> None:
    """The modules' declarations (what the manifest is checked against) match what Bolt runs: a
    request for each declared command, event, shortcut and action is handled (Bolt answers 404 when
    no listener matches), and an undeclared one is not."""
    settings = Settings(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url
    )
    app = create_app(build_services(settings, store=Store(tmp_path / "db.sqlite"), monitor=_NoStatus()))
    inventory = listener_inventory()
    url = fake.new_response_url()
    requests = [slash_command("help", command=name, response_url=url) for name in inventory.commands]
    requests += [
        signing.event("app_mention.slack_docs.json", event={"type": name, "channel": "C1"}, event_id=name)
        for name in inventory.events - {"message"}
    ]
    requests += [
        signing.interactive("message_action.bolt_tests.json", callback_id=name)
        for name in inventory.shortcuts
    ]
    requests += [
        signing.interactive(
            "block_actions.bolt_tests.json", actions=[{"action_id": name, "value": "x", "type": "button"}]
        )
        for name in inventory.actions
    ]
    with BoltServer(app) as server:
        sender = SlackSender(server.events_url)
        answers = [sender.send(request).status_code for request in requests]
        undeclared = sender.send(
            signing.event("app_mention.slack_docs.json", event={"type": "reaction_added"}, event_id="Ev0")
        )
    assert len(answers) >= 10 and all(status == 200 for status in answers), answers
    assert undeclared.status_code == 404


def test_no_request_waits_on_auth_test_and_acks_stay_fast_under_load(
    tmp_path: Path, status_page: Callable[..., FakeStatusPage]
) -> None:
    """30 concurrent DMs and commands while Slack answers every post with 429: every ack < 3 s."""
    page = status_page(flavour="instatus")
    page.hang(30)
    with SlackHarness(tmp_path, page_url=page.url) as h:
        h.fake.rate_limit("chat.postMessage", retry_after=2, times=None)
        requests = [
            signing.event(
                "message_im.slack_docs.json", event={"text": f"fal.ai 403 number {n}"}, event_id=f"Ev{n}"
            )
            for n in range(20)
        ] + [signing.slash_command("status", response_url=h.fake.new_response_url()) for _ in range(10)]

        def timed(request: signing.SlackRequest) -> tuple[int, float]:
            started = time.monotonic()
            status = h.send(request).status_code
            return status, time.monotonic() - started

        with ThreadPoolExecutor(max_workers=30) as pool:
            results = list(pool.map(timed, requests))
        assert all(status == 200 for status, _ in results)
        assert max(elapsed for _, elapsed in results) < 3.0
        assert len(h.fake.calls("auth.test")) == 1  # at construction, never on a request
        wait_for(lambda: len(h.fake.calls("chat.postMessage")) >= 8, timeout=5)
