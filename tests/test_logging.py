"""What reaches the log: pasted text from a request that fails Slack's signature check does not."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import bot.slack.app  # noqa: F401  (installs the filters on Bolt's loggers)
from bot.logging_setup import configure_logging, quiet_third_parties
from bot.runtime.startup import StartupError
from bot.runtime.tokens import verify_bot_token
from bot.runtime.wiring import slack_clients
from bot.settings import Settings
from bot.status import StatusClient
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import BotProcess, bot_env
from tests.support.signing import BOT_TOKEN
from tests.support.status_page import FakeStatusPage

BOLT_VERIFICATION = "slack_bolt.RequestVerification"  # Bolt sets this logger's level when an app is made
PASTE = 'Pasted403Marker: {"detail": "User is locked. Reason: Exhausted balance."}'
WITHHELD = "(request body withheld)"


@pytest.mark.slow
def test_a_badly_signed_request_leaves_no_paste_text_in_the_log(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path
) -> None:
    page = FakeStatusPage(loopback, flavour="instatus")
    env = bot_env(fake, tmp_path / "bot.db", page.url, LOG_LEVEL="INFO")
    with BotProcess(env, "--mode", "http") as bot:
        bot.wait_until_serving()
        paste = signing.event("message_im.slack_docs.json", event={"text": PASTE}, event_id="EvForged")
        sender = signing.SlackSender(bot.events_url)
        try:
            assert sender.send(paste, secret="not-the-signing-secret").status_code == 401
        finally:
            sender.close()
        assert bot.terminate() == 0  # a clean stop: the log is complete
    log = bot.stderr()
    # The server refuses it before Bolt parses it, and says so without the body.
    assert "without a valid Slack signature" in log
    assert "Pasted403Marker" not in log and "Exhausted balance" not in log
    assert not fake.calls("chat.postMessage")


def test_the_bolt_line_keeps_signature_and_timestamp_but_not_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger=BOLT_VERIFICATION):
        logging.getLogger(BOLT_VERIFICATION).info(
            "Invalid request signature detected (signature: v0=abc, timestamp: 1700000000, body: %s)",
            f"token=x&text={PASTE}",
        )
    (line,) = caplog.messages
    assert line == (
        f"Invalid request signature detected (signature: v0=abc, timestamp: 1700000000, body: {WITHHELD})"
    )


def test_other_bolt_lines_pass_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=BOLT_VERIFICATION):
        logging.getLogger(BOLT_VERIFICATION).info("something else: %s", "kept")
    assert caplog.messages == ["something else: kept"]


@pytest.fixture
def info_logging() -> Iterator[Callable[[], str]]:
    """fal-bot's own logging at INFO, into a buffer; afterwards the root logger as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    configure_logging("INFO", stream=buffer)
    yield buffer.getvalue
    root.handlers[:] = handlers
    root.setLevel(level)
    quiet_third_parties("DEBUG")  # back to NOTSET: the levels belong to the next test again


def test_a_status_poll_logs_no_http_request_lines_at_info(
    info_logging: Callable[[], str], status_page: Callable[..., FakeStatusPage]
) -> None:
    page = status_page(flavour="instatus")
    client = StatusClient(page.url, deadline_seconds=5)
    try:
        assert client.fetch().level == "operational"
    finally:
        client.close()
    assert "HTTP Request:" not in info_logging()


def test_an_unreachable_slack_is_told_once_per_retry_at_info(info_logging: Callable[[], str]) -> None:
    settings = Settings(slack_bot_token=BOT_TOKEN, slack_api_url="http://127.0.0.1:9/")
    client = slack_clients(settings, BOT_TOKEN).checks  # the client fal-bot run checks the token with
    with pytest.raises(StartupError):
        verify_bot_token(settings, client, budget=1.6, sleep=lambda _seconds: None)
    err = info_logging()
    assert err.count("could not verify SLACK_BOT_TOKEN") >= 2
    assert "Failed to send a request to Slack API server" not in err
