"""/fal over signed loopback HTTP: status, diagnose, key, subscribe, unsubscribe, help."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.logging_setup import configure_logging
from bot.slack import blocks
from bot.slack.commands import OptionError, SubscribeOptions, parse_subscribe_options, split_subcommand
from bot.slack.services import StatusAnswers
from bot.store import Subscription
from tests.support.keys import PASTED_KEY as FAL_KEY
from tests.support.signing import interactive, slash_command
from tests.support.slack_harness import SlackHarness, wait_for
from tests.support.status_page import FakeStatusPage

SECRET = FAL_KEY.split(":")[1]


@pytest.fixture
def page(status_page: Callable[..., FakeStatusPage]) -> FakeStatusPage:
    return status_page(flavour="instatus", components={"Queue API": "operational", "Realtime": "degraded"})


@pytest.fixture
def h(tmp_path: Path, page: FakeStatusPage) -> Iterator[SlackHarness]:
    with SlackHarness(tmp_path, page_url=page.url) as harness:
        yield harness


def command(h: SlackHarness, text: str, **fields: Any) -> tuple[Any, str]:
    """Send `/fal <text>`; return (HTTP response, its response_url)."""
    url = h.fake.new_response_url()
    response = h.send(slash_command(text, response_url=url, **fields))
    assert response.status_code == 200, response.text
    return response, url


def body_of(response: Any) -> dict[str, Any]:
    return json.loads(response.text) if response.text else {}


# -- help -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "help", "frobnicate"])
def test_help_lists_every_subcommand_ephemerally(h: SlackHarness, text: str) -> None:
    response, _ = command(h, text)
    body = body_of(response)
    assert body["response_type"] == "ephemeral"
    shown = json.dumps(body["blocks"])
    for word in (
        "/fal status",
        "/fal diagnose",
        "/fal key",
        "/fal subscribe",
        "/fal unsubscribe",
        "/fal help",
    ):
        assert word in shown
    assert "min=degraded|partial|major" in shown and "maintenance=on|off" in shown
    if text == "frobnicate":
        assert "frobnicate" in shown


# -- status ---------------------------------------------------------------------------------------
def test_status_answers_from_the_snapshot_inside_the_ack(h: SlackHarness, page: FakeStatusPage) -> None:
    page.open_incident(
        id="inc1", name="Queue API slow <!channel>", impact="partial_outage", components=["Queue API"]
    )
    h.monitor.refresh()
    requests_before = len(page.requests)
    response, url = command(h, "status")
    body = body_of(response)
    assert body["response_type"] == "ephemeral"
    shown = json.dumps(body["blocks"], ensure_ascii=False)
    assert "Queue API slow &lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "<!date^" in shown and "{date_short_pretty} {time}" in shown
    assert "Realtime" in shown  # a component that is not operational
    assert "updated" in shown and "ago" in shown
    assert len(page.requests) == requests_before  # no network before the ack
    assert not h.fake.responses(url)


def test_status_without_snapshot_acks_fast_while_the_page_hangs(
    h: SlackHarness, page: FakeStatusPage
) -> None:
    page.hang(30)
    started = time.monotonic()
    response, url = command(h, "status")
    assert time.monotonic() - started < 3.0
    assert "Checking fal's status" in response.text
    # The follow-up arrives through response_url within the status deadline (2 s here) plus grace.
    answer = wait_for(lambda: h.fake.responses(url), timeout=h.status_deadline + 4)
    shown = answer[0].text_and_blocks()
    assert answer[0].params["response_type"] == "ephemeral"
    assert "not mean fal is down" in shown or "unknown" in shown


def test_status_follow_ups_waiting_on_a_hanging_page_do_not_hold_up_diagnoses(
    h: SlackHarness, page: FakeStatusPage
) -> None:
    page.hang(30)
    status_urls = [command(h, "status")[1] for _ in range(12)]  # more than the work pool's threads
    _, diagnose_url = command(h, 'diagnose {"detail": "User is locked. Reason: Exhausted balance."}')
    answer = wait_for(lambda: h.fake.responses(diagnose_url), timeout=h.status_deadline + 4)
    assert "Exhausted balance" in answer[0].text_and_blocks()
    # The diagnosis did not queue behind the follow-ups: none of them has answered yet.
    assert not any(h.fake.responses(url) for url in status_urls)
    wait_for(lambda: all(h.fake.responses(url) for url in status_urls), timeout=h.status_deadline + 6)


def test_status_without_snapshot_follows_up_with_the_fresh_reading(
    h: SlackHarness, page: FakeStatusPage
) -> None:
    page.open_incident(id="inc2", name="Realtime errors", impact="major_outage")
    response, url = command(h, "status")
    assert "Checking fal's status" in response.text
    answer = wait_for(lambda: h.fake.responses(url), timeout=h.status_deadline + 4)[0]
    assert answer.params["replace_original"] is True and answer.params["response_type"] == "ephemeral"
    assert "Realtime errors" in answer.text_and_blocks() and "major outage" in answer.text_and_blocks()


def test_status_shows_last_good_snapshot_when_the_latest_poll_failed(
    h: SlackHarness, page: FakeStatusPage
) -> None:
    page.open_incident(id="inc1", name="Realtime errors", impact="major_outage")
    h.monitor.refresh()
    page.fail(503)
    assert not h.monitor.refresh().ok
    response, _ = command(h, "status")
    shown = json.dumps(body_of(response)["blocks"], ensure_ascii=False)
    assert "Realtime errors" in shown
    assert "could not be read just now" in shown


def test_status_shows_a_new_reading_at_once(h: SlackHarness, page: FakeStatusPage) -> None:
    h.monitor.refresh()
    first = json.dumps(body_of(command(h, "status")[0])["blocks"], ensure_ascii=False)
    assert "Queue API down" not in first
    page.open_incident(id="inc3", name="Queue API down", impact="major_outage", components=["Queue API"])
    h.monitor.refresh()
    again = json.dumps(body_of(command(h, "status")[0])["blocks"], ensure_ascii=False)
    assert "Queue API down" in again  # within the same second as the first answer, too


def test_status_answer_is_rendered_once_per_reading_and_second(h: SlackHarness, page: FakeStatusPage) -> None:
    now = [1_800_000_000.2]
    answers = StatusAnswers(clock=lambda: now[0])
    reading = h.monitor.refresh()
    first = answers.render(reading, reading, 12.3, None)
    assert "updated 12 s ago" in json.dumps(first.blocks)
    now[0] += 0.5
    assert answers.render(reading, reading, 12.8, None) is first  # same reading, same second
    now[0] += 0.7
    later = answers.render(reading, reading, 13.5, None)
    assert later is not first and "updated 13 s ago" in json.dumps(later.blocks)
    # only the age is rendered again, and the answer is the one a whole rendering gives
    assert later.blocks[:-1] == first.blocks[:-1]
    assert later == blocks.status_message(reading, reading, 13.0)
    page.open_incident(id="inc4", name="Realtime errors", impact="major_outage")
    fresh = h.monitor.refresh()
    assert "Realtime errors" in json.dumps(answers.render(fresh, fresh, 13.6, None).blocks)
    page.fail(503)
    failed = h.monitor.refresh()
    assert not failed.ok
    shown = json.dumps(answers.render(failed, fresh, 0.1, None).blocks, ensure_ascii=False)
    assert "could not be read just now" in shown and "Realtime errors" in shown


# -- key ------------------------------------------------------------------------------------------
def test_key_command_never_echoes_the_key_and_says_rotate(h: SlackHarness) -> None:
    response, _ = command(h, f"key {FAL_KEY}")
    assert SECRET not in response.text and FAL_KEY not in response.text
    body = body_of(response)
    shown = json.dumps(body["blocks"], ensure_ascii=False)
    assert body["response_type"] == "ephemeral"
    assert "6f1c…:…cdef" in shown
    assert "https://fal.ai/dashboard/keys" in shown and "history" in shown


def test_a_badly_signed_request_with_a_key_leaves_no_secret_in_the_logs(
    tmp_path: Path, page: FakeStatusPage, capfd: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    # As `fal-bot run` does: logging first, then the app (Bolt's loggers take the root level then).
    # Bolt logs the raw, URL-encoded body of a request whose signature is wrong, at INFO.
    configure_logging("INFO")
    try:
        with SlackHarness(tmp_path, page_url=page.url) as h:
            url = h.fake.new_response_url()
            response = h.send(slash_command(f"key {FAL_KEY}", response_url=url), secret="wrong-secret")
            assert response.status_code == 401
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    written = capfd.readouterr().err
    # Logged, with the body (and so the key) withheld rather than redacted (bot/slack/app.py).
    assert "Invalid request signature" in written and "(request body withheld)" in written
    assert SECRET not in written


def test_a_bare_key_as_the_subcommand_is_warned_about_not_echoed(h: SlackHarness) -> None:
    response, _ = command(h, FAL_KEY)
    assert SECRET not in response.text and "dashboard/keys" in response.text


def test_subscribe_problem_quoting_a_key_never_shows_it(h: SlackHarness) -> None:
    response, _ = command(h, f"subscribe {FAL_KEY}")
    assert "6f1c2d3e" not in response.text and SECRET not in response.text
    assert "name=value" in response.text


def test_key_command_reports_format_findings(h: SlackHarness) -> None:
    response, _ = command(h, "key Bearer abc123")
    shown = json.dumps(body_of(response)["blocks"], ensure_ascii=False)
    assert "not Bearer" in shown
    assert "abc123" not in shown
    assert "dashboard/keys" not in shown.split("not Bearer")[0]  # no rotate warning for a non-key


# -- diagnose -------------------------------------------------------------------------------------
def test_diagnose_command_answers_ephemerally_through_response_url(h: SlackHarness) -> None:
    text = (
        'diagnose 403 {"detail": "User is locked. Reason: Exhausted balance. '
        'Top up at fal.ai/dashboard/billing"}'
    )
    _, url = command(h, text)
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert answer.params["response_type"] == "ephemeral"
    assert "Exhausted balance" in answer.text_and_blocks()
    assert "feedback_up" in answer.text_and_blocks()


def share_click(h: SlackHarness, entry_id: str) -> str:
    url = h.fake.new_response_url()
    action = {
        "action_id": "share_diagnosis",
        "block_id": "feedback",
        "text": {"type": "plain_text", "text": "📣 Share in channel"},
        "value": entry_id,
        "type": "button",
        "action_ts": "1678252216.469172",
    }
    response = h.send(interactive("block_actions.bolt_tests.json", actions=[action], response_url=url))
    assert response.status_code == 200
    return url


def test_share_button_shares_the_answer_but_not_the_paste(h: SlackHarness) -> None:
    paste = "diagnose my app (secret-project-x) got 403 User is locked. Reason: Exhausted balance from fal.ai"
    _, url = command(h, paste)
    answer = wait_for(lambda: h.fake.responses(url))[0]
    buttons = [
        element
        for block in answer.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    share = next(b for b in buttons if b["action_id"] == "share_diagnosis")
    shared_url = share_click(h, share["value"])
    shared = wait_for(lambda: h.fake.responses(shared_url))[0]
    assert shared.params["response_type"] == "in_channel" and shared.params["replace_original"] is False
    shown = shared.text_and_blocks()
    assert "Exhausted balance" in shown and "Shared by <@U111>" in shown
    assert "secret-project-x" not in shown


def test_share_of_an_unknown_entry_says_so_privately(h: SlackHarness) -> None:
    url = share_click(h, "no-such-entry")
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert answer.params["response_type"] == "ephemeral" and "no longer" in answer.text_and_blocks()


@pytest.mark.parametrize("separator", [" ", "\n"])
def test_diagnose_share_posts_in_channel(h: SlackHarness, separator: str) -> None:
    _, url = command(h, f"diagnose share{separator}403 User is locked. Reason: Exhausted balance (fal.ai)")
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert answer.params["response_type"] == "in_channel"
    assert "Exhausted balance" in answer.text_and_blocks()


def test_empty_diagnose_gives_a_usage_hint(h: SlackHarness) -> None:
    response, _ = command(h, "diagnose")
    assert "/fal diagnose" in response.text and body_of(response)["response_type"] == "ephemeral"


# -- subscribe ------------------------------------------------------------------------------------
def test_subscribe_options_parse_in_any_order_with_smart_quotes() -> None:
    assert parse_subscribe_options("") == SubscribeOptions("degraded", True, ())
    assert parse_subscribe_options("components=“Queue API, Realtime” maintenance=off min=partial") == (
        SubscribeOptions("partial_outage", False, ("Queue API", "Realtime"))
    )
    assert parse_subscribe_options('min=major components="Queue API"').min_level == "major_outage"
    assert parse_subscribe_options("min = degraded maintenance=ON").maintenance is True
    for bad in (
        "min=high",
        "maintenance=maybe",
        "colour=blue",
        "min=major min=partial",
        "just words",
        'components=""',
    ):
        with pytest.raises(OptionError):
            parse_subscribe_options(bad)


def test_split_subcommand_keeps_pasted_newlines() -> None:
    assert split_subcommand("diagnose\nTraceback:\n  line") == ("diagnose", "Traceback:\n  line")
    assert split_subcommand("  STATUS ") == ("status", "")


def test_subscribe_confirms_in_channel_and_stores_options(h: SlackHarness) -> None:
    response, url = command(
        h, 'subscribe min=partial maintenance=off components="Queue API, Realtime"', channel_id="C777"
    )
    assert response.text == ""
    post = h.fake.wait_for_calls("chat.postMessage")[0]
    assert post.params["channel"] == "C777"
    shown = post.text_and_blocks()
    assert "partial outage" in shown and "maintenance notices off" in shown and "Queue API, Realtime" in shown
    stored = h.store.subscription("T111", "C777")
    # The command fixture (Bolt's own) comes from a workspace of Enterprise Grid org E111.
    assert stored == Subscription(
        "T111",
        "C777",
        "partial_outage",
        False,
        ("Queue API", "Realtime"),
        created_by="W111",
        enterprise_id="E111",
    )
    # Running it again replaces the options and shows them.
    command(h, "subscribe", channel_id="C777")
    second = h.fake.wait_for_calls("chat.postMessage", 2)[1]
    assert "all components" in second.text_and_blocks() and "degraded" in second.text_and_blocks()
    assert h.store.subscription("T111", "C777") == Subscription(
        "T111", "C777", created_by="W111", enterprise_id="E111"
    )
    assert not h.fake.responses(url)


def test_subscribe_bad_option_explains_the_syntax(h: SlackHarness) -> None:
    response, _ = command(h, "subscribe min=catastrophic")
    body = body_of(response)
    assert body["response_type"] == "ephemeral" and "min=degraded" in json.dumps(body["blocks"])
    assert h.store.subscriptions() == []


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ({"is_private": True, "is_member": False}, "channel_not_found"),
        ({"is_archived": True}, "is_archived"),
    ],
)
def test_subscribe_where_the_bot_cannot_post_is_undone_and_explained(
    h: SlackHarness, setup: dict[str, bool], error: str
) -> None:
    h.fake.set_channel("G999", **setup)
    _, url = command(h, "subscribe", channel_id="G999")
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert answer.params["response_type"] == "ephemeral"
    assert h.fake.calls("chat.postMessage")[0].answer["error"] == error
    if error == "channel_not_found":
        assert "/invite @fal-bot" in answer.text_and_blocks()
    else:
        assert "archived" in answer.text_and_blocks()
    assert h.store.subscription("T111", "G999") is None


def test_subscribe_not_in_channel_tells_how_to_invite(h: SlackHarness) -> None:
    h.fake.fail("chat.postMessage", "not_in_channel", channel="C556")
    _, url = command(h, "subscribe", channel_id="C556")
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert "/invite @fal-bot" in answer.text_and_blocks()
    assert h.store.subscription("T111", "C556") is None
    assert not h.fake.calls("conversations.join")  # no channels:join scope: only an invite helps


def test_subscribe_acks_fast_and_confirms_after_a_429(h: SlackHarness) -> None:
    h.fake.rate_limit("chat.postMessage", retry_after=1)
    started = time.monotonic()
    response, _ = command(h, "subscribe", channel_id="C321")
    assert time.monotonic() - started < 3.0 and response.status_code == 200
    wait_for(lambda: h.fake.ok_calls("chat.postMessage", channel="C321"), timeout=10)
    limited, posted = h.fake.calls("chat.postMessage")[:2]
    assert limited.status == 429
    assert posted.at - limited.at >= 0.9  # waited for Retry-After
    assert h.store.subscription("T111", "C321") is not None


def test_unsubscribe_confirms_in_channel_or_says_there_was_none(h: SlackHarness) -> None:
    _, url = command(h, "unsubscribe", channel_id="C888")
    answer = wait_for(lambda: h.fake.responses(url))[0]
    assert "nothing to turn off" in answer.text_and_blocks()
    h.store.subscribe(Subscription("T111", "C888"))
    command(h, "unsubscribe", channel_id="C888")
    post = h.fake.wait_for_calls("chat.postMessage")[0]
    assert post.params["channel"] == "C888" and "no longer" in post.text_and_blocks()
    assert h.store.subscription("T111", "C888") is None


def test_subscribe_row_carries_the_team_of_the_request(h: SlackHarness) -> None:
    command(h, "subscribe", channel_id="C1", team_id="T999")
    h.fake.wait_for_calls("chat.postMessage")
    h.drain()
    assert [s.team_id for s in h.store.subscriptions()] == ["T999"]


def test_unquoted_component_names_get_a_hint_to_quote_them() -> None:
    with pytest.raises(OptionError, match=r'“API” looks like the rest of a component name.*"Queue API'):
        parse_subscribe_options("components=Queue API min=major")
    # a quoted name, or an unknown word after another option, keeps the usual answer
    assert parse_subscribe_options('components="Queue API"').components == ("Queue API",)
    with pytest.raises(OptionError, match="I don't understand “API”"):
        parse_subscribe_options("min=major API")


def test_subscribe_warns_about_component_names_the_page_does_not_have(h: SlackHarness) -> None:
    h.monitor.refresh()  # the confirmation reads the poller's cached reading, never the page itself
    command(h, 'subscribe components="Queue API, Qeue Workers"', channel_id="C778")
    shown = h.fake.wait_for_calls("chat.postMessage")[0].text_and_blocks()
    assert "“Qeue Workers” is not on fal's status page" in shown
    assert "The page lists: Queue API, Realtime" in shown
    # fal's page (Instatus) names no component for an incident: say so rather than filter silently
    assert "does not say which component an incident affects: you will get every incident" in shown
    # the subscription is still made as asked
    stored = h.store.subscription("T111", "C778")
    assert stored is not None and stored.components == ("Queue API", "Qeue Workers")
