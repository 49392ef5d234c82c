"""Block Kit rendering: pure functions, data in, `Message` (fallback text + blocks) out.

Nothing here touches the network or the store. Every piece of user text goes through
`text.user_text` (redacted, escaped); knowledge-base text is trusted but still escaped; every block
is cut to Slack's limits (50 blocks, 3,000 characters per section, 150 per header).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.diagnosis import Diagnosis, Entry, Match
from bot.incidents import IncidentContext, since_words
from bot.keys import KeyCheck, KeyFinding
from bot.slack.errors import CHANNEL_ARCHIVED, CHANNEL_UNREACHABLE
from bot.slack.text import (
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_CONTEXT_TEXT,
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    age_words,
    channel_mention,
    clip,
    code_block,
    escape,
    link,
    safe_link,
    slack_date,
    user_mention,
)
from bot.status.models import LEVEL_SYMBOL, LEVEL_WORDS, StatusSnapshot, parse_time
from bot.store import Subscription

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
SHARE_DIAGNOSIS = "share_diagnosis"
PASTE_SEPARATOR = "#"  # entry ids are [a-z0-9-]: "#" never appears in one
ROTATE_URL = "https://fal.ai/dashboard/keys"
DOCS_URL = "https://docs.fal.ai"
SUBSCRIBE_SYNTAX = (
    '/fal subscribe [min=degraded|partial|major] [maintenance=on|off] [components="Queue API, Realtime"]'
    " [early=on|off] [quiet=HH:MM-HH:MM]"
)
MIN_WORDS = {"degraded": "degraded", "partial_outage": "partial outage", "major_outage": "major outage"}
MAX_HOME_BLOCKS = 100  # a home tab allows 100 blocks


@dataclass(frozen=True)
class Message:
    """A rendered reply: `text` is the notification fallback, `blocks` the Block Kit dicts."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"text": clip(self.text, MAX_FALLBACK_TEXT)}
        if self.blocks:
            kwargs["blocks"] = self.blocks
        return kwargs


# -- block builders (all cut to Slack's limits) ----------------------------------------------------
def section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(mrkdwn, MAX_SECTION_TEXT)))


def header(plain: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(plain, MAX_HEADER_TEXT), emoji=True))


def context(*mrkdwn: str) -> ContextBlock:
    elements = [MarkdownTextObject(text=clip(part, MAX_CONTEXT_TEXT)) for part in mrkdwn if part][:10]
    return ContextBlock(elements=elements)


def button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=clip(label, MAX_BUTTON_TEXT), emoji=True),
        action_id=action_id,
        value=value[:2000],
        style=style,
    )


def finish(blocks: Sequence[Block], text: str, limit: int = MAX_BLOCKS) -> Message:
    """Blocks to dicts, keeping at most `limit` (the last kept one says that more was cut)."""
    rendered = [block.to_dict() for block in blocks]
    if len(rendered) > limit:
        rendered = [*rendered[: limit - 1], context("… (shortened to fit Slack's limits)").to_dict()]
    return Message(text=text, blocks=rendered)


def text_message(text: str) -> Message:
    """A message that is one section showing its own fallback text."""
    return Message(text, [section(text).to_dict()])


def sections_for_lines(lines: Sequence[str], limit: int = MAX_SECTION_TEXT) -> list[SectionBlock]:
    """Pack lines into as few sections as Slack's per-section limit allows."""
    blocks: list[SectionBlock] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            blocks.append(section(current))
            current = line
        else:
            current = candidate
    if current:
        blocks.append(section(current))
    return blocks


# -- help ------------------------------------------------------------------------------------------
HELP_LINES = (
    "*fal-bot* helps with fal.ai errors and fal's status. "
    "Commands (answers only you see, except where noted):",
    "• `/fal status`: fal's live status, open incidents, maintenances, components that are not operational",
    "• `/fal diagnose <error text>`: what the error means and how to fix it. Only you see it; "
    "its *Share in channel* button shares the answer (not your paste), or use "
    "`/fal diagnose share <error text>` to post the whole answer in the channel",
    "• `/fal key <value>`: checks an API key's format without showing it "
    "(safer: `fal-bot check-key` on your own machine, since Slack keeps what you type)",
    f"• `{SUBSCRIBE_SYNTAX}`: this channel gets fal outage alerts; confirmed in the channel. "
    "Defaults: `min=degraded`, `maintenance=on`, all components, `early=off` (early warnings when several "
    "people here hit fal-side errors first), no `quiet=` hours (UTC, e.g. `quiet=22:00-08:00`: only major "
    "outages post then, the rest comes as one digest after); running it again replaces the options",
    "• `/fal unsubscribe`: stops alerts in this channel (confirmed in the channel)",
    "• `/fal help`: this help",
    "Also: DM me an error, @mention me with one, or use the message shortcut *Diagnose with fal-bot* "
    "on any message; I answer in its thread.",
)


def help_message(note: str | None = None) -> Message:
    lines = [escape(line) for line in HELP_LINES]  # `<text>` must not read as markup
    if note:
        lines.insert(0, note)
    return finish(
        sections_for_lines(lines), "fal-bot help: /fal status, diagnose, key, subscribe, unsubscribe, help"
    )


# -- status ----------------------------------------------------------------------------------------
def _when(raw: str | None) -> str:
    moment = parse_time(raw) if raw else None
    return slack_date(moment) if moment else (escape(raw) if raw else "")


def _named_link(name: str, url: str | None) -> str:
    return safe_link(url, name) or f"*{escape(name)}*"


def status_lines(snapshot: StatusSnapshot) -> list[str]:
    """The body of a status answer (also used by App Home): incidents, maintenances, components."""
    lines: list[str] = []
    incidents = snapshot.open_incidents
    if incidents:
        lines.append("*Open incidents*")
        for incident in incidents:
            parts = [f"{LEVEL_SYMBOL.get(incident.level, '•')} {_named_link(incident.name, incident.url)}"]
            parts.append(escape(incident.status.lower()))
            if incident.started:
                parts.append(f"since {_when(incident.started)}")
            if incident.components:
                parts.append("affects " + escape(", ".join(incident.components[:8])))
            lines.append(" · ".join(parts))
            if incident.updates and incident.updates[0].body:
                lines.append("> " + escape(clip(" ".join(incident.updates[0].body.split()), 300)))
    maintenances = [m for m in snapshot.maintenances if m.status != "completed"]
    if maintenances:
        lines.append("*Maintenance*")
        for maintenance in maintenances:
            when = _when(maintenance.start)
            state = "in progress" if maintenance.status == "in_progress" else "scheduled"
            if when:
                running = maintenance.status == "in_progress"
                state += f" ({'since' if running else 'from'} {when}"
                if maintenance.end:
                    state += f"{', until' if running else ' to'} {_when(maintenance.end)}"
                state += ")"
            lines.append(f"🛠 {_named_link(maintenance.name, maintenance.url)} · {state}")
    broken = [c for c in snapshot.components if c.status != "operational"]
    if broken:
        lines.append("*Components not operational*")
        for component in broken[:40]:
            group = f" ({escape(component.group)})" if component.group else ""
            symbol = LEVEL_SYMBOL.get(component.status, "•")
            lines.append(
                f"{symbol} {escape(component.name)}{group}: {LEVEL_WORDS.get(component.status, '?')}"
            )
        if len(broken) > 40:
            lines.append(f"… and {len(broken) - 40} more")
    if snapshot.unknown_values:
        lines.append(
            "_Values fal-bot does not know (counted as degraded): "
            + escape(", ".join(snapshot.unknown_values[:10]))
            + "_"
        )
    return lines


def status_headline(snapshot: StatusSnapshot) -> str:
    symbol = LEVEL_SYMBOL.get(snapshot.level, "❔")
    words = LEVEL_WORDS.get(snapshot.level, snapshot.level)
    if snapshot.level == "operational" and not snapshot.open_incidents:
        return f"{symbol} fal is operational"
    return f"{symbol} fal status: {words}"


def _age_of(snapshot: StatusSnapshot, now: datetime) -> float:
    checked = snapshot.checked_at if snapshot.checked_at.tzinfo else snapshot.checked_at.replace(tzinfo=UTC)
    return (now - checked).total_seconds()


def status_message(
    latest: StatusSnapshot | None,
    last_good: StatusSnapshot | None,
    age_seconds: float | None,
    *,
    now: datetime | None = None,
    stale_after_seconds: float | None = None,
) -> Message:
    """/fal status. When the latest poll failed, the last good reading is shown and the failure said;
    once that reading is older than `stale_after_seconds` (FAL_BOT_UNKNOWN_NOTE_MINUTES), the header
    says the status is unknown: an hours-old green "operational" must not read as the current state."""
    now = now or datetime.now(UTC)
    if latest is None:
        return Message("Checking fal's status…", [section("⏳ Checking fal's status…").to_dict()])
    failed = not latest.ok
    shown = last_good if failed and last_good is not None else latest
    blocks: list[Block] = []
    if failed and last_good is None:
        reason = escape(latest.error or "no answer")
        headline = "❔ fal's status is unknown right now"
        blocks.append(header(headline))
        blocks.append(
            section(
                f"fal-bot could not read {link(latest.source, latest.source_host)}: {reason}.\n"
                "This does not mean fal is down. Try again in a minute, or open the page yourself."
            )
        )
        blocks.append(context(f"Tried {age_words(age_seconds)} ago"))
        return finish(blocks, headline)
    stale = failed and stale_after_seconds is not None and _age_of(shown, now) > stale_after_seconds
    headline = "❔ fal's status is unknown right now" if stale else status_headline(shown)
    blocks.append(header(headline))
    if stale:
        blocks.append(
            section(
                "⚠️ fal-bot has not been able to read the status page "
                f"({escape(latest.error or 'no answer')}). This does not mean fal is down. The last good "
                f"reading, from {age_words(_age_of(shown, now))} ago, said: "
                f"*{escape(status_headline(shown))}*"
            )
        )
    elif failed:
        blocks.append(
            section(
                f"⚠️ The status page could not be read just now ({escape(latest.error or 'no answer')}). "
                f"Showing the last good reading, from {age_words(_age_of(shown, now))} ago."
            )
        )
    lines = status_lines(shown)
    if not lines:
        lines = ["No open incidents, no maintenance, every component operational."]
    blocks.extend(sections_for_lines(lines))
    shown_age = age_seconds if not failed else _age_of(shown, now)
    blocks.append(status_footer(shown, shown_age))
    return finish(blocks, headline)


def status_footer(shown: StatusSnapshot, age_seconds: float | None) -> ContextBlock:
    """/fal status's last block: where the reading comes from and how old it is. Of a reading that
    was read without trouble, the only part of the answer that changes as seconds pass."""
    return context(f"Source: {link(shown.source, shown.source_host)} · updated {age_words(age_seconds)} ago")


def status_timeout_message() -> Message:
    text = (
        "❔ fal's status page did not answer in time. This does not mean fal is down; "
        "try `/fal status` again shortly."
    )
    return text_message(text)


# -- diagnosis -------------------------------------------------------------------------------------
def confidence_words(score: float) -> str:
    if score >= 85:
        return "very likely"
    if score >= 65:
        return "likely"
    if score >= 45:
        return "possible"
    return "a rough guess"


# The notification text's first words when a paste holds a complete key (the blocks say more).
EXPOSED_PREFIX = "🚨 A complete fal API key is in this message and is now exposed: rotate it. "


def _findings_blocks(findings: list[str]) -> list[SectionBlock]:
    """What check-key found in the paste's key or Authorization header."""
    return sections_for_lines(["*About the key or header in your paste*", *findings])


def exposed_key_warning() -> str:
    return (
        "🚨 *A complete fal API key is in this message, so it is now exposed:* it stays in Slack's "
        f"history. Rotate it: revoke it and create a new one at {ROTATE_URL}, then delete the message. "
        "(fal-bot never repeats it.)"
    )


def _other_vendor(diagnosis: Diagnosis) -> str | None:
    for item in diagnosis.evidence:
        if item.startswith("other vendor: "):
            return item.removeprefix("other vendor: ")
    return None


def _fix_lines(entry: Entry) -> list[str]:
    lines = ["*How to fix*"]
    for number, step in enumerate(entry.fix, start=1):
        lines.append(f"{number}. {escape(step.text)}")
        for label, code in (("Python", step.python), ("JavaScript", step.js), ("Shell", step.shell)):
            if code:
                lines.append(f"_{label}_\n{code_block(code)}")
    return lines


def _finding_lines(findings: Sequence[KeyFinding]) -> list[str]:
    return [f"• {escape(finding.message)}" for finding in findings if finding.code != "exposed"]


def _entry_blocks(entry: Entry) -> list[Block]:
    """What is wrong, how to fix it, the docs: the parts of an answer that come from the knowledge base."""
    blocks: list[Block] = [header(f"🩺 {entry.title}"), section(escape(entry.summary))]
    blocks.extend(sections_for_lines(_fix_lines(entry)))
    return blocks


def _docs_block(entry: Entry) -> SectionBlock | None:
    if not entry.links:
        return None
    return section("📖 " + " · ".join(link(item.url, item.title) for item in entry.links[:5]))


def feedback_value(entry_id: str, paste_id: str | None) -> str:
    """A vote button's value: the entry, and the answered paste (kept in memory) a 👎 records."""
    return f"{entry_id}{PASTE_SEPARATOR}{paste_id}" if paste_id else entry_id


def _feedback_block(entry: Entry, *, shareable: bool = False, paste_id: str | None = None) -> ActionsBlock:
    elements = [
        button("👍 Helpful", FEEDBACK_UP, feedback_value(entry.id, paste_id)),
        button("👎 Not helpful", FEEDBACK_DOWN, feedback_value(entry.id, paste_id)),
    ]
    if shareable:
        elements.append(button("📣 Share in channel", SHARE_DIAGNOSIS, entry.id))
    return ActionsBlock(block_id="feedback", elements=elements)


def diagnosis_message(
    diagnosis: Diagnosis,
    *,
    key_exposed: bool = False,
    shareable: bool = False,
    partial_read: tuple[int, int] | None = None,
    paste_id: str | None = None,
    incident: IncidentContext | None = None,
    now: datetime | None = None,
) -> Message:
    """A diagnosis reply: summary, fix steps with snippets, docs, confidence, runner-up, feedback buttons.

    `shareable` (the ephemeral /fal diagnose answer) adds a "Share in channel" button, which shares
    the knowledge-base answer only, never the pasted text. `partial_read` (characters read, in the
    paste) says the paste was too long to read in full. `incident` (fal's page shows trouble that
    can cause this error) leads the answer, above the fix.
    """
    exposed = key_exposed or any(f.code == "exposed" for f in diagnosis.key_findings)
    blocks: list[Block] = []
    if exposed:
        blocks.append(section(exposed_key_warning()))
    if partial_read is not None:
        blocks.append(context(partial_read_note(*partial_read)))
    best = diagnosis.best
    findings = _finding_lines(diagnosis.key_findings)
    if best is None and diagnosis.guess is not None:
        return _guess(diagnosis.guess, blocks, findings, paste_id, exposed)
    if best is None:
        return _no_match(diagnosis, blocks, findings)
    entry = best.entry
    if incident is not None:
        blocks.append(section(incident_lead(incident, now)))
    if diagnosis.generic:
        # The verdict in words: the paste names no service, so the answer is conditional.
        blocks.append(context(GENERIC_LEAD))
    blocks.extend(_entry_blocks(entry))
    if findings:
        blocks.extend(_findings_blocks(findings))
    docs = _docs_block(entry)
    if docs is not None:
        blocks.append(docs)
    sure = f"How sure: *{confidence_words(best.score)}* ({best.score:.0f}/100)"
    runner_up = diagnosis.matches[1] if len(diagnosis.matches) > 1 else None
    also = f"Runner-up: {escape(runner_up.title)} ({runner_up.score:.0f}/100)" if runner_up else ""
    blocks.append(context(sure, also))
    blocks.append(_feedback_block(entry, shareable=shareable, paste_id=paste_id))
    text = f"🩺 {entry.title}"
    if diagnosis.generic:
        text = f"🩺 If this came from a call to fal: {entry.title}"
    if incident is not None:
        text = f"{incident_headline(incident, now)} {text}"
    if exposed:
        text = EXPOSED_PREFIX + text
    return finish(blocks, text)


def incident_headline(incident: IncidentContext, now: datetime | None = None) -> str:
    """Plain words for a notification: "fal has an open incident since 14:02 UTC: Queue degraded;
    this is likely not your code." """
    since = since_words(incident.started, now)
    if incident.incident:
        when = f" since {since}" if since else ""
        return f"fal has an open incident{when}: {incident.name}; this is likely not your code."
    return f"fal's status page shows {incident.level_words} ({incident.name}); this is likely not your code."


def incident_lead(incident: IncidentContext, now: datetime | None = None) -> str:
    """The section an answer leads with while fal's page shows trouble: name, since when, link."""
    symbol = LEVEL_SYMBOL.get(incident.level, "⚠️")
    since = since_words(incident.started, now)
    named = _named_link(incident.name, incident.url)
    if incident.incident:
        when = f" since {since}" if since else ""
        first = f"{symbol} *fal has an open incident{when}:* {named} ({escape(incident.level_words)})"
    else:
        first = f"{symbol} *fal's status page shows {escape(incident.level_words)}:* {named}"
    return (
        f"{first}; *this is likely not your code.*\nYour request probably failed because of it: retry "
        "once fal recovers. If it keeps failing after that, the usual fix below applies."
    )


def shared_entry_message(entry: Entry, user_id: str) -> Message:
    """A diagnosis someone shared from their private /fal diagnose answer: knowledge-base text only."""
    blocks: list[Block] = [context(f"📣 Shared by {user_mention(user_id)} from `/fal diagnose`")]
    blocks.extend(_entry_blocks(entry))
    docs = _docs_block(entry)
    if docs is not None:
        blocks.append(docs)
    blocks.append(_feedback_block(entry))
    return finish(blocks, f"🩺 {entry.title}")


def entry_gone_message() -> Message:
    text = (
        "That answer is no longer in fal-bot's knowledge base, so it cannot be shared. "
        "Run `/fal diagnose` again."
    )
    return text_message(text)


GENERIC_LEAD = (
    "Nothing in this error names a service. *If it came from a call to fal*, this is the likely "
    "problem and fix:"
)


FOLLOW_UP = (
    "This looks fal-related, but I can't tell which problem it is yet. What would decide it:\n"
    '• fal\'s full error body (the JSON after the status, e.g. `{"detail": ...}`)\n'
    "• the HTTP status code\n"
    "• the endpoint id you called (e.g. `fal-ai/flux/dev`)\n"
    "Paste those here, or check `/fal status` in case fal has an incident. "
    f"See also {link(DOCS_URL, 'fal docs')}."
)


def _guess(
    guess: Match, blocks: list[Block], findings: list[str], paste_id: str | None, exposed: bool
) -> Message:
    """A fal text that fits a known problem only loosely: ask for what would decide it first, then
    name the closest problem as the guess it is: its summary and docs, not its fix steps."""
    entry = guess.entry
    if findings:
        blocks.extend(_findings_blocks(findings))
    blocks.append(section(FOLLOW_UP))
    summary = f"*Closest known problem, a rough guess:* {escape(entry.title)}\n{escape(entry.summary)}"
    blocks.append(section(summary))
    docs = _docs_block(entry)
    if docs is not None:
        blocks.append(docs)
    blocks.append(context(f"How sure: *{confidence_words(guess.score)}* ({guess.score:.0f}/100)"))
    blocks.append(_feedback_block(entry, paste_id=paste_id))
    text = f"🩺 Not sure yet; closest known problem: {entry.title}. Paste fal's full error to decide."
    if exposed:
        text = EXPOSED_PREFIX + text
    return finish(blocks, text)


def _no_match(diagnosis: Diagnosis, blocks: list[Block], findings: list[str]) -> Message:
    vendor = _other_vendor(diagnosis)
    if findings:
        blocks.extend(_findings_blocks(findings))
    if vendor:
        text = (
            f"This looks like {'an' if vendor[:1] in 'AEIOU' else 'a'} {escape(vendor)} error, "
            "not a fal one, "
            "so fal-bot cannot help with it. If fal is involved too, paste fal's own error message."
        )
    elif diagnosis.fal_related:
        # A follow-up, not an answer: ask for what would decide it.
        text = FOLLOW_UP
    else:
        text = (
            "That does not look like a fal error, so fal-bot has no fix for it. "
            "Paste fal's error message (with the HTTP status) to get a diagnosis."
        )
    blocks.append(section(text))
    fallback = text
    if any(f.code == "exposed" for f in diagnosis.key_findings):
        fallback = EXPOSED_PREFIX + fallback
    return finish(blocks, fallback)


def partial_read_note(read: int, total: int) -> str:
    return (
        f"✂️ This paste was too large to read in full: this answer reads its first {read:,} of "
        f"{total:,} characters. Paste the part with the error to get a closer look."
    )


def too_long_to_read(total: int) -> Message:
    return text_message(
        f"✂️ This paste ({total:,} characters) was too large to read in time. Paste just the error "
        "message (the lines with the HTTP status and fal's message) and I will diagnose it."
    )


def usage_hint(surface: str) -> Message:
    examples = {
        "command": "`/fal diagnose 403 User is locked. Reason: Exhausted balance`",
        "mention": "@fal-bot followed by the error (or mention me in the thread of a message with the error)",
        "dm": "paste the error text here",
    }
    example = examples.get(surface, examples["dm"])
    text = f"Send me a fal error to diagnose: {example}. `/fal help` lists everything."
    return text_message(text)


# -- keys ------------------------------------------------------------------------------------------
def key_check_message(check: KeyCheck, *, exposed: bool) -> Message:
    """`/fal key`: findings and the masked form only, never the value."""
    blocks: list[Block] = []
    if exposed:
        blocks.append(
            section(
                "🚨 *This is a complete, real-looking fal key, so it is now exposed:* it is in Slack's "
                f"history. Rotate it: revoke it and create a new one at {ROTATE_URL}. Next time, check "
                "keys with `fal-bot check-key` on your own machine."
            )
        )
    masked = f"`{escape(check.masked)}`" if check.masked else "(empty)"
    if check.verdict == "ok":
        verdict = f"✅ The format looks right: {masked}"
    else:
        verdict = f"❌ This key will not work as given: {masked}"
    lines = [verdict] + [
        f"• {escape(finding.message)}" for finding in check.findings if finding.code != "exposed"
    ]
    blocks.extend(sections_for_lines(lines))
    text = ("🚨 This key is now exposed in Slack's history: rotate it. " if exposed else "") + verdict
    return finish(blocks, text)


def key_usage() -> Message:
    text = (
        "Usage: `/fal key &lt;value&gt;` checks a key's format (shown masked, never echoed). "
        "Safer: run `fal-bot check-key` locally, since anything typed in Slack stays in its history."
    )
    return text_message(text)


# -- subscriptions ---------------------------------------------------------------------------------
def describe_subscription(subscription: Subscription) -> str:
    """ "min degraded · maintenance on · all components"."""
    components = (
        "components: " + escape(", ".join(subscription.components))
        if subscription.components
        else "all components"
    )
    maintenance = "maintenance notices on" if subscription.maintenance else "maintenance notices off"
    level = MIN_WORDS.get(subscription.min_level, subscription.min_level)
    early = "early warnings on" if subscription.early else "early warnings off"
    quiet = f" · quiet hours {subscription.quiet} UTC (only major outages post)" if subscription.quiet else ""
    return f"from *{level}* up · {maintenance} · {components} · {early}{quiet}"


def subscribed_message(subscription: Subscription, user_id: str, notes: Sequence[str] = ()) -> Message:
    """Posted in the channel: what the channel will get from now on, and caveats about its options."""
    what = [
        f"📣 This channel now gets fal status alerts (set up by {user_mention(user_id)}):",
        f"• incidents and degradations {describe_subscription(subscription)}",
        "• one message per incident, updates in its thread, and a note when it is resolved",
        *(
            [
                "• early warnings: a heads-up when several people here hit fal-side errors before "
                "fal's status page says anything (at most one an hour)"
            ]
            if subscription.early
            else []
        ),
        *(f"⚠️ {escape(note)}" for note in notes),
        f"Change it with `{SUBSCRIBE_SYNTAX}`, stop it with `/fal unsubscribe`.",
    ]
    return finish(sections_for_lines(what), "📣 This channel now gets fal status alerts")


def unsubscribed_message(user_id: str) -> Message:
    text = f"🔕 This channel no longer gets fal status alerts (turned off by {user_mention(user_id)})."
    return text_message(text)


def not_subscribed_message() -> Message:
    text = "This channel had no fal status alerts, so there was nothing to turn off."
    return text_message(text)


def subscribe_error_message(problem: str) -> Message:
    text = f"⚠️ {escape(problem)}\nSyntax: `{SUBSCRIBE_SYNTAX}` (options in any order)."
    return text_message(text)


def cannot_post_message(error: str, channel_id: str) -> Message:
    """Why a channel cannot get alerts, and what to do about it."""
    where = channel_mention(channel_id)
    if error == CHANNEL_ARCHIVED:
        text = f"⚠️ {where} is archived, so fal-bot cannot post there. Nothing was subscribed."
    elif error in CHANNEL_UNREACHABLE:
        text = (
            f"⚠️ fal-bot cannot post in {where} (a private channel it has not been added to, or a DM). "
            "Nothing was subscribed. Invite it with `/invite @fal-bot` in the channel, then run "
            "`/fal subscribe` again."
        )
    else:
        text = (
            f"⚠️ Slack refused fal-bot's confirmation in {where} ({escape(error)}), so nothing was "
            "subscribed. Try again in a minute."
        )
    return text_message(text)


def subscription_line(subscription: Subscription) -> str:
    where = channel_mention(subscription.channel_id)
    if not subscription.active:
        reason = escape(subscription.disabled_reason or "paused")
        return f"⏸ {where}: paused ({reason}) · {describe_subscription(subscription)}"
    return f"🔔 {where}: {describe_subscription(subscription)}"


# -- feedback --------------------------------------------------------------------------------------
def storage_error_message(what: str) -> Message:
    """A change the user asked for could not be saved (the database is read-only, full, ...)."""
    return text_message(
        f"⚠️ fal-bot could not save {what}: its database cannot be written right now. Nothing was "
        "changed. Try again later, or ask whoever runs fal-bot to check `/healthz` and `FAL_BOT_DB`."
    )


def feedback_thanks(vote: str) -> Message:
    text = (
        "Thanks! Glad it helped. 👍"
        if vote == "up"
        else "Thanks for telling us. 👎 It helps improve the answers; fal's docs or support may help now."
    )
    return Message(text, [context(text).to_dict()])


# -- App Home --------------------------------------------------------------------------------------
HOME_HOW_TO = (
    "*How to use fal-bot*",
    "• DM me a fal error (or @mention me with one in a channel): I reply in the thread with the fix.",
    "• On any message: ⋯ → *Diagnose with fal-bot*.",
    "• `/fal status`, `/fal diagnose <text>`, `/fal key <value>`, `/fal help`.",
    f"• `{SUBSCRIBE_SYNTAX}` in a channel for outage alerts; `/fal unsubscribe` to stop.",
    "• Never paste a whole API key: if one appears, I tell you to rotate it.",
)


def home_view(
    latest: StatusSnapshot | None,
    last_good: StatusSnapshot | None,
    age_seconds: float | None,
    subscriptions: Sequence[Subscription],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The App Home tab: live status, this workspace's subscriptions, short help."""
    status = status_message(latest, last_good, age_seconds, now=now)
    rendered: list[dict[str, Any]] = [header("fal-bot").to_dict()]
    # The status answer's own blocks, its header turned into a bold line (the tab has its own header).
    rendered.append(section(f"*{escape(status.text)}*").to_dict())
    rendered.extend(b for b in status.blocks if b.get("type") != "header")
    rendered.append(DividerBlock().to_dict())
    lines = ["*Channels with fal alerts in this workspace*"]
    if subscriptions:
        lines.extend(subscription_line(s) for s in subscriptions[:60])
        if len(subscriptions) > 60:
            lines.append(f"… and {len(subscriptions) - 60} more")
    else:
        lines.append("None yet. Run `/fal subscribe` in a channel to get outage alerts there.")
    rendered.extend(b.to_dict() for b in sections_for_lines(lines)[:20])
    rendered.append(DividerBlock().to_dict())
    rendered.extend(b.to_dict() for b in sections_for_lines([escape(line) for line in HOME_HOW_TO]))
    return View(type="home", blocks=rendered[:MAX_HOME_BLOCKS]).to_dict()
