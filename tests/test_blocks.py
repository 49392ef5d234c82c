"""Pure rendering: escaping, Slack's limits, status and diagnosis layouts, App Home."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis import Diagnosis, Match, load_knowledge
from bot.keys import KeyFinding, check_key
from bot.slack import blocks
from bot.slack.text import MAX_HEADER_TEXT, MAX_SECTION_TEXT, clip, code_block, escape, slack_date, user_text
from bot.status.models import Incident, StatusSnapshot, parse_instatus, parse_statuspage, unknown_snapshot
from bot.store import Subscription
from tests.conftest import FIXTURES
from tests.support.keys import PASTED_KEY as FAL_KEY

KB = load_knowledge()


# The only `<…>` markup the bot ever writes: links, dates, channel and user references.
ALLOWED_MARKUP = re.compile(
    r"<(?:https?://[^|<>\s]+\|[^<>]*|!date\^\d+\^[^|<>]+\|[^<>]+|#[A-Z0-9]+|@[A-Z0-9]+)>"
)


def check_markup(text: str) -> None:
    """No `<`/`>` outside the bot's own markup: user text and static `<value>` are escaped."""
    rest = re.sub(r"^> ", "", ALLOWED_MARKUP.sub("", text), flags=re.MULTILINE)  # quoted lines
    assert "<" not in rest and ">" not in rest, rest[max(0, rest.find("<") - 80) : rest.find("<") + 80]


def check_limits(message_blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    """Everything Slack would refuse: too many blocks, long sections/headers, broken markup."""
    assert 0 < len(message_blocks) <= max_blocks
    for block in message_blocks:
        if block["type"] in ("section", "context"):
            texts = [block["text"]] if "text" in block else block["elements"]
            for text in texts:
                if text.get("type") == "mrkdwn":
                    check_markup(text["text"])
    for block in message_blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
            assert block["text"]["text"].count("```") % 2 == 0
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
        if block["type"] == "context":
            assert len(block["elements"]) <= 10


def all_text(value: Any) -> str:
    """Every text string inside blocks, joined (what a reader sees, unescaped from JSON)."""
    if isinstance(value, dict):
        return "\n".join(all_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(all_text(v) for v in value)
    return value if isinstance(value, str) else ""


def snapshot_from(name: str) -> StatusSnapshot:
    data = json.loads((FIXTURES / "status" / name).read_text())
    if name.startswith("instatus"):
        return parse_instatus(data, None, source="https://status.fal.ai")
    return parse_statuspage(data, source="https://status.fal.ai")


# -- text helpers ---------------------------------------------------------------------------------
def test_escape_and_user_text() -> None:
    assert escape("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"
    shown = user_text(f"key {FAL_KEY} <!here>")
    assert "0123456789abcdef0123456789abcdef" not in shown and "&lt;!here&gt;" in shown


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_user_text_never_leaves_markup(text: str) -> None:
    shown = user_text(text)
    assert "<" not in shown and ">" not in shown
    assert re.sub(r"&(amp|lt|gt);", "", shown).count("&") == 0


@given(st.text(min_size=0, max_size=300), st.integers(min_value=8, max_value=200))
@settings(max_examples=200, deadline=None)
def test_clip_respects_the_limit(text: str, limit: int) -> None:
    cut = clip(escape(text), limit)
    assert len(cut) <= limit
    if len(escape(text)) > limit:
        assert cut.endswith(("…", "…\n```"))
        assert not re.search(r"&[a-z]{0,3}…", cut)


def test_clip_closes_an_open_code_fence() -> None:
    cut = clip("intro\n```\n" + "x = 1\n" * 1000 + "```", 200)
    assert len(cut) <= 200 and cut.count("```") == 2


def test_code_block_escapes_markup() -> None:
    assert code_block("print('<!here>')\n") == "```\nprint('&lt;!here&gt;')\n```"


def test_slack_date_renders_in_each_readers_time_zone() -> None:
    moment = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    assert (
        slack_date(moment)
        == f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|2026-01-01 12:30 UTC>"
    )


# -- status ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "instatus_summary_docsample.json",
        "statuspage_summary_twilio_minor_two_incidents.json",
        "statuspage_summary_github_major_docsample.json",
        "statuspage_summary_github_2020-04-02_major_outage.json",
        "statuspage_summary_cloudamqp_maintenance_in_progress.json",
        "statuspage_summary_codametrix_groups_operational.json",
    ],
)
def test_status_message_from_real_pages_fits_slack(name: str) -> None:
    snapshot = snapshot_from(name)
    message = blocks.status_message(snapshot, snapshot, 40)
    check_limits(message.blocks)
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert "updated 40 s ago" in shown
    for incident in snapshot.open_incidents:
        assert escape(incident.name)[:60] in shown
        if incident.started:
            assert "<!date^" in shown
    for component in snapshot.components:
        if component.status != "operational":
            assert escape(component.name) in shown
    if snapshot.level == "operational" and not snapshot.open_incidents:
        assert "operational" in message.text


def test_status_message_shows_maintenances() -> None:
    snapshot = snapshot_from("statuspage_summary_github_major_docsample.json")
    shown = json.dumps(blocks.status_message(snapshot, snapshot, 5).blocks, ensure_ascii=False)
    for maintenance in snapshot.maintenances:
        if maintenance.status != "completed":
            assert escape(maintenance.name) in shown
    assert "in progress" in shown or "scheduled" in shown


def test_status_unknown_without_last_good_says_fal_is_not_necessarily_down() -> None:
    failed = unknown_snapshot("https://status.fal.ai", "timed out after 8 s")
    message = blocks.status_message(failed, None, 3)
    assert "unknown" in message.text
    assert "does not mean fal is down" in json.dumps(message.blocks)


def test_status_unknown_with_last_good_shows_the_last_good_one() -> None:
    good = snapshot_from("instatus_summary_docsample.json")
    good = good.model_copy(update={"checked_at": datetime.now(UTC) - timedelta(minutes=5)})
    failed = unknown_snapshot("https://status.fal.ai", "HTTP 503")
    shown = json.dumps(blocks.status_message(failed, good, 1).blocks, ensure_ascii=False)
    assert "could not be read just now (HTTP 503)" in shown and "5 min ago" in shown
    for incident in good.open_incidents:
        assert escape(incident.name)[:40] in shown


def test_status_unreadable_for_longer_than_the_note_threshold_says_unknown_in_the_header() -> None:
    """An hours-old green "operational" must not read as fal's current state: past
    FAL_BOT_UNKNOWN_NOTE_MINUTES the header says unknown, the last good reading and its age below."""
    good = snapshot_from("statuspage_summary_codametrix_groups_operational.json")
    good = good.model_copy(update={"checked_at": datetime.now(UTC) - timedelta(hours=3)})
    failed = unknown_snapshot("https://status.fal.ai", "HTTP 503")
    stale = blocks.status_message(failed, good, 1, stale_after_seconds=15 * 60)
    header = stale.blocks[0]["text"]["text"]
    assert "unknown" in header and "perational" not in header
    body = json.dumps(stale.blocks, ensure_ascii=False)
    assert "3 h ago" in body and "does not mean fal is down" in body and "perational" in body
    fresh = blocks.status_message(failed, good.model_copy(update={"checked_at": datetime.now(UTC)}), 1,
                                  stale_after_seconds=15 * 60)  # fmt: skip
    assert "unknown" not in fresh.blocks[0]["text"]["text"]


def test_status_with_hundreds_of_incidents_and_long_names_fits() -> None:
    incidents = [
        Incident(
            id=str(n),
            name="<!channel> " + "very long name " * 30,
            status="investigating",
            impact="critical",
            url=f"https://status.fal.ai/incident/{n}",
            started="2026-01-01T00:00:00Z",
            level="major_outage",
        )
        for n in range(300)
    ]
    snapshot = StatusSnapshot(
        level="major_outage",
        source="https://status.fal.ai",
        checked_at=datetime.now(UTC),
        incidents=incidents,
    )
    message = blocks.status_message(snapshot, snapshot, 1)
    check_limits(message.blocks)
    assert "<!channel>" not in json.dumps(message.blocks)


# -- diagnosis ------------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", list(KB), ids=lambda e: e.id)
def test_every_knowledge_entry_renders_within_limits(entry: Any) -> None:
    runner_up = next(e for e in KB if e.id != entry.id)
    diagnosis = Diagnosis(
        True,
        (
            Match(entry.id, entry.title, entry.category, 91.2, entry),
            Match(runner_up.id, runner_up.title, runner_up.category, 40.0, runner_up),
        ),
        (),
    )
    message = blocks.diagnosis_message(diagnosis)
    check_limits(message.blocks)
    shown = all_text(message.blocks)
    assert message.blocks[0]["type"] == "header" and entry.title[:100] in message.blocks[0]["text"]["text"]
    assert escape(entry.summary)[:80] in shown
    assert "very likely* (91/100)" in shown and escape(runner_up.title)[:50] in shown
    actions = next(b for b in message.blocks if b["type"] == "actions")
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("feedback_up", entry.id),
        ("feedback_down", entry.id),
    ]
    for step in entry.fix:
        if step.python:
            assert "_Python_" in shown
        if step.js:
            assert "_JavaScript_" in shown
    for item in entry.links[:5]:
        assert item.url in shown
    assert json.dumps(message.blocks)  # serialisable as sent


def test_exposed_key_warning_comes_first_and_never_repeats_the_key() -> None:
    entry = KB.entries[0]
    diagnosis = Diagnosis(
        True,
        (Match(entry.id, entry.title, entry.category, 50, entry),),
        (
            KeyFinding("exposed", "A complete fal API key appears"),
            KeyFinding("bearer_scheme", "use Key not Bearer"),
        ),
    )
    message = blocks.diagnosis_message(diagnosis)
    assert "rotate" in message.text.lower()
    assert "dashboard/keys" in message.blocks[0]["text"]["text"]
    shown = json.dumps(message.blocks)
    assert "use Key not Bearer" in shown and "possible" in shown


def test_not_a_fal_problem_names_the_vendor() -> None:
    message = blocks.diagnosis_message(Diagnosis(False, (), (), ("other vendor: OpenAI",)))
    assert "This looks like an OpenAI error" in message.text
    assert not [b for b in message.blocks if b["type"] == "actions"]
    unrelated = blocks.diagnosis_message(Diagnosis(False, (), (), ()))
    assert "does not look like a fal error" in unrelated.text
    fal_unmatched = blocks.diagnosis_message(Diagnosis(True, (), (), ("fal_client",)))
    assert "fal-related" in fal_unmatched.text


# -- keys, subscriptions, home --------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", [FAL_KEY, " " + FAL_KEY + "\n", "Bearer " + FAL_KEY, "zq-not-a-fal-key-zzzz", "abc"]
)
def test_key_check_message_never_shows_the_value(value: str) -> None:
    message = blocks.key_check_message(check_key(value), exposed=True)
    shown = message.text + json.dumps(message.blocks, ensure_ascii=False)
    assert "0123456789abcdef0123456789abcdef" not in shown
    assert value.strip() not in shown or len(value.strip()) < 4


def test_subscription_confirmation_says_what_the_channel_gets() -> None:
    sub = Subscription("T1", "C1", "major_outage", False, ("Queue API", "<!here>"))
    text = json.dumps(blocks.subscribed_message(sub, "U1").blocks, ensure_ascii=False)
    assert "major outage" in text and "maintenance notices off" in text and "Queue API, &lt;!here&gt;" in text
    everything = json.dumps(blocks.subscribed_message(Subscription("T1", "C1"), "U1").blocks)
    assert "all components" in everything and "maintenance notices on" in everything


def test_home_view_fits_with_many_subscriptions() -> None:
    snapshot = snapshot_from("statuspage_summary_twilio_minor_two_incidents.json")
    subs = [Subscription("T1", f"C{n:04d}", components=("Queue API",) * 3) for n in range(300)]
    view = blocks.home_view(snapshot, snapshot, 12, subs)
    assert view["type"] == "home"
    check_limits(view["blocks"], max_blocks=100)
    shown = json.dumps(view)
    assert "<#C0000>" in shown and "more" in shown and "How to use fal-bot" in shown


def test_static_texts_have_no_stray_markup() -> None:
    for message in (
        blocks.help_message("note"),
        blocks.key_usage(),
        blocks.usage_hint("command"),
        blocks.usage_hint("mention"),
        blocks.subscribe_error_message("bad <thing>"),
        blocks.cannot_post_message("channel_not_found", "C1"),
        blocks.cannot_post_message("weird<error>", "C1"),
        blocks.status_timeout_message(),
        blocks.feedback_thanks("down"),
        blocks.not_subscribed_message(),
        blocks.unsubscribed_message("U1"),
    ):
        check_limits(message.blocks)
    check_limits(blocks.home_view(None, None, None, [])["blocks"], max_blocks=100)


def test_help_lists_every_subcommand() -> None:
    shown = json.dumps(blocks.help_message().blocks)
    for sub in ("status", "diagnose", "key", "subscribe", "unsubscribe", "help"):
        assert f"/fal {sub}" in shown
