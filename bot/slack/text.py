"""The mrkdwn toolkit for every message fal-bot writes (replies, App Home, outage alerts): escaping,
cutting to Slack's limits, links, and dates every reader sees in their own time zone.

Why escape: in mrkdwn `<!channel>`, `<!here>` and `<@U…>` ping people. Anything a user pasted is
run through `redact()` (no fal key ever echoed) and then `&`, `<`, `>` are escaped, so a quoted
paste pings nobody; status-page text is escaped the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

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

# What is left of `&amp;`, `&lt;` or `&gt;` (the only entities escape() writes) when a cut lands
# inside one: a proper prefix of it. A literal `&` followed by other letters is not touched.
_PARTIAL_ENTITY = linear_re.compile(r"&(?:a(?:mp?)?|[lg]t?)?$")


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str) -> str:
    """User-provided text made safe to show: keys redacted, then mrkdwn-escaped."""
    return escape(redact(text))


def _cut_at(text: str, end: int) -> str:
    # a cut "&am" would show as garbage; "word …" or "line\n…" reads worse than "word…"
    return _PARTIAL_ENTITY.sub("", text[: max(0, end)]).rstrip()


def clip(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, ending with "…" when cut (never mid-entity, never
    leaving a code fence open)."""
    if len(text) <= limit:
        return text
    cut = _cut_at(text, limit - 1)
    if cut.count("```") % 2 == 1:  # an unclosed code fence would swallow the rest of the message
        return _cut_at(text, limit - 5) + ELLIPSIS + "\n```"
    return cut + ELLIPSIS


def code_block(code: str) -> str:
    """A mrkdwn code block; the code is escaped too (Slack still parses `<!here>` inside fences)."""
    return "```\n" + escape(code.strip("\n")).replace("```", "ʼʼʼ") + "\n```"


# In a link's URL: `|` would end the URL and `>` the link, `<`, whitespace and control characters have
# no place there; `&` is written `&amp;` like everywhere in mrkdwn (Slack decodes it), so a URL
# holding `&lt;` cannot turn into `<`.
_URL_SPECIAL = {"&": "&amp;", "<": "%3C", ">": "%3E", "|": "%7C"}


def _url_char(char: str) -> str:
    if char in _URL_SPECIAL:
        return _URL_SPECIAL[char]
    return quote(char, safe="") if char.isspace() or not char.isprintable() else char


def link(url: str, label: str) -> str:
    """`<url|label>` with nothing in either that could end the link early or add markup: the URL's
    `&`, `<`, `>`, `|`, whitespace and control characters are escaped, the label is escaped and its
    `|` shown as `¦`."""
    safe_url = "".join(_url_char(char) for char in url.strip())
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def safe_link(url: str | None, label: str) -> str | None:
    """`link()` for a URL from outside (a status page): only http(s) URLs with a host, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[::1": not a URL anyone can open
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return link(url, label)


def slack_date(moment: datetime | float, *, with_time: bool = True) -> str:
    """`<!date^UNIX^{date_short_pretty} {time}|fallback>`: each reader sees their own time zone.
    `moment` is a datetime (naive means UTC) or a Unix time in seconds."""
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, UTC)
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
