"""The one table of Slack error codes, and reading the code and `Retry-After` from a SlackApiError."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.alerts import sender
from bot.slack import errors
from bot.slack.errors import CHANNEL_GONE, TOKEN_GONE, error_code, retry_after


def slack_error(
    data: dict[str, Any], headers: dict[str, Any] | None = None, status: int = 200
) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


def test_error_code_reads_slacks_error_field() -> None:
    assert error_code(slack_error({"ok": False, "error": "not_in_channel"})) == "not_in_channel"
    assert error_code(slack_error({"ok": False})) == ""
    assert error_code(SlackApiError("no response", None)) == ""


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"retry-after": "2.5"}, 2.5),  # header names are case-insensitive
        ({"RETRY-AFTER": ["7"]}, 7.0),  # some transports give a list per header
        ({}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),  # float() accepts it; a delay of NaN would stall the channel
        ({"Retry-After": "inf"}, None),
    ],
)
def test_retry_after(headers: dict[str, Any], expected: float | None) -> None:
    assert retry_after(slack_error({"ok": False, "error": "ratelimited"}, headers, status=429)) == expected


def test_one_table_for_every_reader() -> None:
    assert {"channel_not_found", "not_in_channel", "is_archived"} <= CHANNEL_GONE
    assert errors.CHANNEL_ARCHIVED in CHANNEL_GONE and errors.CHANNEL_UNREACHABLE < CHANNEL_GONE
    # the sender's and the token watch's token errors used to be two lists that disagreed: both,
    # and start-up's token checks, now read TOKEN_GONE (grep finds no other table)
    assert {
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "not_authed",
        "team_access_not_granted",
    } <= set(TOKEN_GONE)
    assert {"token_expired", "not_allowed_token_type", "invalid_token"} <= set(TOKEN_GONE)
    assert all(reason and not reason.endswith(".") for reason in TOKEN_GONE.values())
    assert not hasattr(sender, "STOP_CHANNEL_ERRORS") and not hasattr(sender, "STOP_TEAM_ERRORS")
