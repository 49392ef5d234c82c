"""What a signed request to /slack/events must look like before Bolt is given it.

Bolt parses the body with `slack_bolt.request.internals.parse_body` and then reads it as Slack shapes
it: `body.get(...)`, `body["event"].get("type")`, `body["actions"][0]["action_id"]`... A body that is
correctly signed but not shaped like anything Slack sends (a JSON list, `"event": null`, 100,000
nested `[`) made Bolt raise, and the request got HTTP 500 with a traceback. `problem()` parses the
body exactly as Bolt will and checks the shapes Bolt and our listeners rely on; the caller answers
400 with one log line when it returns a reason. It never quotes the body (pasted text may hold a key).
`SlackHandler` is Bolt's WSGI adapter with one misreading of form bodies corrected (`read_body`); it
reuses the body `usable_body` parsed (left in the WSGI environ under PARSED_BODY_KEY) rather than
parsing it again: parsing was a fifth of an ack's work, done four times.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import Ack
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context, parse_body
from slack_bolt.response import BoltResponse

from bot.metrics import Surface

# Where VerifiedSlackHandler leaves the body usable_body parsed, for SlackHandler to hand to Bolt.
PARSED_BODY_KEY = "fal_bot.parsed_body"

# Fields Slack sends as objects (or a bare id string, or null) whose type Bolt's extractors and
# matchers assume: a list or number there makes them raise.
_OBJECT_OR_ID = ("team", "user", "channel", "enterprise")
# Fields that are always objects when present.
_OBJECTS = ("event", "view", "container", "message", "state", "workflow_step", "function_data", "submission")
# Fields that are always strings when present (Bolt matches them with `==` and regular expressions).
_STRINGS = (
    "type",
    "command",
    "text",
    "callback_id",
    "trigger_id",
    "response_url",
    "event_id",
    "team_id",
    "api_app_id",
    "enterprise_id",
    "user_id",
    "channel_id",
    "token",
    "challenge",
)
# Types of Slack request that carry an `actions` list Bolt reads `[0]` of.
_ACTION_TYPES = ("block_actions", "interactive_message")


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _check_object(body: dict[str, Any]) -> str | None:
    for name in _STRINGS:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            return f"`{name}` is a {_kind(body[name])}"
    for name in _OBJECT_OR_ID:
        if body.get(name) is not None and not isinstance(body[name], dict | str):
            return f"`{name}` is a {_kind(body[name])}"
    for name in _OBJECTS:
        if name in body and not isinstance(body[name], dict):
            return f"`{name}` is a {_kind(body[name])}"
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "`authorizations` is not a list of objects"
    actions = body.get("actions")
    if actions is not None or body.get("type") in _ACTION_TYPES:
        if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
            return "`actions` is not a list of objects"
        for action in actions:
            for name in ("action_id", "block_id", "type"):
                if action.get(name) is not None and not isinstance(action[name], str):
                    return f"`actions[].{name}` is a {_kind(action[name])}"
    return None


def read_body(text: str, media_type: str | None) -> Any:
    """The body as Bolt should read it: its own parse_body, except for one misreading.

    parse_body takes any form body *containing* the word "payload" for interactivity and, finding no
    `payload` field, returns {}: `/fal diagnose 413 payload too large` then matched no listener and
    got 404. A form without a `payload` field is read as the fields it has.
    """
    parsed = parse_body(text, media_type)
    if parsed == {} and text and media_type != "application/json" and not text.startswith("{"):
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" not in fields:
            return fields
    return parsed


class SlackHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, reading the body with read_body (the raw body, which Bolt's own signature
    check uses, is untouched)."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        parsed = request.environ.get(PARSED_BODY_KEY)
        if parsed is None:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
            parsed = read_body(bolt_request.raw_body, bolt_request.content_type)
            if parsed == bolt_request.body:
                return self.app.dispatch(bolt_request)
        else:
            # Built empty, then given the raw body (Bolt's signature check reads it) and the body
            # already parsed, so nothing is parsed twice.
            bolt_request = BoltRequest(body="", query=request.query_string, headers=request.get_headers())
            bolt_request.raw_body = request.get_body()
        bolt_request.body = parsed
        bolt_request.context = build_context(BoltContext({}), parsed)
        return self.app.dispatch(bolt_request)


class Unusable(ValueError):
    """A signed body Bolt could not use; the message says why, never quoting the body."""


def usable_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The (already signature-checked) body parsed as Bolt will read it (read_body), when Bolt and
    our listeners can use it; Unusable(reason) when they cannot."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unusable("the body is not UTF-8") from None
    # Bolt passes the media type without parameters ("application/json; charset=utf-8" -> ...).
    media_type = content_type.split(";")[0] if content_type else None
    try:
        parsed = read_body(text, media_type)
    except RecursionError:
        raise Unusable("the JSON is nested too deeply") from None
    except ValueError:  # json.JSONDecodeError included
        raise Unusable("the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise Unusable(f"the body is a JSON {_kind(parsed)}, not an object")
    reason = _shape_problem(text, media_type, parsed)
    if reason is not None:
        raise Unusable(reason)
    return parsed


def _shape_problem(text: str, media_type: str | None, parsed: dict[str, Any]) -> str | None:
    is_form = media_type != "application/json" and not text.startswith("{")
    has_payload = (
        is_form
        and "payload" in text  # the word is absent from most bodies: no second parse for them
        and any(name == "payload" for name, _ in parse_qsl(text, keep_blank_values=True))
    )
    if is_form and not (has_payload or parsed.get("command") or parsed.get("ssl_check")):
        # A form body that is not interactivity (`payload=`) is a slash command, which names itself,
        # or the `ssl_check=1` Slack sends to a slash command's URL.
        return "a form body with neither `command` nor `payload`"
    reason = _check_object(parsed)
    if reason is not None:
        return reason
    event = parsed.get("event")
    if parsed.get("type") == "event_callback" and not isinstance(event, dict):
        return "an event_callback without an `event` object"
    if isinstance(event, dict):
        for name in ("type", "subtype", "text", "channel_type", "ts", "thread_ts", "bot_id"):
            if event.get(name) is not None and not isinstance(event[name], str):
                return f"`event.{name}` is a {_kind(event[name])}"
        if event.get("channel") is not None and not isinstance(event["channel"], dict | str):
            return f"`event.channel` is a {_kind(event['channel'])}"
    return None


def surface(body: bytes, content_type: str | None) -> Surface:
    """Which kind of Slack request a usable body is: events (and url_verification) come as JSON,
    interactivity as a form with `payload`, slash commands as any other form. Cheap: no parsing."""
    if (content_type or "").startswith("application/json") or body.startswith(b"{"):
        return "event"
    if body.startswith(b"payload=") or b"&payload=" in body:
        return "interactive"
    return "command"


def ack_body(answer: dict[str, Any]) -> tuple[bytes, str]:
    """The HTTP body and content type Bolt sends for `ack(**answer)`, built by Bolt's own Ack, so a
    command answered before Bolt (VerifiedSlackHandler's `answer_at_once`) reads exactly the same."""
    response = Ack()(**answer)
    return response.body.encode(), response.headers["content-type"][0]
