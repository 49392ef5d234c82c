"""Pure rendering of alert messages: escaping, cutting, dates, durations."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.alerts.events import Tracked
from bot.alerts.render import SECTION_LIMIT, format_duration, render_parent, render_reply
from bot.slack.text import clip, escape, safe_link, slack_date

STARTED = 1_700_000_000.0


def incident(**fields: object) -> Tracked:
    base = Tracked(
        key="inc:1",
        kind="incident",
        name="Queue <!channel> & friends",
        level="major_outage",
        status="investigating",
        impact="critical",
        url="https://status.fal.ai/incidents/1?a=1&b=2",
        started=STARTED,
        components=("Queue API",),
        latest_body="We are <@U123> looking",
        first_seen=STARTED + 30,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def all_text(rendered: object) -> str:
    return json.dumps(rendered.blocks) + rendered.text  # type: ignore[attr-defined]


def test_escape_and_clip() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    shortened = clip(escape("a&b" * 100), 50)
    assert len(shortened) <= 50 and shortened.endswith("…")
    assert not shortened[:-1].endswith(("&", "&a", "&am", "&amp"))
    assert clip("short", 50) == "short"


def test_durations() -> None:
    assert format_duration(30) == "under 1 min"
    assert format_duration(45 * 60) == "45 min"
    assert format_duration(72 * 60) == "1 h 12 min"
    assert format_duration(2 * 3600) == "2 h"
    assert format_duration(27 * 3600) == "1 d 3 h"


def test_slack_date() -> None:
    assert slack_date(STARTED) == "<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>"


def test_links_only_http_and_never_break_out() -> None:
    assert safe_link("javascript:alert(1)", "x") is None
    assert safe_link(None, "x") is None
    assert safe_link("https://a.b/x|y>z", "go") == "<https://a.b/x%7Cy%3Ez|go>"


def test_open_incident_parent() -> None:
    rendered = render_parent(incident())
    main = rendered.blocks[0]["text"]["text"]
    assert main.startswith("🔴 *fal incident: Queue &lt;!channel&gt; &amp; friends*")
    assert "*Impact:* major outage" in main
    assert "*State:* Investigating" in main
    assert "<!date^1700000000^{date_short_pretty} {time}|" in main
    assert "<https://status.fal.ai/incidents/1?a=1&amp;b=2|View incident>" in main
    assert "> We are &lt;@U123&gt; looking" in main
    assert "<!channel>" not in all_text(rendered) and "<@U123>" not in all_text(rendered)
    assert rendered.blocks[1]["type"] == "context" and "Queue API" in json.dumps(rendered.blocks[1])


def test_resolved_parent_and_reply() -> None:
    over = incident(open=False, status="resolved", resolved_at=STARTED + 72 * 60)
    parent = render_parent(over)
    assert parent.blocks[0]["text"]["text"].startswith("✅ *Resolved: Queue")
    assert "*Lasted:* 1 h 12 min" in parent.blocks[0]["text"]["text"]
    reply = render_reply("resolved", over, "All fixed")
    assert reply.blocks[0]["text"]["text"].startswith("✅ Resolved after 1 h 12 min (peak: major outage).")
    assert "Resolved after 1 h 12 min" in reply.text


def test_update_reply_cuts_long_bodies_within_limits() -> None:
    reply = render_reply("updated", incident(status="identified"), "<b>" * 10_000)
    section = reply.blocks[0]["text"]["text"]
    assert len(section) <= SECTION_LIMIT
    assert "*Identified*" in section and "<b>" not in section
    assert len(reply.text) <= 3000


def test_maintenance_degradation_and_note() -> None:
    maintenance = incident(kind="maintenance", level="maintenance", status="in_progress", name="DB upgrade")
    assert render_parent(maintenance).text == "🛠 fal maintenance under way: DB upgrade"
    done = replace(maintenance, open=False, status="completed", resolved_at=STARTED + 600)
    assert "Maintenance completed after 10 min." in render_reply("resolved", done, None).text
    degradation = incident(
        kind="degradation", level="partial_outage", name="Degraded: Queue API", latest_body=None
    )
    assert render_parent(degradation).text == "🟠 fal partial outage: Degraded: Queue API"
    note = Tracked(key="unk:1", kind="note", name="n", level="unknown", status="unreadable", started=STARTED)
    assert render_parent(note).text == "fal's status page cannot be read"
    closed = replace(note, open=False, resolved_at=STARTED + 20 * 60)
    assert "unreadable for 20 min" in render_reply("resolved", closed, None).text


def test_the_resolution_keeps_the_peak_severity_not_only_the_last() -> None:
    """A major outage that eased to degraded before it was resolved reads "peak: major outage"."""
    eased = replace(incident(level="major_outage"), level="degraded", status="monitoring")
    over = replace(eased, open=False, status="resolved", resolved_at=STARTED + 3600)
    assert over.level == "degraded" and over.peak_level == "major_outage"
    reply = render_reply("resolved", over, None)
    assert "peak: major outage" in all_text(reply)
    parent = render_parent(over)
    assert "*Peak:* major outage" in all_text(parent)
    # stored before this field existed: the level it had is its peak
    stored = Tracked.from_json({**over.to_json(), "peak_level": ""})
    assert stored.peak_level == "degraded"
