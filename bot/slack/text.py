"""mrkdwn helpers: escaping user text, cutting to Slack's limits, dates every reader sees locally.

Why escape: in mrkdwn `<!channel>`, `<!here>` and `<@U…>` ping people. Anything a user pasted is
run through `redact()` (no fal key ever echoed) and then `&`, `<`, `>` are escaped, so a quoted
paste pings nobody.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot import linear_re
from bot.keys import redact

ELLIPSIS = "…"

# Slack's limits (slack-notes.md).
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_TEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_MESSAGE_TEXT = 40000
# The top-level `text` of a message with blocks is only the notification fallback: keep it short.
MAX_FALLBACK_TEXT = 3000

_PARTIAL_ENTITY = linear_re.compile(r"&[a-z]{0,3}$")


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str) -> str:
    """User-provided text made safe to show: keys redacted, then mrkdwn-escaped."""
    return escape(redact(text))


def clip(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, ending with "…" when cut (never mid-entity)."""
    if len(text) <= limit:
        return text
    cut = _PARTIAL_ENTITY.sub("", text[: max(0, limit - 1)])  # a cut "&am" would show as garbage
    if cut.count("```") % 2 == 1:  # an unclosed code fence would swallow the rest of the message
        return _PARTIAL_ENTITY.sub("", text[: max(0, limit - 5)]) + ELLIPSIS + "\n```"
    return cut + ELLIPSIS


def code_block(code: str) -> str:
    """A mrkdwn code block; the code is escaped too (Slack still parses `<!here>` inside fences)."""
    return "```\n" + escape(code.strip("\n")).replace("```", "ʼʼʼ") + "\n```"


def link(url: str, label: str) -> str:
    """`<url|label>`: the url must not contain `|` or `>`; the label is escaped."""
    safe_url = url.replace(">", "%3E").replace("|", "%7C").replace("<", "%3C").replace(" ", "%20")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def slack_date(moment: datetime, *, with_time: bool = True) -> str:
    """`<!date^UNIX^{date_short_pretty} {time}|fallback>`: each reader sees their own time zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    unix = int(aware.timestamp())
    tokens = "{date_short_pretty} {time}" if with_time else "{date_short_pretty}"
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")
    return f"<!date^{unix}^{tokens}|{fallback}>"


def age_words(seconds: float | None) -> str:
    """ "40 s", "3 min", "2 h", "3 days": how long ago a reading was taken."""
    if seconds is None:
        return "unknown time"
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 90 * 60:
        return f"{int(seconds // 60)} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


_CHANNEL_ID = linear_re.compile(r"^[A-Z0-9]{2,30}$")


def channel_mention(channel_id: str) -> str:
    """`<#C123>` for a real channel id; anything else is shown escaped, never as markup."""
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else escape(channel_id)


def user_mention(user_id: str) -> str:
    return f"<@{user_id}>" if _CHANNEL_ID.match(user_id) else escape(user_id)
