"""The loopback fake of Slack's Web API and of `response_url` that tests run the real Bolt app against.

It is the same stand-in `fal-bot playground` runs (bot/playground/slack_standin.py), so there is one
copy; see that module for what it answers and how to script failures.
"""

from bot.playground.slack_standin import (
    MAX_BLOCKS,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
    Call,
    SlackStandIn,
    parse_params,
)

FakeSlack = SlackStandIn

__all__ = [
    "MAX_BLOCKS",
    "MAX_HEADER_TEXT",
    "MAX_MESSAGE_TEXT",
    "MAX_SECTION_TEXT",
    "Call",
    "FakeSlack",
    "SlackStandIn",
    "parse_params",
]
