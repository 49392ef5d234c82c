"""`LOG_FORMAT=json`: every line the process writes, on stdout and on stderr, is one JSON object
(`ts`, `level`, `logger`, `message`, `team_id` once known, tracebacks as `exc_info`), and redaction
holds: a fal key and a Slack token planted on several paths at DEBUG appear nowhere in the output."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.logging_setup import configure_logging
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer, free_port
from tests.support.process import REPO, UNSET, bot_env, run_command, run_to_exit
from tests.support.signing import BOT_TOKEN, SlackSender, event, slash_command
from tests.support.status_page import FakeStatusPage

KEY_SECRET = "0123456789abcdef0123456789abcdef"
FAL_KEY = f"6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f:{KEY_SECRET}"
SLACK_TOKEN = "xoxp-2222222222-3333333333-4444444444-abcdefabcdefabcdefabcdefabcdefab"
PLANTED = (KEY_SECRET, SLACK_TOKEN, BOT_TOKEN)


def json_lines(text: str, where: str) -> list[dict[str, Any]]:
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"a line on {where} is not JSON: {line[:200]!r}") from None
        assert isinstance(record, dict), line
        assert {"ts", "level", "logger", "message"} <= record.keys(), record
        assert datetime.fromisoformat(record["ts"]).utcoffset() == timedelta(0), record["ts"]
        records.append(record)
    return records


@pytest.mark.slow
def test_every_line_is_json_and_no_planted_secret_survives_at_debug(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path
) -> None:
    page = FakeStatusPage(loopback, flavour="statuspage")
    page.open_incident(id="j1", name=f"Queue slow, token {SLACK_TOKEN}", impact="degraded")
    # Slack's answer itself carries a secret (an error text no real Slack sends, but a proxy might).
    fake.fail("chat.postMessage", f"invalid_auth {SLACK_TOKEN}", channel="D0JSON", times=1)
    env = bot_env(fake, tmp_path / "bot.db", page.url, LOG_LEVEL="DEBUG", LOG_FORMAT="json")
    port = free_port()
    out_path, err_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            run_command(port, "--mode", "http"), env=env, cwd=REPO, stdout=out, stderr=err
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, err_path.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "never healthy"
            time.sleep(0.1)
        sender = SlackSender(f"{base}/slack/events")
        # Planted in: a slash command, a DM (whose reply Slack refuses), a badly signed request.
        request = slash_command(
            f"diagnose 401 from fal.run with key {FAL_KEY} and {SLACK_TOKEN}",
            response_url=fake.new_response_url(),
        )
        assert sender.send(request).status_code == 200
        dm = event(
            "message_im.slack_docs.json",
            event={"text": f"FAL_KEY={FAL_KEY} token {SLACK_TOKEN}", "channel": "D0JSON"},
            event_id="Ev0JSON",
        )
        assert sender.send(dm).status_code == 200
        assert sender.send(request, secret="wrong-secret-00000000000000000").status_code == 401
        sender.close()
        fake.wait_for_calls("chat.postMessage", 1, timeout=20)  # the DM reply Slack refuses
        time.sleep(1.0)  # a status poll or two, at DEBUG
        process.terminate()
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stdout, stderr = out_path.read_text(), err_path.read_text()
    records = json_lines(stdout, "stdout") + json_lines(stderr, "stderr")
    assert len(records) > 20  # DEBUG: Bolt, slack_sdk, httpx and waitress all had their say
    loggers = {record["logger"].split(".")[0] for record in records}
    assert {"bot", "slack_bolt", "slack_sdk", "httpx"} <= loggers, loggers
    assert any(record.get("team_id") == fake.team_id for record in records)
    assert {record["level"] for record in records} >= {"DEBUG", "INFO"}
    everything = stdout + stderr
    for secret in PLANTED:
        assert secret not in everything, secret
    assert "redacted" in everything  # the planted values did reach the log, redacted


def test_warnings_and_uncaught_exceptions_are_json_lines_with_the_traceback_as_a_field() -> None:
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (sys.excepthook, threading.excepthook)
    configure_logging("INFO", stream=buffer, fmt="json")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn(f"a warning naming {FAL_KEY}", UserWarning, stacklevel=1)

        def fail() -> None:
            raise RuntimeError(f"thread failed with {SLACK_TOKEN}")

        thread = threading.Thread(target=fail, name="json-test")
        thread.start()
        thread.join()
        try:
            raise ValueError(f"main thread failed with {FAL_KEY}")
        except ValueError:
            sys.excepthook(*sys.exc_info())  # what the interpreter calls for an uncaught exception
        logging.getLogger("bot.test").info("extra fields", extra={"detail": {"key": FAL_KEY}})
    finally:
        sys.excepthook, threading.excepthook = saved
        logging.captureWarnings(False)
        for handler in list(root.handlers):
            if getattr(handler, "_fal_bot_redacting", False):
                root.removeHandler(handler)
    records = json_lines(buffer.getvalue(), "the stream")
    by_logger = {record["logger"]: record for record in records}
    assert "a warning naming" in by_logger["py.warnings"]["message"]
    uncaught = [record for record in records if record["logger"] == "fal_bot.uncaught"]
    assert len(uncaught) == 2
    assert all("Traceback" in record["exc_info"] for record in uncaught)
    assert "RuntimeError" in uncaught[0]["exc_info"] and "json-test" in uncaught[0]["message"]
    assert "ValueError" in uncaught[1]["exc_info"]
    assert "redacted" in json.dumps(by_logger["bot.test"]["detail"])
    for secret in (KEY_SECRET, SLACK_TOKEN):
        assert secret not in buffer.getvalue()


@pytest.mark.slow
def test_a_start_up_refusal_is_a_json_line_too(tmp_path: Path) -> None:
    env = bot_env(None, tmp_path / "bot.db", "http://127.0.0.1:9", LOG_FORMAT="json", SLACK_BOT_TOKEN=UNSET)
    result = run_to_exit(env, "--mode", "http")
    assert result.returncode == 2
    [record] = json_lines(result.stderr, "stderr")
    assert record["level"] == "ERROR" and "SLACK_BOT_TOKEN is not set" in record["message"]
    assert result.stdout == ""
