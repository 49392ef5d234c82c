"""The one mrkdwn toolkit (bot.slack.text) that replies, App Home and outage alerts all use.

bot.alerts.render used to carry its own copy that disagreed with it on cutting (`&[a-z]{0,4}$` vs
`{0,3}`, trailing spaces) and on links (`&` and spaces in URLs, `|` in labels); these are the
cases where they disagreed, with the behaviour that is right.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.events import Tracked
from bot.alerts.render import render_parent
from bot.slack.text import clip, escape, link, safe_link, slack_date

LINK = re.compile(r"<([^<>|\s]+)\|([^<>|]*)>")


def test_a_cut_entity_is_dropped_whole_wherever_the_cut_lands() -> None:
    escaped = escape("Q&A: <b> & more")  # Q&amp;A: &lt;b&gt; &amp; more
    for limit in range(2, len(escaped)):
        cut = clip(escaped, limit)
        assert len(cut) <= limit and cut.endswith("…")
        body = cut[:-1]
        assert "&" not in re.sub(r"&(?:amp|lt|gt);", "", body), cut  # no "&", "&a", "&am", "&amp", "&l"...
        assert escaped.startswith(body)


def test_a_literal_ampersand_before_letters_is_not_an_entity() -> None:
    # Plain text (headers, buttons) is clipped unescaped: only what escape() writes is an entity.
    assert clip("Rock&roll band", 10) == "Rock&roll…"  # render's {0,4} cut "&roll"
    assert clip("Rock&rol band", 9) == "Rock&rol…"  # text's {0,3} cut "&rol"
    assert clip("Rock&am band", 8) == "Rock…"  # the start of an "&amp;" is still dropped


def test_clip_never_leaves_a_space_before_the_ellipsis() -> None:
    assert clip("word   and more words", 8) == "word…"
    assert clip("line\nnext line", 6) == "line…"


def test_link_escapes_what_would_end_it_early() -> None:
    assert link("https://a.b/x|y>z", "go") == "<https://a.b/x%7Cy%3Ez|go>"
    assert link("https://a.b/?q=1&r=2", "go") == "<https://a.b/?q=1&amp;r=2|go>"  # & is &amp; in mrkdwn
    assert link(" https://a.b/my page ", "go") == "<https://a.b/my%20page|go>"
    assert link("https://a.b/<!channel>", "go") == "<https://a.b/%3C!channel%3E|go>"
    assert link("https://a.b", "a|b > <!here> & c") == "<https://a.b|a¦b &gt; &lt;!here&gt; &amp; c>"


@given(st.text(max_size=60), st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_a_link_is_always_one_link(url: str, label: str) -> None:
    shown = link("https://a.b/" + url, label)
    match = LINK.fullmatch(shown)
    assert match, shown
    for part in match.groups():
        assert "&" not in re.sub(r"&(?:amp|lt|gt);", "", part)


def test_safe_link_only_for_http_urls_that_parse() -> None:
    assert safe_link("javascript:alert(1)", "x") is None
    assert safe_link("https://", "x") is None
    assert safe_link(None, "x") is None
    assert safe_link("http://[::1", "x") is None  # urlsplit raises on it
    assert (
        safe_link("https://status.fal.ai/i/1?a=1&b=2", "View")
        == "<https://status.fal.ai/i/1?a=1&amp;b=2|View>"
    )


def test_an_unparseable_status_page_url_does_not_stop_the_alert() -> None:
    subject = Tracked(
        key="inc:1",
        kind="incident",
        name="Queue slow",
        level="major_outage",
        status="investigating",
        impact="critical",
        url="https://[status.fal.ai/incidents/1",
        started=1_700_000_000.0,
    )
    rendered = render_parent(subject)
    assert "Queue slow" in rendered.text and "[status" not in str(rendered.blocks)
    assert "status.fal.ai" in str(render_parent(replace(subject, url="https://status.fal.ai/x")).blocks)


def test_one_date_for_datetimes_and_unix_times() -> None:
    moment = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    expected = "<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>"
    assert slack_date(moment) == slack_date(1_700_000_000.0) == slack_date(1_700_000_000) == expected
    assert slack_date(moment.replace(tzinfo=None)) == expected  # naive means UTC
