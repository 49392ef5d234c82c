"""One playground: the real `fal-bot run` wiring against a Slack stand-in and a simulated fal page.

Everything the product runs is the product's own: `build_runtime()` builds the store, the status
monitor, the Bolt app with its listeners and the alert service exactly as `fal-bot run --mode http`
does, and `start_runtime()` starts them. The only differences are settings: SLACK_API_URL points at
the stand-in (bot.playground.slack_standin), FAL_STATUS_URL at the simulated page
(bot.playground.status_page), the signing secret and bot token are generated for this run, the page
is polled every second, and the database is a temporary file unless FAL_BOT_DB is set.

What a person does in the page becomes what Slack would send: a signed slash command, a signed
event (a DM message, an @mention, App Home opened) or a signed block_actions payload, POSTed over
loopback HTTP to the app's own `/slack/events` handler (signature check and replay guard included).
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.playground.loopback import LoopbackServer
from bot.playground.slack_requests import (
    Signed,
    app_home_opened,
    block_actions,
    event_envelope,
    message_action,
    message_event,
    slash_command,
)
from bot.playground.slack_standin import SlackStandIn
from bot.playground.status_page import FakeStatusPage
from bot.runtime.shutdown import Runtime
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)

TEAM_ID = "TPLAYGROUND"
BOT_USER_ID = "UFALBOT"
BOT_ID = "BFALBOT"
APP_ID = "APLAYGROUND"

# The workspace the page shows: a DM with the bot and two channels.
CHANNELS: dict[str, dict[str, Any]] = {
    "D1": {"name": "fal-bot", "is_im": True},
    "C1": {"name": "general", "is_im": False},
    "C2": {"name": "alerts", "is_im": False},
}
USERS = {"U1": "you", "U2": "teammate"}
COMPONENTS = {"Model APIs": "operational", "Queue API": "operational", "Realtime": "operational"}

# `level` values of POST /api/status: status --json's levels except unknown, plus unreadable.
LEVELS = ("operational", "degraded", "partial_outage", "major_outage", "maintenance", "unreadable")

POLL_SECONDS = 1  # so a status switch shows up as an alert within a few seconds
STATUS_DEADLINE_SECONDS = 2.0
UNKNOWN_NOTE_MINUTES = 0.5  # an unreadable page is noted to subscribed channels after 30 s
REPLY_DEADLINE_SECONDS = 15.0  # how long /api/say waits for the bot's answer (pastes run on a pool)
ALERT_DEADLINE_SECONDS = 10.0
MAX_TEXT = 40_000  # Slack's limit for a message


class PlaygroundError(ValueError):
    """A request the playground cannot act on; the message says why (answered with HTTP 400)."""


@dataclass
class Poll:
    """What the poller saw, for the page's status panel: one entry per change, with how many polls
    in a row read the same and when the last of them ended."""

    at: float
    level: str
    incidents: list[str]
    error: str | None
    polls: int = 1
    last_at: float = 0.0

    def same_reading(self, other: Poll) -> bool:
        return (self.level, self.incidents, self.error) == (other.level, other.incidents, other.error)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "level": self.level,
            "incidents": self.incidents,
            "error": self.error,
            "polls": self.polls,
            "last_at": self.last_at or self.at,
        }


class Playground:
    """Start with `start()`, stop with `stop()`; the JSON API (bot.playground.server) calls the rest."""

    def __init__(self, *, db_path: Path | str | None = None):
        self._db_path = db_path
        self._temp_dir: str | None = None
        self.slack = SlackStandIn(
            team_id=TEAM_ID,
            team_name="fal-bot playground",
            bot_user_id=BOT_USER_ID,
            bot_id=BOT_ID,
        )
        for channel_id, info in CHANNELS.items():
            self.slack.set_channel(channel_id, name=info["name"], is_im=info["is_im"])
        self.page = FakeStatusPage(LoopbackServer, flavour="instatus", components=dict(COMPONENTS))
        self.signing_secret = secrets.token_hex(16)
        self.runtime: Runtime | None = None
        self.polls: deque[Poll] = deque(maxlen=30)
        self.last_poll_at = 0.0
        self.simulated = {"level": "operational", "incident": None, "since": time.time()}
        self._polled = threading.Condition()
        self._http = httpx.Client(timeout=REPLY_DEADLINE_SECONDS)
        self._events = 0

    # -- lifecycle ------------------------------------------------------------------------------------
    def settings(self) -> Settings:
        db = self._db_path
        if db is None:
            self._temp_dir = tempfile.mkdtemp(prefix="fal-bot-playground-")
            db = Path(self._temp_dir) / "fal-bot.db"
        return load_settings(
            slack_bot_token="xoxb-playground-" + secrets.token_hex(12),
            slack_signing_secret=self.signing_secret,
            slack_app_token=None,
            slack_api_url=self.slack.api_url,
            fal_status_url=self.page.url,
            fal_bot_db=db,
            fal_bot_poll_seconds=POLL_SECONDS,
            fal_bot_status_deadline_seconds=STATUS_DEADLINE_SECONDS,
            fal_bot_unknown_note_minutes=UNKNOWN_NOTE_MINUTES,
        )

    def start(self) -> Playground:
        """Raises bot.runtime.startup.StartupError as `fal-bot run` would."""
        from bot.runtime.wiring import build_runtime, start_runtime

        self.slack.start()
        runtime = build_runtime(self.settings(), "http", "127.0.0.1", 0)
        start_runtime(runtime)
        # After the alert service's listener: a poll recorded here has had its alerts queued.
        runtime.monitor.add_listener(self._saw)
        self.runtime = runtime
        return self

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop(budget=4.0)
        self._http.close()
        self.slack.stop()
        self.page.server.stop()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    @property
    def events_url(self) -> str:
        assert self.runtime is not None and self.runtime.http is not None
        return f"http://127.0.0.1:{self.runtime.http.port}/slack/events"

    # -- what a person does ---------------------------------------------------------------------------
    def say(self, channel: str, user: str, text: object, thread_ts: str | None = None) -> dict[str, Any]:
        """A message or a `/fal …` command typed in `channel` (in the thread of `thread_ts`, for a
        message); returns once the bot answered."""
        _check_channel(channel)
        _check_user(user)
        if thread_ts is not None and self.slack.find_message(channel, str(thread_ts)) is None:
            raise PlaygroundError(f"thread_ts: no message {thread_ts} in {channel}")
        if not isinstance(text, str) or not text.strip():
            raise PlaygroundError("text: type a message or a /fal command")
        if len(text) > MAX_TEXT:
            raise PlaygroundError(f"text: Slack takes at most {MAX_TEXT:,} characters in a message")
        stripped = text.strip()
        if stripped == "/fal" or stripped.startswith("/fal "):
            answer = self._command(channel, user, stripped[len("/fal") :].strip())
            return {"ok": True, "ts": None, **answer}
        mention = f"<@{BOT_USER_ID}>"
        # "@fal-bot" typed in the page is Slack's mention token, as Slack's composer would make it.
        text = text.replace("@fal-bot", mention)
        ts = self.slack.add_message(channel, text, user=user, thread_ts=thread_ts)
        if CHANNELS[channel]["is_im"]:
            event = message_event(
                channel, user, text, ts, channel_type="im", team_id=TEAM_ID, thread_ts=thread_ts
            )
        elif mention in text:
            event = message_event(
                channel, user, text, ts, event_type="app_mention", team_id=TEAM_ID, thread_ts=thread_ts
            )
        else:
            # Plain channel chatter: the app does not subscribe to message.channels, so Slack sends nothing.
            return {"ok": True, "ts": ts, "answered": False}
        return {"ok": True, "ts": ts, **self._deliver(self._event(event), channel)}

    def _command(self, channel: str, user: str, text: str) -> dict[str, Any]:
        response_url = self.slack.new_response_url(channel=channel, user=user)
        request = slash_command(
            text,
            team_id=TEAM_ID,
            channel_id=channel,
            channel_name=CHANNELS[channel]["name"],
            user_id=user,
            user_name=USERS.get(user, user),
            response_url=response_url,
            api_app_id=APP_ID,
        )
        return self._deliver(request, channel, user=user)

    def click(
        self, channel: str, user: str, message_ts: str, action_id: str, value: str, block_id: str = ""
    ) -> dict[str, Any]:
        """A button pressed on a message: a signed block_actions payload with the button's own ids."""
        message, context = self._on_message(channel, user, message_ts)
        button = _find_button(message.get("blocks") or [], action_id, value)
        if button is None:
            raise PlaygroundError(f"action_id: the message has no button {action_id!r} with that value")
        block_id = block_id or str(button.get("_block_id") or "")
        request = block_actions(**context, message=message, button=button, block_id=block_id)
        return self._deliver(request, channel, user=user)

    def _on_message(self, channel: str, user: str, message_ts: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The message something is done to, and who does it where, as the request builders take it."""
        _check_channel(channel)
        _check_user(user)
        message = self.slack.find_message(channel, str(message_ts))
        if message is None:
            raise PlaygroundError(f"message_ts: no message {message_ts} in {channel}")
        context = {
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "user_id": user,
            "user_name": USERS.get(user, user),
            "channel_id": channel,
            "channel_name": CHANNELS[channel]["name"],
            "response_url": self.slack.new_response_url(channel=channel, user=user),
        }
        return message, context

    def shortcut(self, channel: str, user: str, message_ts: str) -> dict[str, Any]:
        """The message shortcut "Diagnose with fal-bot" used on a message (its real callback id)."""
        from bot.slack.shortcuts import DIAGNOSE_MESSAGE

        message, context = self._on_message(channel, user, message_ts)
        request = message_action(**context, message=message, callback_id=DIAGNOSE_MESSAGE)
        return self._deliver(request, channel, user=user)

    def open_home(self, user: str) -> dict[str, Any] | None:
        """App Home opened: the app_home_opened event, then the view the app published for `user`."""
        _check_user(user)
        self._deliver(self._event(app_home_opened(user, "D1")), "D1")
        return self.slack.home_view(user)

    def set_status(self, level: str, incident: str | None) -> dict[str, Any]:
        """Switch fal's simulated page; returns once the poller read it and its alerts were sent."""
        if level not in LEVELS:
            raise PlaygroundError(f"level: one of {', '.join(LEVELS)}")
        if incident is not None and (not isinstance(incident, str) or len(incident) > 200):
            raise PlaygroundError("incident: a name of at most 200 characters, or null")
        incident = incident.strip() or None if incident else None
        changed_at = time.time()
        self.page.simulate(level, incident)
        self.simulated = {"level": level, "incident": incident, "since": changed_at}
        seen = self._wait_for_poll_after(changed_at)
        self._wait_for_alerts()
        return {"ok": True, "level": level, "incident": incident, "poller_saw": seen}

    # -- what the page reads --------------------------------------------------------------------------
    def messages(self, channel: str, user: str | None = None) -> list[dict[str, Any]]:
        """The contract's flat list: top-level messages and replies in order, edits applied."""
        _check_channel(channel)
        shown = []
        for message in self.slack.timeline(channel):
            owner = message.get("ephemeral_for")
            if user is not None and owner is not None and owner != user:
                continue
            thread_ts = message.get("thread_ts")
            shown.append(
                {
                    "ts": message["ts"],
                    "thread_ts": thread_ts if thread_ts and thread_ts != message["ts"] else None,
                    "user": message.get("user"),
                    "bot": bool(message.get("bot_id")),
                    "text": message.get("text") or "",
                    "blocks": message.get("blocks") or [],
                    "ephemeral": owner is not None,
                }
            )
        return shown

    def edited(self, channel: str) -> list[str]:
        """The ts of every message in `channel` that was edited (the page marks them)."""
        return [m["ts"] for m in self.slack.timeline(channel) if m.get("edited")]

    def poller(self) -> dict[str, Any]:
        with self._polled:
            polls = [poll.to_json() for poll in reversed(self.polls)]
        return {
            "simulated": self.simulated,
            "poll_seconds": POLL_SECONDS,
            "polls": polls,
            "page_url": self.page.url,
        }

    def workspace(self) -> dict[str, Any]:
        return {
            "team": {"id": TEAM_ID, "name": "fal-bot playground"},
            "bot": {"id": BOT_USER_ID, "name": "fal-bot"},
            "users": [{"id": user_id, "name": name} for user_id, name in USERS.items()],
            "channels": [
                {"id": cid, "name": info["name"], "is_im": info["is_im"]} for cid, info in CHANNELS.items()
            ],
            "levels": list(LEVELS),
            "components": list(COMPONENTS),
        }

    # -- plumbing -------------------------------------------------------------------------------------
    def _event(self, event: dict[str, Any]) -> Signed:
        self._events += 1
        body = event_envelope(event, team_id=TEAM_ID, api_app_id=APP_ID, bot_user_id=BOT_USER_ID)
        body["event_id"] = f"Ev{int(time.time())}{self._events:06d}"
        return Signed(json.dumps(body).encode(), "application/json")

    def _deliver(self, request: Signed, channel: str, user: str | None = None) -> dict[str, Any]:
        """POST the signed request to the app, show an ack that carries a message (as Slack shows it),
        and wait until the work it started (a diagnosis on the pool, a post) is done."""
        assert self.runtime is not None
        before = self.slack.call_count()
        response = self._http.post(
            self.events_url, content=request.body, headers=request.headers(self.signing_secret)
        )
        if response.status_code >= 400:
            raise PlaygroundError(
                f"the app answered HTTP {response.status_code}: {response.text.strip()[:200]}"
            )
        ack = _json_or_none(response)
        if ack and user is not None and (ack.get("text") or ack.get("blocks")):
            self.slack.show_response(channel, user, ack)
        idle = self.runtime.services.wait_idle(REPLY_DEADLINE_SECONDS)
        return {"answered": bool(ack) or self.slack.call_count() > before, "idle": idle}

    def _saw(self, snapshot: Any) -> None:
        poll = Poll(
            at=time.time(),
            level=str(snapshot.level),
            incidents=[incident.name for incident in snapshot.open_incidents]
            + [f"{m.name} (maintenance)" for m in snapshot.maintenances if m.status == "in_progress"],
            error=snapshot.error,
        )
        with self._polled:
            self.last_poll_at = poll.at
            if self.polls and self.polls[-1].same_reading(poll):
                self.polls[-1].polls += 1
                self.polls[-1].last_at = poll.at
            else:
                self.polls.append(poll)
            self._polled.notify_all()

    def _wait_for_poll_after(self, moment: float) -> dict[str, Any] | None:
        # A poll that started before the switch may end after it: wait for one that ended a poll
        # interval plus its deadline later, which surely read the new page.
        deadline = time.monotonic() + POLL_SECONDS + 2 * STATUS_DEADLINE_SECONDS + 2
        settled = moment + POLL_SECONDS + 0.05
        with self._polled:
            while self.last_poll_at <= settled:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._polled.wait(remaining)
            return self.polls[-1].to_json()

    def _wait_for_alerts(self) -> None:
        from bot.alerts.outbox import Outbox

        assert self.runtime is not None
        outbox = Outbox(self.runtime.store)
        deadline = time.monotonic() + ALERT_DEADLINE_SECONDS
        while outbox.heads() and time.monotonic() < deadline:
            time.sleep(0.05)


def _check_channel(channel: object) -> None:
    if channel not in CHANNELS:
        raise PlaygroundError(f"channel: one of {', '.join(CHANNELS)}")


def _check_user(user: object) -> None:
    """U1 and U2 are the page's people; a script may speak as any other user id (U + letters/digits)."""
    if user in USERS:
        return
    if not (isinstance(user, str) and 2 <= len(user) <= 21 and user[0] == "U" and user[1:].isalnum()):
        raise PlaygroundError("user: a Slack user id such as U1")
    if not (user.isascii() and user[1:].upper() == user[1:]) or user == BOT_USER_ID:
        raise PlaygroundError("user: a Slack user id such as U1 (capital letters and digits)")


def _json_or_none(response: httpx.Response) -> dict[str, Any] | None:
    if "json" not in response.headers.get("content-type", "") or not response.content:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _find_button(blocks: list[Any], action_id: str, value: str) -> dict[str, Any] | None:
    """The button in these blocks with this action id and value (where Slack would take it from)."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if (
                isinstance(element, dict)
                and element.get("type") == "button"
                and element.get("action_id") == action_id
                and str(element.get("value") or "") == str(value or "")
            ):
                return {**element, "_block_id": block.get("block_id") or ""}
    return None


def database_from_settings(settings: Settings) -> Path | str | None:
    """FAL_BOT_DB when it was set (the playground then keeps its data there), else None: a
    temporary file, so trying the playground never touches ./fal-bot.db."""
    return settings.fal_bot_db if "fal_bot_db" in settings.model_fields_set else None


__all__ = ["LEVELS", "Playground", "PlaygroundError", "database_from_settings"]
