"""What reaches the log: pasted text from a request that fails Slack's signature check does not."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.slack.app  # noqa: F401  (installs the filters on Bolt's loggers)
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import BotProcess, bot_env
from tests.support.status_page import FakeStatusPage

BOLT_VERIFICATION = "slack_bolt.RequestVerification"  # Bolt sets this logger's level when an app is made
PASTE = 'Pasted403Marker: {"detail": "User is locked. Reason: Exhausted balance."}'
WITHHELD = "(request body withheld)"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


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
