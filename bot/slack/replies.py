"""Shared reply logic for every diagnosis surface (slash command, DM, mention, message shortcut)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.diagnosis import Diagnosis
from bot.keys import contains_key
from bot.slack import blocks
from bot.slack.errors import error_code
from bot.slack.services import Reading, Services

log = logging.getLogger(__name__)


def diagnose_reply(
    services: Services,
    text: str,
    *,
    surface: str = "dm",
    reading: Reading | None = None,
    shareable: bool = False,
) -> blocks.Message:
    """The reply to a pasted text: a usage hint when empty, else the rendered diagnosis.

    The text itself is never logged or stored; only the matched entry id is logged.
    """
    if not text.strip():
        return blocks.usage_hint(surface)
    if reading is None:
        reading = services.read_paste(text)
    diagnosis: Diagnosis | None = reading.diagnosis
    if diagnosis is None:
        return blocks.too_long_to_read(reading.total_chars)
    best = diagnosis.best
    log.info(
        "diagnosed %d chars from %s: %s",
        len(text),
        surface,
        best.id if best else ("not fal" if not diagnosis.fal_related else "no match"),
    )
    read = (reading.read_chars, reading.total_chars) if reading.partial else None
    return blocks.diagnosis_message(
        diagnosis, key_exposed=contains_key(text), shareable=shareable, partial_read=read
    )


def post_reply(
    services: Services, channel_id: str, thread_ts: str | None, message: blocks.Message
) -> str | None:
    """Post in the thread of `thread_ts`; None when posted, else Slack's error code."""
    try:
        services.client.chat_postMessage(
            channel=channel_id,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **message.as_kwargs(),
        )
        return None
    except SlackApiError as exc:
        error = error_code(exc) or "unknown_error"
        log.info("posting a reply in %s failed: %s", channel_id, error)
        return error
