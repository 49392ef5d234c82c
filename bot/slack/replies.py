"""Shared reply logic for every diagnosis surface (slash command, DM, mention, message shortcut)."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError

from bot.diagnosis import Diagnosis
from bot.incidents import incident_context
from bot.keys import contains_key
from bot.slack import blocks
from bot.slack.errors import error_code
from bot.slack.services import Reading, Services, answer_id
from bot.status.models import StatusSnapshot
from bot.store import StoreError, describe_store_error

log = logging.getLogger(__name__)


def diagnose_reply(
    services: Services,
    text: str,
    *,
    surface: str = "dm",
    team_id: str = "unknown",
    reading: Reading | None = None,
    shareable: bool = False,
    user_id: str | None = None,
) -> blocks.Message:
    """The reply to a pasted text: a usage hint when empty, else the rendered diagnosis.

    The text is never logged; a paste with no match, or only a guess, is kept redacted as a gap
    (`fal-bot kb gaps`).
    A fal-side error counts towards an early warning (`user_id` tells different people apart).
    """
    if not text.strip():
        return blocks.usage_hint(surface)
    if reading is None:
        reading = services.read_paste(text)
    diagnosis: Diagnosis | None = reading.diagnosis
    if diagnosis is None:
        return blocks.too_long_to_read(reading.total_chars)
    best, guess = diagnosis.best, diagnosis.guess
    paste_id = None
    if best is None and guess is not None:
        # no answer, only the closest problem: a gap, with the entry the team may want to improve
        record_gap(services, team_id, surface, text, "guess", guess.id)
        paste_id = answer_id()  # already a gap: nothing is kept for a 👎 to record again
    elif best is None:
        record_gap(services, team_id, surface, text, "no_match")
    else:
        paste_id = services.recent_pastes.remember(text, surface)
    log.info(
        "diagnosed %d chars from %s: %s",
        len(text),
        surface,
        best.id if best else ("not fal" if not diagnosis.fal_related else "no match"),
    )
    snapshot = cached_status(services)
    count_for_early_warning(services, team_id, user_id, diagnosis, text, snapshot)
    read = (reading.read_chars, reading.total_chars) if reading.partial else None
    return blocks.diagnosis_message(
        diagnosis,
        key_exposed=contains_key(text),
        shareable=shareable,
        partial_read=read,
        paste_id=paste_id,
        incident=incident_context(diagnosis, snapshot),
    )


def cached_status(services: Services) -> StatusSnapshot | None:
    """The poller's last reading (never a fetch here); after a failed poll, the last good reading
    while it is recent."""
    monitor = services.monitor
    if monitor is None:
        return None
    snapshot = monitor.latest()
    if snapshot is None or not snapshot.ok:
        snapshot = monitor.last_good()
        stale_after = services.settings.unknown_note_seconds
        if snapshot is not None and time.time() - snapshot.checked_at.timestamp() > stale_after:
            return None
    return snapshot


def count_for_early_warning(
    services: Services,
    team_id: str,
    user_id: str | None,
    diagnosis: Diagnosis,
    text: str,
    snapshot: StatusSnapshot | None,
) -> None:
    if services.early_warnings is None:
        return
    try:
        services.early_warnings.observe(team_id, user_id, diagnosis, text, snapshot)
    except StoreError as exc:
        log.warning(
            "a fal-side paste was not counted for early warnings (database: %s)", describe_store_error(exc)
        )


def record_gap(
    services: Services, team_id: str, surface: str, text: str, reason: str, entry_id: str | None = None
) -> None:
    """Keep a paste the bot could not answer for `fal-bot kb gaps` (redacted by the store)."""
    try:
        services.store.record_gap(team_id, surface, text, reason, entry_id)
    except StoreError as exc:
        log.warning("a gap was not recorded (database: %s)", describe_store_error(exc))


def post_reply(
    services: Services, channel_id: str, thread_ts: str | None, message: blocks.Message
) -> str | None:
    """Post in the thread of `thread_ts`; None when posted, else Slack's error code."""
    try:
        client = services.request_client()
        client.chat_postMessage(
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
