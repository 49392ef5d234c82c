"""Block actions: 👍 / 👎 feedback on a diagnosis.

Stored with team, user, entry id, vote and time, never the pasted text, and acknowledged with an
ephemeral thank-you to the person who clicked.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.knowledge import ID_PATTERN
from bot.slack import blocks
from bot.slack.services import Services, request_team_id, services_of

log = logging.getLogger(__name__)

FEEDBACK_UP = blocks.FEEDBACK_UP
FEEDBACK_DOWN = blocks.FEEDBACK_DOWN


def register(app: App) -> None:
    services = services_of(app)

    def listener(vote: str) -> Any:
        def on_feedback(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: dict[str, Any]
        ) -> None:
            ack()
            entry_id = str(action.get("value") or "")
            user_id = str((body.get("user") or {}).get("id") or "")
            team_id = request_team_id(body, context)
            services.submit(lambda: _record(services, respond, team_id, user_id, entry_id, vote), "feedback")

        return on_feedback

    app.action(FEEDBACK_UP)(listener("up"))
    app.action(FEEDBACK_DOWN)(listener("down"))


def _record(
    services: Services, respond: Respond, team_id: str, user_id: str, entry_id: str, vote: str
) -> None:
    if not ID_PATTERN.match(entry_id) or len(entry_id) > 100 or not user_id:
        log.info("feedback with an unusable entry id ignored")
        return
    services.store.record_feedback(team_id, user_id, entry_id, "up" if vote == "up" else "down")
    log.info("feedback %s on %s (team %s)", vote, entry_id, team_id)
    respond(**blocks.feedback_thanks(vote).as_kwargs(), response_type="ephemeral", replace_original=False)
