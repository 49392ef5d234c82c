"""`fal-bot playground` as a user and a script see it: a real process with no token and no Slack or
fal setting, driven through its JSON API (../shared/contract.md, "Trying it without Slack").

Everything behind the API is the real app: signed requests to its own /slack/events, its listeners,
its diagnoser, its status poller reading the simulated page over loopback, and its alert sender.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.slack.blocks import FEEDBACK_UP, SHARE_DIAGNOSIS
from bot.store import Store
from tests.support import slack_harness
from tests.support.playground import PlaygroundProcess, playground_env

pytestmark = pytest.mark.slow

BILLING = (
    "Error: 403 Forbidden from https://queue.fal.run/fal-ai/flux/dev\n"
    '{"detail": "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing"}'
)
MESSAGE_KEYS = {"ts", "thread_ts", "user", "bot", "text", "blocks", "ephemeral"}


wait_for = functools.partial(slack_harness.wait_for, timeout=15.0)  # a process: a longer default


def visible(message: dict[str, Any]) -> str:
    """A message's text and blocks, as one string for assertions."""
    return message["text"] + "\n" + json.dumps(message["blocks"], ensure_ascii=False)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message["blocks"]:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        found += [e for e in [*elements, block.get("accessory")] if e and e.get("type") == "button"]
    return found


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaygroundProcess]:
    log = tmp_path_factory.mktemp("playground") / "playground.log"
    with PlaygroundProcess(log) as process:
        yield process


def test_it_starts_quickly_with_no_token_and_serves_the_page(playground: PlaygroundProcess) -> None:
    assert playground.ready_seconds is not None
    # The contract says under 2 s; a shared CI machine gets a generous margin (the README's figure
    # comes from an idle machine).
    assert playground.ready_seconds < 10, playground.ready_seconds
    page = playground.http.get("/")
    assert page.status_code == 200
    assert "fal-bot playground" in page.text
    for asset in ("/static/app.js", "/static/mrkdwn.js", "/static/style.css"):
        assert playground.http.get(asset).status_code == 200, asset
    # No network: the page names no other host to load anything from.
    assert "https://" not in page.text and "http://" not in page.text


def test_a_billing_error_pasted_in_the_dm_is_diagnosed_in_its_thread(playground: PlaygroundProcess) -> None:
    said = playground.say("D1", BILLING)
    assert said["ok"] is True
    messages = playground.messages("D1")
    assert all(set(m) == MESSAGE_KEYS for m in messages)
    mine = next(m for m in messages if m["ts"] == said["ts"])
    assert mine == {**mine, "user": "U1", "bot": False, "thread_ts": None, "ephemeral": False}
    replies = [m for m in messages if m["thread_ts"] == said["ts"]]
    assert len(replies) == 1, messages
    reply = replies[0]
    assert reply["bot"] is True and reply["ephemeral"] is False
    assert "locked" in visible(reply).lower() and "fal.ai/dashboard/billing" in visible(reply)
    assert {b["action_id"] for b in buttons(reply)} >= {FEEDBACK_UP}

    # 👍 is a signed block_actions request with the button's own action id and value.
    up = next(b for b in buttons(reply) if b["action_id"] == FEEDBACK_UP)
    playground.click("D1", reply["ts"], FEEDBACK_UP, up["value"])
    thanks = [m for m in playground.messages("D1") if m["ephemeral"] and "Thanks" in m["text"]]
    assert thanks and thanks[0]["bot"] is True


def test_fal_status_answers_only_the_person_who_asked(playground: PlaygroundProcess) -> None:
    before = len(playground.messages("C1"))
    assert playground.say("C1", "/fal status")["ok"] is True
    new = playground.messages("C1")[before:]
    assert len(new) == 1, new
    assert new[0]["ephemeral"] is True and new[0]["bot"] is True
    assert "operational" in visible(new[0]).lower()


def test_fal_diagnose_then_share_in_channel(playground: PlaygroundProcess) -> None:
    before = len(playground.messages("C1"))
    playground.say("C1", "/fal diagnose " + BILLING)
    answer = next(m for m in playground.messages("C1")[before:] if m["ephemeral"])
    share = next(b for b in buttons(answer) if b["action_id"] == SHARE_DIAGNOSIS)
    playground.click("C1", answer["ts"], SHARE_DIAGNOSIS, share["value"])
    shared = [m for m in playground.messages("C1")[before:] if not m["ephemeral"] and m["bot"]]
    assert len(shared) == 1 and "Shared by" in visible(shared[0])


def test_an_at_mention_in_a_channel_is_answered_in_its_thread(playground: PlaygroundProcess) -> None:
    said = playground.say("C1", "@fal-bot " + BILLING)
    replies = [m for m in playground.messages("C1") if m["thread_ts"] == said["ts"]]
    assert replies and replies[0]["bot"] and "locked" in visible(replies[0]).lower()
    # Chatter that does not mention the bot is only a message: Slack sends the app nothing.
    quiet = playground.say("C1", "lunch anyone?")
    assert not [m for m in playground.messages("C1") if m["thread_ts"] == quiet["ts"]]


def test_the_message_shortcut_and_a_mention_in_a_thread(playground: PlaygroundProcess) -> None:
    pasted = playground.say("C1", BILLING)  # no mention: Slack sends the app nothing
    assert not [m for m in playground.messages("C1") if m["thread_ts"] == pasted["ts"]]
    response = playground.post("/api/shortcut", {"channel": "C1", "user": "U1", "message_ts": pasted["ts"]})
    assert response.status_code == 200, response.text
    replies = [m for m in playground.messages("C1") if m["thread_ts"] == pasted["ts"]]
    assert len(replies) == 1 and "locked" in visible(replies[0]).lower()

    # A bare @mention in a thread diagnoses the message that started it (read back from "Slack").
    other = playground.say("C1", BILLING)
    response = playground.post(
        "/api/say", {"channel": "C1", "user": "U2", "text": "@fal-bot", "thread_ts": other["ts"]}
    )
    assert response.status_code == 200, response.text
    in_thread = [m for m in playground.messages("C1") if m["thread_ts"] == other["ts"]]
    assert [m["bot"] for m in in_thread] == [False, True], in_thread
    assert "locked" in visible(in_thread[1]).lower()


def test_subscribe_outage_alert_and_resolution(playground: PlaygroundProcess) -> None:
    playground.say("C2", "/fal subscribe")
    confirmation = playground.messages("C2")[-1]
    assert confirmation["bot"] and not confirmation["ephemeral"]  # the team sees it
    assert "subscribe" in visible(confirmation).lower() or "alerts" in visible(confirmation).lower()

    seen = playground.status("major_outage", "Queue API is down")
    assert seen["poller_saw"]["level"] == "major_outage"
    alert = wait_for(
        lambda: [m for m in playground.messages("C2") if "Queue API is down" in m["text"]],
        what="the outage alert",
    )[0]
    assert alert["thread_ts"] is None and alert["bot"] is True and alert["ephemeral"] is False

    playground.status("operational")
    resolution = wait_for(
        lambda: [m for m in playground.messages("C2") if m["thread_ts"] == alert["ts"]],
        what="the resolution in the alert's thread",
    )
    assert "resolved" in visible(resolution[-1]).lower()
    parent = next(m for m in playground.messages("C2") if m["ts"] == alert["ts"])
    assert parent["text"] != alert["text"] and "resolved" in parent["text"].lower()  # edited in place
    edited = playground.http.get("/api/messages", params={"channel": "C2"}).json()["edited"]
    assert alert["ts"] in edited


def test_maintenance_notices_start_and_end_with_its_real_duration(playground: PlaygroundProcess) -> None:
    playground.say("C2", "/fal subscribe")
    seen = playground.status("maintenance", "Database upgrade")
    assert seen["poller_saw"]["level"] == "maintenance"
    assert seen["poller_saw"]["incidents"] == ["Database upgrade (maintenance)"]

    def notices() -> list[dict[str, Any]]:
        top = [m for m in playground.messages("C2") if not m["thread_ts"]]
        return [m for m in top if "Database upgrade" in m["text"]]

    notice = wait_for(notices, what="the maintenance notice")[0]
    playground.status("operational")
    ended = wait_for(
        lambda: [m for m in playground.messages("C2") if m["thread_ts"] == notice["ts"]],
        what="the end of the maintenance in its thread",
    )
    assert "completed" in ended[-1]["text"].lower()
    # It started when it was switched on, not at some fixed date: no duration in days.
    assert " d " not in ended[-1]["text"], ended[-1]["text"]


def test_unreadable_page_is_what_the_poller_sees(playground: PlaygroundProcess) -> None:
    seen = playground.status("unreadable")
    assert seen["poller_saw"]["level"] == "unknown" and seen["poller_saw"]["error"]
    poller = playground.http.get("/api/poller").json()
    assert poller["simulated"]["level"] == "unreadable"
    assert poller["polls"][0]["level"] == "unknown"
    seen = playground.status("degraded", None)  # a degradation without an incident
    assert seen["poller_saw"]["level"] == "degraded" and seen["poller_saw"]["incidents"] == []
    playground.status("operational")


def test_app_home_is_the_view_the_app_published(playground: PlaygroundProcess) -> None:
    response = playground.post("/api/home", {"user": "U1"})
    assert response.status_code == 200
    view = response.json()["view"]
    assert view["type"] == "home"
    assert "status" in json.dumps(view["blocks"]).lower()


@pytest.mark.parametrize(
    ("path", "body", "names"),
    [
        ("/api/say", {"channel": "C9", "user": "U1", "text": "hi"}, "channel"),
        ("/api/say", {"channel": "D1", "user": "U1", "text": ""}, "text"),
        ("/api/say", {"channel": "D1", "user": "U1", "text": 5}, "text"),
        ("/api/say", {"channel": "D1", "user": "U1", "text": "x" * 40_001}, "40,000"),
        ("/api/status", {"level": "unknown", "incident": None}, "level"),
        ("/api/action", {"channel": "D1", "message_ts": "1.2", "action_id": "x", "value": "y"}, "message"),
    ],
)
def test_bad_requests_get_a_clear_400(
    playground: PlaygroundProcess, path: str, body: dict[str, Any], names: str
) -> None:
    response = playground.post(path, body)
    assert response.status_code == 400
    assert names in response.json()["error"]


def test_a_body_too_large_is_refused_unread(playground: PlaygroundProcess) -> None:
    response = playground.http.post("/api/say", content=b"x" * 300_000)
    assert response.status_code == 413


def test_not_json_is_a_400(playground: PlaygroundProcess) -> None:
    response = playground.http.post(
        "/api/say", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_a_port_in_use_is_refused_with_exit_2(tmp_path: Path, playground: PlaygroundProcess) -> None:

    from tests.support.playground import playground_env

    done = subprocess.run(
        [sys.executable, "-m", "bot", "playground", "--no-browser", "--port", str(playground.port)],
        env=playground_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"127.0.0.1:{playground.port}" in done.stderr and "--port" in done.stderr


def test_fal_bot_db_keeps_the_playground_data_there(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    process = PlaygroundProcess(tmp_path / "log", env=playground_env(FAL_BOT_DB=str(db))).start()
    process.say("C2", "/fal subscribe")
    assert process.stop() == 0  # SIGTERM (as Ctrl-C) stops it cleanly
    assert db.exists()
    assert [s.channel_id for s in Store(db).subscriptions()] == ["C2"]


def test_it_opens_the_browser_unless_told_not_to(tmp_path: Path) -> None:
    # $BROWSER is what Python's webbrowser module runs: here a script that notes the URL it got.
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    script.chmod(0o755)
    env = playground_env(BROWSER=f"{script} %s")
    with PlaygroundProcess(tmp_path / "log", env=env, open_browser=True) as process:
        wait_for(opened.exists, what="the browser being opened")
        assert opened.read_text().strip() == process.url + "/"
    opened.unlink()
    with PlaygroundProcess(tmp_path / "log2", env=env):
        pass
    assert not opened.exists()  # --no-browser
