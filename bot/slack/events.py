"""Events: DMs to the bot (message, channel_type im), @mentions, and App Home opened.

Only DMs and mentions are answered; plain channel messages never are. A message with a `bot_id`
(this bot's own replies included) or a subtype not handled here (edits, deletions, joins, bot
messages...) is ignored, or the bot would answer itself. Replies go into the thread of the message.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import linear_re
from bot.keys import contains_key
from bot.slack import blocks, home
from bot.slack.errors import error_code
from bot.slack.replies import diagnose_reply, post_reply
from bot.slack.services import Services, bound, request_team_id
from bot.slack.shortcuts import message_text

log = logging.getLogger(__name__)

# The message listener handles these channel types only (the manifest subscribes message.<type>).
MESSAGE_CHANNEL_TYPES = ("im",)
# What register() subscribes to; the manifest's bot_events are checked against it.
EVENTS = ("message", "app_mention", "app_home_opened")
# Message subtypes that carry text a person wrote; everything else is ignored.
HANDLED_SUBTYPES = frozenset({"file_share", "thread_broadcast"})
_MENTION = linear_re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_LEADING_MENTION = linear_re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")


def is_person_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A message a person wrote (not a bot, not an edit/deletion/join notice)."""
    subtype = event.get("subtype")
    if subtype is not None and subtype not in HANDLED_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile") or event.get("hidden"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """The text of a mention without the bot's own `<@U…>` (other mentions stay, escaped later).

    A leading mention is dropped whatever its id: an app_mention starts with the bot's mention in
    practice, and the id Slack uses there can differ from auth.test's (enterprise grids, shared apps).
    """
    text = _LEADING_MENTION.sub("", text, count=1)
    if bot_user_id:
        text = _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text)
    return text.strip()


def thread_of(event: dict[str, Any]) -> str | None:
    return event.get("thread_ts") or event.get("ts")


def register(app: App, services: Services) -> None:
    # Only DMs match here, so other modules may add message listeners of their own; messages nobody
    # handles are acknowledged by the catch-all create_app registers last.
    app.event("message", matchers=[is_direct_message])(bound(on_message, services))
    app.event("app_mention")(bound(on_mention, services))
    app.event("app_home_opened")(bound(on_home_opened, services))


def is_direct_message(event: dict[str, Any]) -> bool:
    return event.get("channel_type") in MESSAGE_CHANNEL_TYPES


def on_message(
    services: Services, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
) -> None:
    if not is_person_message(event, context.get("bot_user_id")):
        return
    channel, thread = str(event.get("channel") or ""), thread_of(event)
    text = str(event.get("text") or "")
    # In a thread ("thanks!" under the bot's answer) only say something when there is a reason.
    in_thread = bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts")
    team_id = request_team_id(body, context)
    user_id = str(event.get("user") or "")
    services.submit(
        lambda: _answer(services, channel, thread, text, "dm", team_id, quiet=in_thread, user_id=user_id),
        "dm reply",
    )


def on_mention(
    services: Services, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
) -> None:
    if not is_person_message(event, context.get("bot_user_id")):
        return
    channel, thread = str(event.get("channel") or ""), thread_of(event)
    text = strip_bot_mention(str(event.get("text") or ""), context.get("bot_user_id"))
    parent = event.get("thread_ts") if event.get("thread_ts") != event.get("ts") else None
    team_id = request_team_id(body, context)

    def work() -> None:
        # A bare "@fal-bot" in a thread: diagnose the message that started the thread.
        found = thread_parent_text(services, channel, str(parent)) if parent and not text else None
        # A bare mention diagnoses the thread's first message: its author is not known here.
        who = None if found else str(event.get("user") or "") or None
        _answer(services, channel, thread, found or text, "mention", team_id, user_id=who)

    services.submit(work, "mention reply")


def on_home_opened(
    services: Services, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    team_id = request_team_id(body, context)
    user_id = str(event["user"])
    services.submit(lambda: home.publish_home(services, team_id, user_id), "publish home")


def thread_parent_text(services: Services, channel: str, thread_ts: str) -> str | None:
    """The text of a thread's first message (channels:history / groups:history), or None."""
    try:
        client = services.request_client()
        response = client.conversations_replies(channel=channel, ts=thread_ts, limit=1)
    except SlackApiError as exc:
        log.info("reading the thread parent in %s failed: %s", channel, error_code(exc))
        return None
    messages = response.get("messages") or []
    first = messages[0] if messages and isinstance(messages[0], dict) else {}
    return message_text(first) or None


def _answer(
    services: Services,
    channel: str,
    thread: str | None,
    text: str,
    surface: str,
    team_id: str,
    *,
    quiet: bool = False,
    user_id: str | None = None,
) -> None:
    word = text.strip().lower()
    if word in {"help", "hi", "hello"}:
        message = blocks.help_message()
    elif word == "status":
        message = home.current_status(services)
    else:
        reading = services.read_paste(text) if text.strip() else None
        diagnosis = reading.diagnosis if reading is not None else None
        worth_saying = diagnosis is not None and (
            diagnosis.fal_related or bool(diagnosis.matches) or bool(diagnosis.key_findings)
        )
        if quiet and not worth_saying and not contains_key(text):
            return
        message = diagnose_reply(
            services, text, surface=surface, team_id=team_id, reading=reading, user_id=user_id
        )
    post_reply(services, channel, thread, message)
