"""The message shortcut "Diagnose with fal-bot" (callback_id diagnose_message).

The diagnosis goes into the message's thread when the bot can post there, else ephemerally to the
person who used the shortcut, through the payload's response_url.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.slack.replies import diagnose_reply, post_reply
from bot.slack.services import Services, bound, request_team_id

DIAGNOSE_MESSAGE = "diagnose_message"
# What register() listens to (callback ids); the manifest's shortcuts are checked against it.
SHORTCUTS = (DIAGNOSE_MESSAGE,)


def message_text(message: dict[str, Any]) -> str:
    """The text of a message, including attachment text (error notifiers often post attachments)."""
    parts = [str(message.get("text") or "")]
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            for name in ("pretext", "title", "text", "fallback"):
                if attachment.get(name):
                    parts.append(str(attachment[name]))
                    if name == "text":
                        break
    return "\n".join(part for part in parts if part)


def register(app: App, services: Services) -> None:
    app.shortcut(DIAGNOSE_MESSAGE)(bound(on_diagnose_message, services))


def on_diagnose_message(services: Services, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
    ack()
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or "")
    thread = message.get("thread_ts") or message.get("ts") or body.get("message_ts")
    text = message_text(message)

    def work() -> None:
        # The person who hit the error wrote the message (whoever runs the shortcut on it).
        author = str(message.get("user") or (body.get("user") or {}).get("id") or "") or None
        reply = diagnose_reply(
            services, text, surface="shortcut", team_id=request_team_id(body, {}), user_id=author
        )
        if post_reply(services, channel, thread, reply) is not None:
            respond(**reply.as_kwargs(), response_type="ephemeral", replace_original=False)

    services.submit(work, "shortcut reply")
