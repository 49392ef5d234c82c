"""DMs, mentions, the message shortcut, feedback buttons and App Home, over signed loopback HTTP."""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.diagnosis import Diagnoser, Diagnosis
from bot.keys import redact
from bot.logging_setup import configure_logging
from bot.slack.events import strip_bot_mention
from bot.slack.services import FALLBACK_CHARS, RecentPastes
from bot.store import GAP_TEXT_CHARS, Subscription
from tests.support import signing
from tests.support.fake_slack import Call
from tests.support.keys import PASTED_KEY as FAL_KEY
from tests.support.slack_harness import SlackHarness, shared_diagnoser, wait_for
from tests.support.status_page import FakeStatusPage

LOCKED = (
    'fal_client.client.FalClientError: 403 {"detail": "User is locked. Reason: Exhausted balance. '
    'Top up your balance at fal.ai/dashboard/billing."}'
)
OPENAI = (
    "openai.RateLimitError: Error code: 429 - "
    "{'error': {'message': 'You exceeded your current quota', 'type': 'insufficient_quota'}}"
)

SECRET = FAL_KEY.split(":")[1]
DM = "message_im.slack_docs.json"
MENTION = "app_mention.slack_docs.json"


@pytest.fixture
def page(status_page: Callable[..., FakeStatusPage]) -> FakeStatusPage:
    return status_page(flavour="instatus")


@pytest.fixture
def h(tmp_path: Path, page: FakeStatusPage) -> Iterator[SlackHarness]:
    with SlackHarness(tmp_path, page_url=page.url) as harness:
        yield harness


def dm(text: str, event_id: str = "EvDM1", **event: object) -> signing.SlackRequest:
    return signing.event(DM, event={"text": text, **event}, event_id=event_id)


def replies(h: SlackHarness, count: int = 1) -> list[Call]:
    return h.fake.wait_for_calls("chat.postMessage", count)


# -- DMs ------------------------------------------------------------------------------------------
def test_dm_with_a_fal_error_gets_the_diagnosis_in_its_thread(h: SlackHarness) -> None:
    started = time.monotonic()
    response = h.send(dm(LOCKED))
    assert response.status_code == 200 and time.monotonic() - started < 3.0
    post = replies(h)[0]
    assert post.params["channel"] == "D024BE91L"
    assert post.params["thread_ts"] == "1355517523.000005"
    shown = post.text_and_blocks()
    assert "Exhausted balance" in json.dumps(post.params["blocks"][0:2])  # header names the entry
    assert "feedback_up" in shown and "billing-exhausted-balance" in shown
    assert "How sure" in shown and "Runner-up" in shown
    assert "share_diagnosis" not in shown  # already in a thread everyone sees


def test_dm_reply_in_an_existing_thread_stays_in_that_thread(h: SlackHarness) -> None:
    h.send(dm(LOCKED, thread_ts="1355517000.000001"))
    assert replies(h)[0].params["thread_ts"] == "1355517000.000001"


def test_openai_error_gets_a_polite_not_a_fal_problem(h: SlackHarness) -> None:
    h.send(dm(OPENAI))
    shown = replies(h)[0].text_and_blocks()
    assert "OpenAI error" in shown and "not a fal one" in shown
    assert "feedback_up" not in shown


def test_empty_mention_gets_a_usage_hint(h: SlackHarness) -> None:
    h.send(signing.event(MENTION, event={"text": f"<@{h.fake.bot_user_id}>"}))
    shown = replies(h)[0].text_and_blocks()
    assert "Send me a fal error" in shown


def test_the_leading_mention_and_the_bots_own_are_stripped() -> None:
    assert strip_bot_mention("<@U0LAN0Z89>", "UBOT111") == ""
    assert strip_bot_mention("<@U0LAN0Z89|fal-bot> 403 from fal <@UBOT111>", "UBOT111") == "403 from fal"
    assert strip_bot_mention("see <@U222> 403", "UBOT111") == "see <@U222> 403"


def test_mention_is_answered_in_thread_without_the_bot_mention(h: SlackHarness) -> None:
    h.send(signing.event(MENTION, event={"text": f"<@{h.fake.bot_user_id}> {LOCKED}"}))
    post = replies(h)[0]
    assert post.params["channel"] == "C123ABC456" and post.params["thread_ts"] == "1515449522.000016"
    assert "Exhausted balance" in post.text_and_blocks()


def test_bare_mention_in_a_thread_diagnoses_the_thread_parent(h: SlackHarness) -> None:
    h.fake.add_message("C123ABC456", LOCKED, ts="1515449000.000001")
    event = {"text": f"<@{h.fake.bot_user_id}>", "thread_ts": "1515449000.000001"}
    h.send(signing.event(MENTION, event=event))
    post = replies(h)[0]
    assert post.params["thread_ts"] == "1515449000.000001"
    assert "Exhausted balance" in post.text_and_blocks()
    assert h.fake.calls("conversations.replies", channel="C123ABC456")


def test_small_talk_in_a_dm_thread_gets_no_reply_but_a_fal_error_does(h: SlackHarness) -> None:
    h.send(dm("thanks, that fixed it!", thread_ts="1355517000.000001"))
    h.send(dm(LOCKED, event_id="EvDM2", thread_ts="1355517000.000001"))
    post = replies(h)[0]
    h.drain()
    assert len(h.fake.calls("chat.postMessage")) == 1 and "Exhausted balance" in post.text_and_blocks()


def test_dm_help_word_answers_with_help(h: SlackHarness) -> None:
    h.send(dm("help"))
    assert "/fal subscribe" in replies(h)[0].text_and_blocks()


# -- what is never answered -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "event",
    [
        {"bot_id": "B999"},  # another bot, or this bot's own reply
        {"subtype": "bot_message", "bot_id": "B999"},
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join"},
        {"channel_type": "channel", "channel": "C123"},  # plain channel messages are never answered
        {"user": "UBOT111"},  # the bot's own user
    ],
)
def test_messages_that_are_not_answered(h: SlackHarness, event: dict[str, str]) -> None:
    response = h.send(dm(LOCKED, **event))
    assert response.status_code == 200
    h.send(dm("help", event_id="EvMarker"))  # a marker: once it is answered, the first had its chance
    h.fake.wait_for_calls("chat.postMessage")
    h.drain()
    posts = h.fake.calls("chat.postMessage")
    assert len(posts) == 1 and "/fal subscribe" in posts[0].text_and_blocks()


def test_a_file_share_message_is_answered(h: SlackHarness) -> None:
    h.send(dm(LOCKED, subtype="file_share"))
    assert "Exhausted balance" in replies(h)[0].text_and_blocks()


# -- retries --------------------------------------------------------------------------------------
def test_a_retried_event_is_answered_once_also_after_a_restart(h: SlackHarness, tmp_path: Path) -> None:
    assert h.send(dm(LOCKED, event_id="EvRetry")).status_code == 200
    assert (
        h.send(signing.event(DM, event={"text": LOCKED}, event_id="EvRetry", retry_num=1)).status_code == 200
    )
    replies(h)
    h.drain()
    assert len(h.fake.calls("chat.postMessage")) == 1
    # A new app instance on the same database file (a restart) still knows the event.
    with SlackHarness(tmp_path, fake=h.fake, db_path=h.db_path, page_url=h.page_url) as restarted:
        retried = signing.event(DM, event={"text": LOCKED}, event_id="EvRetry", retry_num=2)
        assert restarted.send(retried).status_code == 200
        restarted.send(dm("help", event_id="EvOther"))
        h.fake.wait_for_calls("chat.postMessage", 2)
        restarted.drain()
    posts = h.fake.calls("chat.postMessage")
    assert len(posts) == 2 and "/fal subscribe" in posts[1].text_and_blocks()


def test_ack_is_fast_while_slack_answers_429(h: SlackHarness) -> None:
    h.fake.rate_limit("chat.postMessage", retry_after=2)
    started = time.monotonic()
    assert h.send(dm(LOCKED)).status_code == 200
    assert time.monotonic() - started < 3.0
    wait_for(lambda: h.fake.ok_calls("chat.postMessage"), timeout=10)
    first, second = h.fake.calls("chat.postMessage")[:2]
    assert first.status == 429 and second.at - first.at >= 1.9


# -- hygiene: pings, keys, long texts -------------------------------------------------------------
def test_a_paste_past_slacks_message_limit_is_read_up_to_it_and_the_reply_says_so(h: SlackHarness) -> None:
    filler = "\n".join(f"INFO step {i} ok" for i in range(6_000))
    h.send(dm(f"{LOCKED}\n{filler}"))
    shown = replies(h)[0].text_and_blocks()
    assert "Exhausted balance" in shown
    assert "too large to read in full" in shown and "first 40,000 of" in shown


class _SlowOnLongText:
    """The real diagnoser, held up on long texts: what a paste that outlasts the budget looks like."""

    def __init__(self, diagnoser: Diagnoser, longer_than: int, delay: float):
        self.diagnoser, self.longer_than, self.delay = diagnoser, longer_than, delay

    def diagnose(self, text: str) -> Diagnosis:
        if len(text) > self.longer_than:
            time.sleep(self.delay)
        return self.diagnoser.diagnose(text)

    def warm(self) -> Diagnoser:
        return self.diagnoser.warm()


def test_a_paste_that_outlasts_the_time_budget_is_answered_from_what_was_read(h: SlackHarness) -> None:
    services = h.services
    services.diagnosis_budget = 0.5
    services._diagnoser = _SlowOnLongText(shared_diagnoser(), longer_than=FALLBACK_CHARS, delay=2.0)
    filler = "\n".join(f"INFO step {i} ok" for i in range(1_000))
    started = time.monotonic()
    h.send(dm(f"{LOCKED}\n{filler}"))
    post = replies(h)[0]
    assert post.at - started < 1.8  # the budget, then the short reading: not the slow one
    shown = post.text_and_blocks()
    assert "Exhausted balance" in shown
    assert f"first {FALLBACK_CHARS:,} of" in shown


def test_a_paste_too_slow_even_in_part_gets_a_clear_answer(h: SlackHarness) -> None:
    services = h.services
    services.diagnosis_budget = 0.2
    services._diagnoser = _SlowOnLongText(shared_diagnoser(), longer_than=0, delay=1.0)
    h.send(dm(LOCKED))
    shown = replies(h)[0].text_and_blocks()
    assert "too large to read in time" in shown and "Paste just the error message" in shown


def test_a_paste_with_channel_here_and_user_mentions_pings_nobody(h: SlackHarness) -> None:
    paste = f"<!channel> <!here> <@U123> fal.ai says: {LOCKED} <!everyone>"
    h.send(dm(paste))
    h.send(dm("<!channel> <!here> <@U123> what is this", event_id="EvDM2"))
    h.send(signing.event(MENTION, event={"text": f"<@{h.fake.bot_user_id}> <!here> <@U123> {OPENAI}"}))
    replies(h, 3)
    sent = h.fake.everything_sent()
    for markup in ("<!channel>", "<!here>", "<@U123>", "<!everyone>"):
        assert markup not in sent


def test_a_pasted_key_appears_in_no_reply_no_log_line_and_no_database_row(
    tmp_path: Path, page: FakeStatusPage, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    # As `fal-bot run` does, logging first and then the app. At DEBUG Bolt logs every request body
    # and slack_sdk every Web API body: all of it must come out redacted.
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    try:
        with SlackHarness(tmp_path, page_url=page.url) as h:
            paste = f"fal_client 401 Unauthorized\nAuthorization: Key {FAL_KEY}\nFAL_KEY={FAL_KEY}"
            h.send(dm(paste))
            h.send(signing.event(MENTION, event={"text": f"<@{h.fake.bot_user_id}> {paste}"}))
            h.send(signing.slash_command(f"diagnose {paste}", response_url=h.fake.new_response_url()))
            h.send(signing.slash_command(f"key {FAL_KEY}", response_url=h.fake.new_response_url()))
            replies(h, 2)
            wait_for(lambda: h.fake.responses())
            h.drain()
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    sent = h.fake.everything_sent()
    assert SECRET not in sent
    assert "dashboard/keys" in sent and "history" in sent  # every surface warned
    for post in h.fake.calls("chat.postMessage"):
        assert "A complete fal API key" in post.text_and_blocks()
    # Our own log records never carry pasted text at all.
    ours = [r for r in caplog.records if r.name.startswith("bot.")]
    assert ours and not any(SECRET in r.getMessage() for r in ours)
    # Every line actually written (Bolt's and slack_sdk's DEBUG dumps included) is redacted.
    written = capfd.readouterr().err
    assert "Responding with status" in written  # Bolt's DEBUG dumps of answer bodies were on
    assert SECRET not in written
    # Nothing in the database file (or its WAL) holds the secret.
    data = b"".join(p.read_bytes() for p in h.db_path.parent.glob(h.db_path.name + "*"))
    assert SECRET.encode() not in data


def test_a_40000_character_message_is_answered(h: SlackHarness) -> None:
    filler = "INFO request ok\n" * 2400
    paste = (filler + LOCKED + "\n" + filler)[:40000]
    assert h.send(dm(paste)).status_code == 200
    post = wait_for(lambda: h.fake.ok_calls("chat.postMessage"), timeout=10)[0]
    assert len(post.params["text"]) <= 3000
    assert "Exhausted balance" in post.text_and_blocks()


# -- message shortcut -----------------------------------------------------------------------------
def shortcut(
    h: SlackHarness, text: str, channel: str = "C111", **message: object
) -> tuple[signing.SlackRequest, str]:
    url = h.fake.new_response_url()
    request = signing.interactive(
        "message_action.bolt_tests.json",
        callback_id="diagnose_message",
        response_url=url,
        channel={"id": channel, "name": "dev"},
        message={"text": text, **message},
    )
    return request, url


def test_shortcut_replies_in_the_message_thread(h: SlackHarness) -> None:
    request, url = shortcut(h, LOCKED)
    started = time.monotonic()
    assert h.send(request).status_code == 200
    assert time.monotonic() - started < 3.0
    post = replies(h)[0]
    assert post.params["channel"] == "C111" and post.params["thread_ts"] == "1583636382.000300"
    assert "Exhausted balance" in post.text_and_blocks()
    assert post.params.get("team_id") is None
    h.drain()
    assert not h.fake.responses(url)


def test_shortcut_where_the_bot_cannot_post_answers_ephemerally(h: SlackHarness) -> None:
    h.fake.set_channel("G42", is_private=True, is_member=False)
    request, url = shortcut(h, f"{LOCKED} {FAL_KEY}", channel="G42", thread_ts="1583636000.000001")
    h.send(request)
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert answer.params["response_type"] == "ephemeral"
    shown = answer.text_and_blocks()
    assert "Exhausted balance" in shown and "A complete fal API key" in shown and SECRET not in shown
    assert h.fake.calls("chat.postMessage")[0].params["thread_ts"] == "1583636000.000001"


# -- feedback -------------------------------------------------------------------------------------
def test_feedback_click_is_stored_and_acknowledged_ephemerally(h: SlackHarness) -> None:
    url = h.fake.new_response_url()
    action = {
        "action_id": "feedback_down",
        "block_id": "feedback",
        "text": {"type": "plain_text", "text": "👎 Not helpful"},
        "value": "billing-exhausted-balance",
        "type": "button",
        "action_ts": "1678252216.469172",
    }
    request = signing.interactive("block_actions.bolt_tests.json", actions=[action], response_url=url)
    started = time.monotonic()
    assert h.send(request).status_code == 200
    assert time.monotonic() - started < 3.0
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert answer.params["response_type"] == "ephemeral" and answer.params["replace_original"] is False
    rows = list(h.store.db.table("feedback").rows)
    assert [(r["team_id"], r["user_id"], r["entry_id"], r["vote"]) for r in rows] == [
        ("T0G9PQBBK", "U111", "billing-exhausted-balance", "down")
    ]
    assert rows[0]["created_at"] > 0


# -- App Home -------------------------------------------------------------------------------------
def test_app_home_is_published_with_status_and_subscriptions(h: SlackHarness, page: FakeStatusPage) -> None:
    page.open_incident(id="i9", name="Realtime degraded", impact="degraded")
    h.store.subscribe(Subscription("T123ABC456", "C100", "partial_outage", False, ("Queue API",)))
    h.store.subscribe(Subscription("T123ABC456", "C200"))
    h.store.disable_subscription("T123ABC456", "C200", "bot was removed from channel")
    h.store.subscribe(Subscription("TOTHER", "C300"))
    request = signing.wrap_event("app_home_opened.slack_docs_event_only.json", event_id="EvHome1")
    started = time.monotonic()
    assert h.send(request).status_code == 200
    assert time.monotonic() - started < 3.0
    publish = h.fake.wait_for_calls("views.publish")[0]
    assert publish.params["user_id"] == "U123ABC456"
    view = json.dumps(publish.params["view"], ensure_ascii=False)
    assert publish.params["view"]["type"] == "home"
    assert "Realtime degraded" in view
    assert "<#C100>" in view and "partial outage" in view and "Queue API" in view
    assert "<#C200>" in view and "paused (bot was removed from channel)" in view
    assert "C300" not in view  # another workspace's channel
    assert "/fal status" in view


def test_app_home_messages_tab_publishes_nothing(h: SlackHarness) -> None:
    h.send(signing.event("app_home_opened.bolt_tests.json"))
    h.send(dm("help", event_id="EvMarker2"))
    replies(h)
    h.drain()
    assert not h.fake.calls("views.publish")


def test_url_verification_and_signature_checks(h: SlackHarness) -> None:
    assert h.send(signing.url_verification()).json() == {
        "challenge": signing.fixture_json("url_verification.slack_docs.json")["challenge"]
    }
    assert h.send(dm(LOCKED), secret="not-the-secret").status_code == 401
    assert h.send(dm(LOCKED), timestamp=time.time() - 600).status_code == 401
    h.drain()
    assert not h.fake.calls("chat.postMessage")


# -- gaps: what the bot could not answer, for `fal-bot kb gaps` --------------------------------------
def _kb_gaps(db: Path) -> dict[str, Any]:
    env = {**os.environ, "FAL_BOT_DB": str(db)}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("fal-bot")), "kb", "gaps", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


@pytest.mark.slow  # runs `fal-bot kb gaps`
def test_an_unanswered_paste_is_kept_redacted_for_kb_gaps(h: SlackHarness) -> None:
    paste = f"lunch order for room 4411: two pizzas, and {FAL_KEY}"  # nothing in it to diagnose
    h.send(dm(paste))
    h.send(dm(paste.replace("4411", "9025"), event_id="EvDM2"))
    replies(h, 2)
    h.drain()
    [gap] = _kb_gaps(h.db_path)["gaps"]
    assert gap["count"] == 2 and gap["reasons"] == ["no_match"] and gap["surfaces"] == ["dm"]
    assert "lunch order for room" in gap["text"] and SECRET not in gap["text"] and "[redacted" in gap["text"]
    h.store.close()
    database = b"".join(p.read_bytes() for p in h.db_path.parent.glob(h.db_path.name + "*"))
    assert SECRET.encode() not in database and b"lunch order for room" in database


@pytest.mark.slow  # runs `fal-bot kb gaps`
def test_a_thumbs_down_keeps_the_answered_paste_as_a_gap_and_a_thumbs_up_does_not(h: SlackHarness) -> None:
    h.send(dm(LOCKED))
    post = replies(h)[0]
    buttons = [
        element
        for block in post.params["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
    value = {b["action_id"]: b["value"] for b in buttons}
    assert value["feedback_down"].startswith("billing-exhausted-balance#")
    # up, down, and down again: the paste becomes one gap, however many 👎 it gets
    for action_id in ("feedback_up", "feedback_down", "feedback_down"):
        action = {"action_id": action_id, "block_id": "feedback", "value": value[action_id], "type": "button"}
        url = h.fake.new_response_url()
        h.send(signing.interactive("block_actions.bolt_tests.json", actions=[action], response_url=url))
        wait_for(functools.partial(h.fake.responses, url))
    h.drain()
    [gap] = _kb_gaps(h.db_path)["gaps"]
    assert gap["count"] == 1
    assert gap["reasons"] == ["thumbs_down"] and gap["entries"] == ["billing-exhausted-balance"]
    assert "User is locked" in gap["text"]
    votes = [(r["entry_id"], r["vote"]) for r in h.store.db.table("feedback").rows]
    # the same person's second vote on the same answer replaced the first
    assert votes == [("billing-exhausted-balance", "down")]


def test_answered_pastes_are_held_only_as_far_as_a_gap_keeps_them() -> None:
    """A 👎 needs the paste; memory needs a bound: at most `capacity` pastes, each redacted and cut
    to what a gap stores, the oldest dropped first."""
    recent = RecentPastes(capacity=3)
    long_paste = f"{FAL_KEY} " + "ERROR fal_client: User is locked. " * 1200  # ~40,000 characters
    first = recent.remember(long_paste, "dm")
    kept = recent.claim(first)
    assert kept is not None and kept[0] == redact(long_paste)[:GAP_TEXT_CHARS] and SECRET not in kept[0]
    ids = [recent.remember(f"paste {n}", "dm") for n in range(4)]
    assert recent.claim(ids[0]) is None  # the oldest, past the capacity
    assert recent.claim(ids[3]) == ("paste 3", "dm")


@pytest.mark.slow  # runs `fal-bot kb gaps`
def test_a_guess_asks_for_the_full_error_first_and_is_kept_as_a_gap(h: SlackHarness) -> None:
    # about fal, but nothing in it decides the problem: a follow-up first, the guess marked as one
    h.send(dm("the fal_client keeps complaining about credentials in our worker"))
    post = replies(h)[0]
    shown = json.dumps(post.params["blocks"])
    assert shown.index("What would decide it") < shown.index("Closest known problem, a rough guess")
    assert "How to fix" not in shown  # a guess names the problem; it does not prescribe its fix
    assert post.params["text"].startswith("🩺 Not sure yet")
    # a 👎 on the guess counts as a vote; the paste is already a gap
    [down] = [
        element
        for block in post.params["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == "feedback_down"
    ]
    action = {"action_id": "feedback_down", "block_id": "feedback", "value": down["value"], "type": "button"}
    url = h.fake.new_response_url()
    h.send(signing.interactive("block_actions.bolt_tests.json", actions=[action], response_url=url))
    wait_for(functools.partial(h.fake.responses, url))
    h.drain()
    [gap] = _kb_gaps(h.db_path)["gaps"]
    assert gap["count"] == 1 and gap["reasons"] == ["guess"] and len(gap["entries"]) == 1


@pytest.mark.slow  # runs `fal-bot kb gaps`
def test_kb_gaps_on_a_fresh_machine_creates_no_database(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    assert _kb_gaps(db) == {"gaps": []}
    assert not db.exists()
