"""Slack Web API errors, in one place: what an error code means, and reading one from an exception.

- `CHANNEL_GONE`: the bot cannot post in the channel at all (archived, deleted, private without the
  bot, or the bot was removed); only someone in Slack can change that.
- `TOKEN_GONE`: the token itself is refused; one human reason each, for start-up messages and logs.
- `error_code(exc)` and `retry_after(exc)` read a `SlackApiError` without assuming the shape of its
  response (the SDK's, or a test's).
"""

from __future__ import annotations

import math
from typing import Any

from slack_sdk.errors import SlackApiError

# The channel is archived: unarchiving it makes it usable again.
CHANNEL_ARCHIVED = "is_archived"
# The bot cannot see the channel: deleted, private without the bot, or the bot was removed.
CHANNEL_UNREACHABLE = frozenset({"channel_not_found", "not_in_channel"})
# Every error that means "this bot cannot post in this channel".
CHANNEL_GONE = CHANNEL_UNREACHABLE | {CHANNEL_ARCHIVED}

# Errors that mean the token itself is wrong, dead or not allowed here, and why, in words.
TOKEN_GONE: dict[str, str] = {
    "invalid_auth": "Slack does not recognise it",
    "not_authed": "Slack received no token",
    "token_revoked": "it was revoked (or the app was uninstalled)",
    "account_inactive": "the app was uninstalled or its workspace or user deactivated",
    "token_expired": "it has expired (turn off token rotation or refresh it)",
    "not_allowed_token_type": "it is the wrong kind of token",
    "invalid_token": "Slack does not recognise it",
    "team_access_not_granted": "it has not been granted access to this workspace",
}


def error_code(exc: SlackApiError) -> str:
    """Slack's `error` field (`channel_not_found`, `ratelimited`, ...), or "" when the answer had none."""
    data: Any = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "")
    return ""


def retry_after(exc: SlackApiError) -> float | None:
    """The `Retry-After` header of a 429, in seconds (header names are case-insensitive), or None
    when it is missing or not a finite number."""
    headers: Any = getattr(exc.response, "headers", None) or {}
    for name, value in headers.items():
        if str(name).lower() != "retry-after":
            continue
        raw = value[0] if isinstance(value, list) and value else value
        try:
            seconds = float(raw)
        except (TypeError, ValueError):
            return None
        return seconds if math.isfinite(seconds) else None
    return None
