"""Text from the status page is untrusted too: a key or token in an incident's name or update never
reaches Slack, `/fal status`, App Home, `fal-bot status --json` or a byte of the SQLite file.

The real `fal-bot run --mode http` process, the loopback fake Slack and a scripted status page.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.alerts.sender import METADATA_EVENT_TYPE
from bot.keys import redact
from bot.status.models import parse_statuspage
from bot.store import Store
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import LoopbackServer
from tests.support.process import REPO, BotProcess, bot_env
from tests.support.signing import SlackSender, slash_command, wrap_event
from tests.support.slack_harness import wait_for
from tests.support.status_page import FakeStatusPage

TEAM = "T111"
CHANNEL = "C111"
FAL_KEY = "3f2b1c4d-1a2b-4c3d-8e9f-0a1b2c3d4e5f:0123456789abcdef0123456789abcdef"
FAL_SECRET = FAL_KEY.split(":")[1]
SLACK_TOKEN = "xoxp-1234567890-9876543210-abcdefABCDEF123456"
APP_TOKEN = "xapp-1-A0123456-789-0a1b2c3d4e5f6a7b8c9d"
# Parts that must not survive anywhere, in any encoding the bot might use.
SECRETS = (FAL_KEY, FAL_SECRET, SLACK_TOKEN, "abcdefABCDEF123456", APP_TOKEN, "0a1b2c3d4e5f6a7b8c9d")


wait_until = functools.partial(wait_for, timeout=20.0)  # process tests: a longer default


def leaked(text: str | bytes) -> list[str]:
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    return [secret for secret in SECRETS if secret.encode() in data or secret.lower().encode() in data]


def test_redact_also_hides_slack_tokens_but_not_placeholders() -> None:
    assert SLACK_TOKEN not in redact(f"token {SLACK_TOKEN} here")
    assert APP_TOKEN not in redact(APP_TOKEN)
    assert "xoxb-1111-2222-fakebottoken" not in redact("xoxb-1111-2222-fakebottoken")
    assert redact("xoxo-everyone, see you") == "xoxo-everyone, see you"  # not a token prefix
    assert redact("use the xoxb-… token from OAuth & Permissions") == (
        "use the xoxb-… token from OAuth & Permissions"
    )


def test_the_parser_redacts_names_and_update_bodies() -> None:
    summary = {
        "page": {"name": "fal"},
        "status": {"indicator": "critical", "description": "x"},
        "components": [{"id": "c", "name": f"Queue {FAL_KEY}", "status": "major_outage"}],
        "incidents": [
            {
                "id": "i1",
                "name": f"Leaked {FAL_KEY}",
                "status": "investigating",
                "impact": "critical",
                "incident_updates": [
                    # An entity and a tag keep the key's halves apart until the HTML is stripped.
                    {"id": "u1", "status": "investigating", "body": FAL_KEY.replace(":", "&#58;<b></b>")},
                    {"id": "u2", "status": "investigating", "body": f"rotate {SLACK_TOKEN} now"},
                ],
            }
        ],
        "scheduled_maintenances": [{"id": "m", "name": f"Move {APP_TOKEN}", "status": "in_progress"}],
    }
    snapshot = parse_statuspage(summary, source="https://status.fal.ai")
    assert leaked(snapshot.model_dump_json()) == []
    assert "[redacted" in snapshot.incidents[0].name


def _db_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")) if p.is_file())


@pytest.mark.slow
def test_a_key_on_the_status_page_is_never_posted_shown_or_stored(
    fake: FakeSlack, loopback: type[LoopbackServer], tmp_path: Path
) -> None:
    page = FakeStatusPage(loopback, flavour="statuspage")
    db = tmp_path / "bot.db"
    env = bot_env(fake, db, page.url, LOG_LEVEL="DEBUG")
    sender = None
    with BotProcess(env, "--mode", "http") as bot:
        bot.wait_until_serving()
        sender = SlackSender(bot.events_url)
        store = Store(db)
        answer = sender.send(
            slash_command("subscribe", response_url=fake.new_response_url(), team_id=TEAM, channel_id=CHANNEL)
        )
        assert answer.status_code == 200
        wait_until(lambda: store.subscription(TEAM, CHANNEL) is not None, what="subscription stored")
        store.close()

        page.open_incident(
            id="leak",
            name=f"Queue API slow {FAL_KEY}",
            impact="major_outage",
            body=f"Investigating; our key {FAL_KEY} and {SLACK_TOKEN} were in the logs",
        )
        wait_until(
            lambda: any(
                (m.get("metadata") or {}).get("event_type") == METADATA_EVENT_TYPE
                for m in fake.messages(CHANNEL)
            ),
            what="the alert",
        )
        page.update_incident("leak", status="identified", body=f"Rotated {APP_TOKEN} and {FAL_KEY}")
        wait_until(lambda: any(m.get("thread_ts") for m in fake.messages(CHANNEL)), what="the update")
        assert "[redacted" in fake.everything_sent()

        status_answer = sender.send(
            slash_command("status", response_url=fake.new_response_url(), team_id=TEAM, channel_id=CHANNEL)
        )
        assert status_answer.status_code == 200 and "Queue API slow" in status_answer.text
        home = sender.send(
            wrap_event(
                "app_home_opened.slack_docs_event_only.json",
                event={"user": "W111", "tab": "home"},
                team_id=TEAM,
                event_id="EvHome1",
            )
        )
        assert home.status_code == 200
        wait_until(lambda: fake.calls("views.publish"), what="App Home published")

        cli = subprocess.run(
            [sys.executable, "-m", "bot", "status", "--json"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert json.loads(cli.stdout)["level"] == "major_outage"

        assert leaked(fake.everything_sent()) == []
        assert leaked(status_answer.text) == []
        assert leaked(cli.stdout + cli.stderr) == []
        running_bytes = _db_bytes(db)  # the WAL as it is while the process runs
        assert bot.terminate() == 0
    sender.close()
    assert leaked(running_bytes) == []
    assert leaked(_db_bytes(db)) == []
    assert leaked(bot.stderr()) == []
