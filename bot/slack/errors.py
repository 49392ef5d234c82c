"""Slack Web API errors, in one place: what an error code means, and reading one from an exception.

- `CHANNEL_GONE`: the bot cannot post in the channel at all (archived, deleted, private without the
  bot, or the bot was removed); only someone in Slack can change that.
- `TOKEN_GONE`: the token itself is refused; one human reason each, for start-up messages and logs.
- `error_code(exc)` and `retry_after(exc)` read a `SlackApiError` without assuming the shape of its
  response (the SDK's, or a test's).
- `CountingWebClient`: a WebClient that reports every failed call (method and error) to a callback,
  for the `falbot_slack_api_errors_total` metric.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

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


class CountingWebClient(WebClient):
    """A WebClient that calls `on_error(method, error)` for every call that fails: Slack's error code
    (HTTP 429 is `ratelimited`), else the exception's class name (a timeout, a refused connection).
    Every Web API method goes through `api_call`, so one override sees them all."""

    def __init__(self, *args: Any, on_error: Callable[[str, str], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.on_error = on_error

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            self._report(api_method, error_code(exc) or f"http_{getattr(exc.response, 'status_code', 0)}")
            raise
        except Exception as exc:
            self._report(api_method, type(exc).__name__)
            raise

    def _report(self, method: str, error: str) -> None:
        if self.on_error is not None:
            self.on_error(method, error)
