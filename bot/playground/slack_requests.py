"""The requests Slack sends an app, built the way Slack builds them and signed with its scheme.

Shapes follow Slack's documentation and the real payloads in tests/fixtures/slack/: slash commands
and interactivity as `application/x-www-form-urlencoded` (interactivity as `payload=<JSON>`), events
as a JSON `event_callback` envelope. The signature is HMAC-SHA256 of `v0:{timestamp}:{body}` with
the signing secret, in `X-Slack-Signature`, with the timestamp in `X-Slack-Request-Timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Signed:
    """A body as Slack would send it; `headers()` signs it."""

    body: bytes
    content_type: str

    def headers(self, secret: str, timestamp: float | None = None) -> dict[str, str]:
        stamp = str(int(time.time() if timestamp is None else timestamp))
        return {
            "Content-Type": self.content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret, stamp, self.body),
        }


def _trigger_id() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def slash_command(
    text: str,
    *,
    team_id: str,
    channel_id: str,
    channel_name: str,
    user_id: str,
    user_name: str,
    response_url: str,
    api_app_id: str,
    command: str = "/fal",
) -> Signed:
    fields = {
        "token": "playground-verification-token",  # deprecated by Slack; Bolt ignores it
        "team_id": team_id,
        "team_domain": "playground",
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": _trigger_id(),
    }
    return Signed(urlencode(fields).encode(), FORM)


def message_event(
    channel: str,
    user: str,
    text: str,
    ts: str,
    *,
    team_id: str,
    event_type: str = "message",
    channel_type: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A `message` (with its channel_type) or `app_mention` event for a message a person wrote."""
    event: dict[str, Any] = {
        "type": event_type,
        "client_msg_id": secrets.token_hex(16),
        "user": user,
        "text": text,
        "ts": ts,
        "team": team_id,
        "channel": channel,
        "event_ts": ts,
    }
    if channel_type is not None:
        event["channel_type"] = channel_type
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened(user: str, channel: str) -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }


def event_envelope(
    event: dict[str, Any], *, team_id: str, api_app_id: str, bot_user_id: str
) -> dict[str, Any]:
    return {
        "token": "playground-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(12),
    }


def block_actions(
    *,
    team_id: str,
    api_app_id: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    message: dict[str, Any],
    button: dict[str, Any],
    block_id: str,
    response_url: str,
) -> Signed:
    """A button press; Slack leaves `message` out when the message was ephemeral."""
    ephemeral = bool(message.get("ephemeral_for"))
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "playground-verification-token",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": _trigger_id(),
        "team": {"id": team_id, "domain": "playground"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": button.get("action_id"),
                "block_id": block_id,
                "text": button.get("text"),
                "value": button.get("value"),
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {k: v for k, v in message.items() if k != "ephemeral_for"}
    return Signed(urlencode({"payload": json.dumps(payload)}).encode(), FORM)


def message_action(
    *,
    team_id: str,
    api_app_id: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    message: dict[str, Any],
    callback_id: str,
    response_url: str,
) -> Signed:
    """A message shortcut used on `message` (Slack sends the whole message)."""
    payload = {
        "type": "message_action",
        "token": "playground-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": "playground"},
        "user": {"id": user_id, "name": user_name, "username": user_name, "team_id": team_id},
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": _trigger_id(),
        "message_ts": message["ts"],
        "message": {k: v for k, v in message.items() if k != "ephemeral_for"},
        "response_url": response_url,
        "api_app_id": api_app_id,
    }
    return Signed(urlencode({"payload": json.dumps(payload)}).encode(), FORM)
