"""Build correctly signed Slack requests from the real payloads in tests/fixtures/slack/.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 and the app's signing secret. These
helpers take a fixture, override the fields a test cares about, and return the exact body bytes
plus headers Slack would send (form for slash commands and interactivity, JSON for events).
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from bot.playground.slack_requests import signature

SLACK_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-2222-fakebottoken"


def signed_headers(
    body: bytes, content_type: str, *, secret: str = SIGNING_SECRET, timestamp: float | None = None
) -> dict[str, str]:
    stamp = str(int(time.time() if timestamp is None else timestamp))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body),
    }


def fixture_json(name: str) -> dict[str, Any]:
    data = json.loads((SLACK_FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@dataclass
class SlackRequest:
    """A body as Slack would send it, before signing."""

    body: bytes
    content_type: str
    extra_headers: dict[str, str] = field(default_factory=dict)

    def headers(self, *, secret: str = SIGNING_SECRET, timestamp: float | None = None) -> dict[str, str]:
        return {
            **signed_headers(self.body, self.content_type, secret=secret, timestamp=timestamp),
            **self.extra_headers,
        }


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def slash_command(
    text: str,
    *,
    response_url: str,
    command: str = "/fal",
    team_id: str = "T111",
    channel_id: str = "C111",
    user_id: str = "W111",
    fixture: str = "slash_command.bolt_tests.form.txt",
    **fields_: str,
) -> SlackRequest:
    """The fixture's slash command form with our command, text and response_url (and `fields_`,
    e.g. enterprise_id / is_enterprise_install for an Enterprise Grid org-wide install)."""
    fields = dict(
        parse_qsl((SLACK_FIXTURES / fixture).read_text(encoding="utf-8").strip(), keep_blank_values=True)
    )
    fields.update(
        command=command,
        text=text,
        response_url=response_url,
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        **fields_,
    )
    return SlackRequest(urlencode(fields).encode(), FORM)


def event(
    fixture: str,
    *,
    event: dict[str, Any] | None = None,
    event_id: str | None = None,
    team_id: str | None = None,
    retry_num: int | None = None,
    drop: tuple[str, ...] = (),
) -> SlackRequest:
    """An Events API body from `fixture` with fields of its `event` replaced or added.

    `drop` removes event fields (e.g. "thread_ts"); `retry_num` adds Slack's retry headers.
    """
    body = copy.deepcopy(fixture_json(fixture))
    body["event"].update(event or {})
    for name in drop:
        body["event"].pop(name, None)
    if event_id is not None:
        body["event_id"] = event_id
    if team_id is not None:
        body["team_id"] = team_id
    headers = {}
    if retry_num is not None:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    return SlackRequest(json.dumps(body).encode(), JSON, headers)


def wrap_event(
    inner_fixture: str, *, envelope_fixture: str = "message_im.slack_docs.json", **kw: Any
) -> SlackRequest:
    """An event-only fixture (e.g. app_home_opened.slack_docs_event_only.json) inside a real envelope."""
    inner = fixture_json(inner_fixture)
    overrides = {**inner, **kw.pop("event", {})}
    request = event(envelope_fixture, event=overrides, **kw)
    body = json.loads(request.body)
    # The envelope's own message fields must not leak into a non-message event.
    body["event"] = {key: value for key, value in body["event"].items() if key in overrides}
    return SlackRequest(json.dumps(body).encode(), JSON, request.extra_headers)


def interactive(fixture: str, **overrides: Any) -> SlackRequest:
    """An interactivity payload (shortcut, block action) as `payload=<JSON>`, top-level fields overridden."""
    payload = copy.deepcopy(fixture_json(fixture))
    for name, value in overrides.items():
        if isinstance(value, dict) and isinstance(payload.get(name), dict):
            payload[name].update(value)
        else:
            payload[name] = value
    return SlackRequest(urlencode({"payload": json.dumps(payload)}).encode(), FORM)


def url_verification() -> SlackRequest:
    return SlackRequest((SLACK_FIXTURES / "url_verification.slack_docs.json").read_bytes(), JSON)


class SlackSender:
    """POSTs signed requests to a running app at `url` (e.g. http://127.0.0.1:PORT/slack/events)."""

    def __init__(self, url: str, *, secret: str = SIGNING_SECRET, timeout: float = 10.0):
        self.url = url
        self.secret = secret
        self._http = httpx.Client(timeout=timeout)

    def send(
        self,
        request: SlackRequest,
        *,
        secret: str | None = None,
        timestamp: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = request.headers(secret=secret or self.secret, timestamp=timestamp)
        all_headers.update(headers or {})
        return self._http.post(self.url, content=request.body, headers=all_headers)

    def close(self) -> None:
        self._http.close()
