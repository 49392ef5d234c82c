"""Pure rendering of alert messages: a subject's state (and an event) in, mrkdwn text + Block Kit out.

Everything taken from the status page is escaped for mrkdwn (`&`, `<`, `>`), so a page that says
`<!channel>` pings nobody, and long texts are cut within Slack's limits (3,000 characters per
section, 150 per header, 40,000 per message text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.alerts.events import Tracked
from bot.incidents.early import Confirmation, EarlyWarning
from bot.slack.text import clip, escape, safe_link, slack_date

SECTION_LIMIT = 3000
BODY_LIMIT = 1500  # an update body in a thread reply
PARENT_BODY_LIMIT = 500  # the latest update quoted in the top-level message
NAME_LIMIT = 200
TEXT_LIMIT = 3000  # notification / fallback text

SYMBOLS = {
    "major_outage": "🔴",
    "partial_outage": "🟠",
    "degraded": "🟡",
    "maintenance": "🛠",
    "operational": "✅",
    "unknown": "❔",
}
WORDS = {
    "major_outage": "major outage",
    "partial_outage": "partial outage",
    "degraded": "degraded performance",
    "maintenance": "maintenance",
    "operational": "operational",
    "unknown": "unknown",
}
RESOLVED_SYMBOL = "✅"
REOPENED_SYMBOL = "🔁"


@dataclass(frozen=True)
class Rendered:
    text: str  # notification and fallback text
    blocks: list[dict[str, Any]]


# --- text helpers (escaping, cutting, links and dates: bot.slack.text) ---------------------------


def quote(body: str, limit: int) -> str:
    lines = clip(escape(body.strip()), limit).splitlines() or [""]
    return "\n".join("> " + line for line in lines)


def format_duration(seconds: float) -> str:
    """ "1 h 12 min", "45 min", "2 d 3 h", "under 1 min"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _state_words(status: str) -> str:
    words = status.replace("_", " ").strip().lower()
    return escape(words[:1].upper() + words[1:]) if words else "Unknown"


def _name(subject: Tracked) -> str:
    return clip(escape(subject.name), NAME_LIMIT)


def _components(subject: Tracked) -> str | None:
    if not subject.components:
        return None
    return clip(escape(", ".join(subject.components)), 500)


def _blocks(main: str, context: list[str]) -> list[dict[str, Any]]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(main, SECTION_LIMIT)))]
    if context:
        elements = [MarkdownTextObject(text=clip(item, 1900)) for item in context[:10]]
        blocks.append(ContextBlock(elements=elements))
    return [block.to_dict() for block in blocks]


def _plain(text: str) -> str:
    return clip(text, TEXT_LIMIT)


# --- the top-level message (posted once, then edited to show the current state) ------------------


def render_parent(subject: Tracked) -> Rendered:
    """The thread's parent message showing the subject's current state."""
    name = _name(subject)
    lines: list[str] = []
    context: list[str] = []
    link_label = "View incident" if subject.kind == "incident" else "View on the status page"
    if subject.kind == "note":
        return _render_note_parent(subject)
    if subject.open:
        symbol = SYMBOLS.get(subject.level, "🟡")
        if subject.kind == "maintenance":
            title = f"{symbol} *Maintenance under way: {name}*"
            headline = f"{symbol} fal maintenance under way: {name}"
        elif subject.kind == "degradation":
            title = f"{symbol} *fal {WORDS.get(subject.level, 'degraded')}: {name}*"
            headline = f"{symbol} fal {WORDS.get(subject.level, 'degraded')}: {name}"
            lines.append("The status page shows this without a posted incident.")
        else:
            title = f"{symbol} *fal incident: {name}*"
            headline = f"{symbol} fal incident: {name} ({WORDS.get(subject.level, escape(subject.level))})"
        lines.insert(0, title)
        if subject.kind != "maintenance":
            lines.append(f"*Impact:* {WORDS.get(subject.level, escape(subject.level))}")
        lines.append(f"*State:* {_state_words(subject.status)}")
        lines.append(f"*Started:* {slack_date(subject.began)}")
    else:
        duration = format_duration(subject.duration() or 0.0)
        if subject.kind == "maintenance":
            title = f"{RESOLVED_SYMBOL} *Maintenance completed: {name}*"
            headline = f"{RESOLVED_SYMBOL} fal maintenance completed: {name}"
            lines += [title, f"*Took:* {duration}"]
        elif subject.kind == "degradation" and subject.superseded:
            title = f"➡️ *{name}*"
            headline = f"fal: {name} (now tracked as an incident)"
            lines += [title, "fal posted an incident for this; follow that alert."]
        else:
            word = "Recovered" if subject.kind == "degradation" else "Resolved"
            title = f"{RESOLVED_SYMBOL} *{word}: {name}*"
            headline = f"{RESOLVED_SYMBOL} {word}: {name} (after {duration})"
            lines += [
                title,
                f"*Lasted:* {duration}",
                f"*Peak:* {WORDS.get(subject.peak_level, escape(subject.peak_level))}",
            ]
        lines.append(f"*Started:* {slack_date(subject.began)}")
        if subject.resolved_at is not None:
            lines.append(f"*Ended:* {slack_date(subject.resolved_at)}")
    components = _components(subject)
    if components:
        context.append(f"Components: {components}")
    link = safe_link(subject.url, link_label)
    if link:
        lines.append(link)
    main = "\n".join(lines)
    if subject.open and subject.latest_body:
        main += "\n" + quote(subject.latest_body, PARENT_BODY_LIMIT)
    return Rendered(text=_plain(headline), blocks=_blocks(main, context))


def _render_note_parent(subject: Tracked) -> Rendered:
    since = slack_date(subject.began)
    if subject.open:
        main = (
            f"{SYMBOLS['unknown']} *fal's status page cannot be read*\n"
            f"fal-bot has not been able to read fal's status page since {since}. This says nothing"
            " about fal itself; outage alerts resume as soon as the page can be read."
        )
        return Rendered(text="fal's status page cannot be read", blocks=_blocks(main, []))
    duration = format_duration(subject.duration() or 0.0)
    main = (
        f"{RESOLVED_SYMBOL} *fal's status page can be read again*\n"
        f"It could not be read for {duration} (from {since})."
    )
    return Rendered(text="fal's status page can be read again", blocks=_blocks(main, []))


# --- thread replies ------------------------------------------------------------------------------


def _peak(subject: Tracked) -> str:
    return WORDS.get(subject.peak_level, escape(subject.peak_level))


def render_reply(kind: str, subject: Tracked, body: str | None) -> Rendered:
    """A thread reply for an event: `updated`, `resolved` or `reopened`."""
    name = _name(subject)
    if subject.kind == "note":
        duration = format_duration(subject.duration() or 0.0)
        text = f"{RESOLVED_SYMBOL} fal's status page can be read again (unreadable for {duration})."
        return Rendered(text=text, blocks=_blocks(text, []))
    if kind == "resolved":
        duration = format_duration(subject.duration() or 0.0)
        if subject.kind == "maintenance":
            head = f"{RESOLVED_SYMBOL} Maintenance completed after {duration}."
        elif subject.kind == "degradation" and subject.superseded:
            head = "➡️ fal posted an incident for this degradation; updates continue in that alert."
        elif subject.kind == "degradation":
            head = f"{RESOLVED_SYMBOL} Recovered after {duration} (peak: {_peak(subject)})."
        else:
            head = f"{RESOLVED_SYMBOL} Resolved after {duration} (peak: {_peak(subject)})."
    elif kind == "reopened":
        head = f"{REOPENED_SYMBOL} Back again: *{_state_words(subject.status)}* · {_impact(subject)}"
    else:
        symbol = SYMBOLS.get(subject.level, "🟡")
        head = f"{symbol} *{_state_words(subject.status)}* · {_impact(subject)}"
        if subject.kind == "degradation":
            components = _components(subject)
            head += f"\nAffected: {components}" if components else ""
    main = head + ("\n" + quote(body, BODY_LIMIT) if body and body.strip() else "")
    plain_head = head.replace("*", "")
    return Rendered(text=_plain(f"{plain_head} ({name})"), blocks=_blocks(main, [f"_{name}_"]))


def _impact(subject: Tracked) -> str:
    if subject.kind == "maintenance":
        return "maintenance"
    return WORDS.get(subject.level, escape(subject.level))


# --- early warnings (bot/incidents/early.py) -----------------------------------------------------

EARLY_CATEGORY_WORDS = {
    "server_error": "server errors",
    "queue_timeout": "queue timeouts",
    "network": "network errors",
}
EARLY_SYMBOL = "⚠️"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def early_warning_text(warning: EarlyWarning) -> str:
    """ "Possible fal degradation: 3 people hit server errors on queue.fal.run in the last 10
    minutes; status.fal.ai still says operational": counts, categories and places, never who or what."""
    categories = _and(
        [EARLY_CATEGORY_WORDS.get(c, c.replace("_", " ")) for c in warning.categories] or ["errors"]
    )
    hosts = [place for place in warning.places if "/" not in place]
    families = [place for place in warning.places if "/" in place]
    places = f" on {_and(hosts)}" if hosts else (f" on {_and(families)}" if families else "")
    if hosts and families:
        places += f" ({', '.join(families)})"
    minutes = "minute" if warning.minutes == 1 else f"{warning.minutes} minutes"
    return (
        f"Possible fal degradation: {warning.people} people hit {categories}{places} in the last {minutes}; "
        f"{warning.page} still says {WORDS.get(warning.level, warning.level).replace(' performance', '')}"
    )


def render_early_warning(warning: EarlyWarning) -> Rendered:
    text = early_warning_text(warning)
    main = (
        f"{EARLY_SYMBOL} *{escape(text)}*\n"
        "fal-bot saw this in the errors people in this workspace pasted; fal has not posted an "
        "incident. If it is fal, the alert follows here as usual and this thread says so."
    )
    context = ["Early warning (`/fal subscribe early=on`): at most one a channel an hour"]
    return Rendered(text=_plain(f"{EARLY_SYMBOL} {text}"), blocks=_blocks(main, context))


def render_confirmed(confirmation: Confirmation) -> Rendered:
    name = clip(escape(confirmation.name), NAME_LIMIT)
    link = safe_link(confirmation.url, "incident")
    main = f"fal confirmed: *{name}*" + (f" {link}" if link else "")
    text = f"fal confirmed: {confirmation.name}" + (f" {confirmation.url}" if confirmation.url else "")
    return Rendered(text=_plain(text), blocks=_blocks(main, []))


# --- the digest after quiet hours (bot/alerts/outbox.py queue_digests) ----------------------------

DIGEST_SYMBOL = "🌙"
DIGEST_ITEMS = 25


def _digest_line(item: dict[str, Any]) -> str:
    level = str(item.get("level") or "degraded")
    kind = str(item.get("kind") or "incident")
    symbol = SYMBOLS["maintenance"] if kind == "maintenance" else SYMBOLS.get(level, "🟡")
    name = clip(escape(str(item.get("name") or "")), NAME_LIMIT)
    named = safe_link(item.get("url"), str(item.get("name") or "")) or f"*{name}*"
    if kind == "note":
        what = "status page unreadable"
    else:
        what = "maintenance" if kind == "maintenance" else WORDS.get(level, escape(level))
    began = item.get("began")
    start = slack_date(float(began)) if isinstance(began, int | float) else "?"
    resolved = item.get("resolved_at")
    if item.get("open") or not isinstance(resolved, int | float):
        when = f"since {start}, still going: its alert follows"
    else:
        took = (
            format_duration(max(0.0, float(resolved) - float(began)))
            if isinstance(began, int | float)
            else "?"
        )
        when = f"{start} to {slack_date(float(resolved))}, {took}"
    return f"{symbol} {named} ({what}) · {when}"


def render_digest(payload: dict[str, Any]) -> Rendered:
    """One message when a channel's quiet hours end: what opened (and closed) meanwhile."""
    digest = payload["digest"]
    items = [item for item in digest.get("items") or [] if isinstance(item, dict)]
    quiet = escape(str(digest.get("quiet") or ""))
    head = (
        f"{DIGEST_SYMBOL} *While this channel's quiet hours ({quiet} UTC) were on, fal had {len(items)} "
        + ("alert*" if len(items) == 1 else "alerts*")
    )
    lines = [head, *(_digest_line(item) for item in items[:DIGEST_ITEMS])]
    if len(items) > DIGEST_ITEMS:
        lines.append(f"… and {len(items) - DIGEST_ITEMS} more on the status page")
    names = ", ".join(str(item.get("name") or "") for item in items[:5])
    plural = "s" if len(items) != 1 else ""
    text = f"{DIGEST_SYMBOL} During quiet hours fal had {len(items)} alert{plural}: {names}"
    return Rendered(
        text=_plain(text), blocks=_blocks("\n".join(lines), ["Only major outages post during quiet hours"])
    )
