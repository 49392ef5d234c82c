"""Block actions: 👍 / 👎 feedback on a diagnosis, and "Share in channel" on a private /fal diagnose answer.

Stored with team, user, entry id, vote and time, never the pasted text, and acknowledged with an
ephemeral thank-you to the person who clicked.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.diagnosis import ID_PATTERN
from bot.slack import blocks
from bot.slack.replies import record_gap
from bot.slack.services import Services, bound, request_team_id
from bot.store import StoreError, describe_store_error

log = logging.getLogger(__name__)

FEEDBACK_UP = blocks.FEEDBACK_UP
FEEDBACK_DOWN = blocks.FEEDBACK_DOWN
SHARE_DIAGNOSIS = blocks.SHARE_DIAGNOSIS


# What register() listens to (action ids), checked against the blocks that carry them.
ACTIONS = (FEEDBACK_UP, FEEDBACK_DOWN, SHARE_DIAGNOSIS)


def register(app: App, services: Services) -> None:
    app.action(FEEDBACK_UP)(bound(on_feedback, services))
    app.action(FEEDBACK_DOWN)(bound(on_feedback, services))
    app.action(SHARE_DIAGNOSIS)(bound(on_share, services))


def on_feedback(
    services: Services,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: dict[str, Any],
) -> None:
    """👍 or 👎 (the button's action id says which) on an answer."""
    ack()
    vote = "up" if action.get("action_id") == FEEDBACK_UP else "down"
    entry_id, _, paste_id = str(action.get("value") or "").partition(blocks.PASTE_SEPARATOR)
    user_id = str((body.get("user") or {}).get("id") or "")
    team_id = request_team_id(body, context)

    def work() -> None:
        answer = paste_id if paste_id and len(paste_id) <= 32 and paste_id.isalnum() else None
        _record(services, respond, team_id, user_id, entry_id, vote, answer)
        pasted = services.recent_pastes.claim(paste_id) if vote == "down" and paste_id else None
        if pasted is not None and ID_PATTERN.match(entry_id):
            record_gap(services, team_id, pasted[1], pasted[0], "thumbs_down", entry_id)

    services.submit(work, "feedback")


def on_share(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    ack()
    entry_id = str(action.get("value") or "")
    user_id = str((body.get("user") or {}).get("id") or "")
    services.submit(lambda: _share(services, respond, entry_id, user_id), "share diagnosis")


def _record(
    services: Services,
    respond: Respond,
    team_id: str,
    user_id: str,
    entry_id: str,
    vote: str,
    answer: str | None = None,
) -> None:
    if not ID_PATTERN.match(entry_id) or len(entry_id) > 100 or not user_id:
        log.info("feedback with an unusable entry id ignored")
        return
    try:
        services.store.record_feedback(
            team_id, user_id, entry_id, "up" if vote == "up" else "down", answer=answer
        )
    except StoreError as exc:
        log.warning("feedback on %s not saved (database: %s)", entry_id, describe_store_error(exc))
        message = blocks.storage_error_message("your feedback")
        respond(**message.as_kwargs(), response_type="ephemeral", replace_original=False)
        return
    log.info("feedback %s on %s (team %s)", vote, entry_id, team_id)
    respond(**blocks.feedback_thanks(vote).as_kwargs(), response_type="ephemeral", replace_original=False)


def _share(services: Services, respond: Respond, entry_id: str, user_id: str) -> None:
    """Post the knowledge-base answer (never the pasted text) in the channel, through response_url."""
    kb = getattr(services.diagnoser, "kb", None)
    entry = kb.by_id.get(entry_id) if kb is not None else None
    if entry is None:
        respond(**blocks.entry_gone_message().as_kwargs(), response_type="ephemeral", replace_original=False)
        return
    message = blocks.shared_entry_message(entry, user_id)
    respond(**message.as_kwargs(), response_type="in_channel", replace_original=False)
    log.info("diagnosis %s shared in channel", entry_id)
