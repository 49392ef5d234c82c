"""A loopback stand-in for Slack's Web API and `response_url`: what tests run the real Bolt app
against, and the workspace `fal-bot playground` shows in its page.

Point `SLACK_API_URL` (or `WebClient(base_url=...)`) at `fake.api_url`. Every call is recorded
(method, merged query/form/JSON params, headers) and answered the way Slack answers: ok payloads
with increasing `ts`, Slack's error codes for channels the bot cannot post to, and Slack's own
limits (50 blocks, 3,000 characters per section text, 150 per header, 40,000 per message text).
Failures are scriptable per method and channel: an `{"ok": false, "error": ...}` answer, or HTTP 429
with `Retry-After`, for the next N calls. `apps.connections.open` (Socket Mode) takes only an
app-level token (xapp-) and answers with `ws_url`, a WebSocket server the test runs.

    fake = SlackStandIn().start()
    fake.fail("chat.postMessage", "not_in_channel", channel="C1")
    fake.rate_limit("chat.postMessage", retry_after=1, times=1)
    fake.set_channel("G1", is_private=True, is_member=False)   # posting answers channel_not_found
    url = fake.new_response_url()                               # for slash commands and shortcuts
    fake.calls("chat.postMessage"); fake.responses()
    fake.scopes = ["chat:write"]                                # X-OAuth-Scopes (default: the manifest's)
    fake.revoke(BOT_TOKEN)                                      # that token now gets token_revoked
    code = fake.authorization_code("T222", "Other Workspace")   # OAuth: oauth.v2.access issues a
                                                                # new xoxb- token for T222; auth.test
                                                                # with it answers T222

For the playground it also keeps what a person would see: ephemeral messages (chat.postEphemeral,
and response_url answers bound to a channel with `new_response_url(channel=..., user=...)`) beside
the channel's messages, merged in order by `timeline(channel)`.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.playground.loopback import LoopbackServer, Request, Response
from bot.runtime.doctor import manifest_bot_scopes, manifest_path

# Slack's documented limits; a post over them is refused as Slack refuses it.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_MESSAGE_TEXT = 40000

# Methods Slack accepts only with an app-level token, not the bot token.
APP_TOKEN_PREFIX = "xapp-"
_APP_LEVEL_METHODS = frozenset({"apps.connections.open"})

_JSON_FIELDS = ("blocks", "attachments", "metadata", "view", "replace_original", "delete_original")


@dataclass
class Call:
    """One request the fake received."""

    method: str  # Web API method ("chat.postMessage") or "respond" for response_url posts
    params: dict[str, Any]
    headers: dict[str, str]
    path: str
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def channel(self) -> str | None:
        value = self.params.get("channel") or self.params.get("channel_id")
        return str(value) if value is not None else None

    def text_and_blocks(self) -> str:
        """Everything user-visible in this call, as one string (text, blocks, view), for assertions."""
        parts = [str(self.params.get("text") or "")]
        for name in ("blocks", "attachments", "view"):
            if self.params.get(name) is not None:
                parts.append(json.dumps(self.params[name], ensure_ascii=False))
        return "\n".join(parts)


@dataclass
class _Failure:
    method: str
    channel: str | None
    remaining: int | None  # None: forever
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class _Channel:
    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    is_im: bool = False
    exists: bool = True

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_im,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private,
            "is_member": self.is_member,
            "is_archived": self.is_archived,
        }


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for name in _JSON_FIELDS:
        value = params.get(name)
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params


def parse_params(request: Request) -> dict[str, Any]:
    """Query string, form body and JSON body merged, the way Slack reads arguments."""
    query = urlsplit(request.path).query
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "")
    if request.body:
        if "json" in content_type:
            body = json.loads(request.body.decode("utf-8"))
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    return _decode_json_fields(params)


def _block_problem(blocks: Any) -> str | None:
    """What Slack would refuse in these blocks (invalid_blocks), or None."""
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > MAX_BLOCKS:
        return f"more than {MAX_BLOCKS} blocks"
    for block in blocks:
        if not isinstance(block, dict) or "type" not in block:
            return "a block without type"
        text = block.get("text")
        if block["type"] == "header":
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                return "header needs plain_text"
            if len(text.get("text", "")) > MAX_HEADER_TEXT:
                return "header text too long"
        if block["type"] == "section":
            if isinstance(text, dict) and len(text.get("text", "")) > MAX_SECTION_TEXT:
                return "section text too long"
            for item in block.get("fields") or []:
                if len(item.get("text", "")) > 2000:
                    return "section field too long"
        if block["type"] == "context" and len(block.get("elements") or []) > 10:
            return "more than 10 context elements"
        if block["type"] == "actions" and len(block.get("elements") or []) > 25:
            return "more than 25 actions"
    return None


class SlackStandIn:
    """Slack's Web API and response_url endpoints on 127.0.0.1, recording every call."""

    def __init__(
        self,
        *,
        team_id: str = "T111",
        team_name: str = "Fake Workspace",
        bot_user_id: str = "UBOT111",
        bot_id: str = "BBOT111",
        token_prefix: str = "xoxb-",
        ws_url: str = "",
    ):
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.token_prefix = token_prefix
        self.ws_url = ws_url  # what apps.connections.open answers (a Socket Mode server)
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._failures: list[_Failure] = []
        self._channels: dict[str, _Channel] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self._views: dict[str, dict[str, Any]] = {}  # user -> published home view
        # Messages only one person sees (never in conversations.history), channel -> oldest first.
        self._ephemeral: dict[str, list[dict[str, Any]]] = {}
        self._response_targets: dict[str, tuple[str, str]] = {}  # response_url path -> (channel, user)
        # Message ts are clock times, as Slack's are (the crash-window check asks for a time window).
        self._last_ts = 0.0
        self._ts = itertools.count(1)
        self._response_ids = itertools.count(1)
        self._changed = threading.Condition(self._lock)
        # What a token of the installed app may do: Slack names it in X-OAuth-Scopes on every answer.
        manifest = manifest_path()
        self.scopes: list[str] = sorted(manifest_bot_scopes(manifest)) if manifest else []
        self._revoked: set[str] = set()
        # OAuth installs: codes not yet exchanged (code -> team) and the tokens issued (token -> team).
        self.client_id = "1111.2222"
        self.client_secret = "fake-client-secret"
        self._codes: dict[str, dict[str, str]] = {}
        self._installed: dict[str, dict[str, str]] = {}
        self._issued = itertools.count(1)
        # Token rotation on: tokens expire in `token_seconds` and come with a refresh token, good once.
        self.token_rotation = False
        self.token_seconds = 43200
        self._refresh_tokens: dict[str, dict[str, str]] = {}
        self.server = LoopbackServer(self._handle)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        """The value for SLACK_API_URL (ends with "/", as slack_sdk's urljoin needs)."""
        return f"{self.server.url}/api/"

    def new_response_url(self, *, channel: str | None = None, user: str | None = None) -> str:
        """A fresh response_url on this fake; what is POSTed there is recorded as method "respond".

        With `channel` and `user` the answers also show in `timeline(channel)`: ephemeral to `user`,
        or as the bot's message with `response_type: in_channel`."""
        path = f"/respond/{next(self._response_ids)}"
        if channel is not None and user is not None:
            with self._lock:
                self._response_targets[path] = (channel, user)
        return f"{self.server.url}{path}"

    # -- scripting ------------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        error: str,
        *,
        channel: str | None = None,
        times: int | None = 1,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (in `channel`, if given) with ok=false `error`."""
        with self._lock:
            self._failures.append(
                _Failure(method, channel, times, status, {"ok": False, "error": error}, headers or {})
            )

    def rate_limit(
        self, method: str, *, retry_after: int = 1, channel: str | None = None, times: int | None = 1
    ) -> None:
        """Answer HTTP 429 with `Retry-After` to the next `times` calls of `method`."""
        self.fail(
            method,
            "ratelimited",
            channel=channel,
            times=times,
            status=429,
            headers={"Retry-After": str(retry_after)},
        )

    def revoke(self, token: str) -> None:
        """From now on every call with `token` is answered `token_revoked`, as after an uninstall."""
        with self._lock:
            self._revoked.add(token)

    def authorization_code(self, team_id: str, team_name: str | None = None) -> str:
        """A code Slack would put in the redirect after someone approved the install in `team_id`;
        oauth.v2.access exchanges it (once) for a new bot token of that workspace."""
        with self._lock:
            code = f"code-{team_id}-{next(self._issued)}"
            self._codes[code] = {
                "team_id": team_id,
                "team": team_name or f"Workspace {team_id}",
                "user_id": f"U{team_id}BOT",
                "bot_id": f"B{team_id}BOT",
            }
            return code

    def org_authorization_code(self, enterprise_id: str, enterprise_name: str | None = None) -> str:
        """A code for an Enterprise Grid org-wide install (an org admin approved it for the whole
        org `enterprise_id`): oauth.v2.access answers it as Slack does, `is_enterprise_install`
        true, `enterprise` {id, name} and `team` null; the token it issues serves every workspace
        of the org."""
        with self._lock:
            code = f"code-{enterprise_id}-{next(self._issued)}"
            self._codes[code] = {
                "team_id": "",
                "team": "",
                "enterprise_id": enterprise_id,
                "enterprise_name": enterprise_name or f"Org {enterprise_id}",
                "user_id": f"U{enterprise_id}BOT",
                "bot_id": f"B{enterprise_id}BOT",
            }
            return code

    def refresh_token(self, team_id: str) -> str:
        """A refresh token for `team_id` that oauth.v2.access (grant_type=refresh_token) takes once."""
        with self._lock:
            refresh = f"xoxe-1-{team_id}-{next(self._issued)}-fake"
            self._refresh_tokens[refresh] = {
                "team_id": team_id,
                "team": f"Workspace {team_id}",
                "user_id": f"U{team_id}BOT",
                "bot_id": f"B{team_id}BOT",
            }
            return refresh

    def issued_tokens(self, team_id: str) -> list[str]:
        """The bot tokens oauth.v2.access issued for `team_id` (or org-wide for the org of that
        enterprise id), oldest first."""
        with self._lock:
            return [
                token
                for token, team in self._installed.items()
                if team_id in (team["team_id"], team.get("enterprise_id"))
            ]

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def set_channel(self, channel_id: str, **fields: Any) -> None:
        """Describe a channel: is_private, is_member, is_archived, is_im, exists, name."""
        with self._lock:
            current = self._channel(channel_id)
            for name, value in fields.items():
                setattr(current, name, value)

    def add_message(
        self,
        channel_id: str,
        text: str,
        *,
        ts: str | None = None,
        user: str = "U999",
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Seed a message (for conversations.history / replies), at `ts` or now; returns its ts."""
        with self._lock:
            ts = ts or self._next_ts()
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        if metadata:
            message["metadata"] = metadata
        with self._lock:
            self._messages.setdefault(channel_id, []).append(message)
            self._messages[channel_id].sort(key=lambda m: float(m["ts"]))
        return ts

    # -- inspection -----------------------------------------------------------------------------
    def calls(self, method: str | None = None, **params: Any) -> list[Call]:
        """Recorded calls, oldest first; filter by method and by exact param values."""
        with self._lock:
            return [
                call
                for call in self._calls
                if (method is None or call.method == method)
                and all(call.params.get(name) == value for name, value in params.items())
            ]

    def ok_calls(self, method: str, **params: Any) -> list[Call]:
        """Calls of `method` that Slack accepted (answered ok)."""
        return [call for call in self.calls(method, **params) if call.answer.get("ok")]

    def responses(self, response_url: str | None = None) -> list[Call]:
        """Bodies POSTed to response_url(s), oldest first."""
        path = urlsplit(response_url).path if response_url else None
        return [call for call in self.calls("respond") if path is None or call.path == path]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages in `channel` (the bot's posts and seeded ones; top level and replies), oldest first."""
        with self._lock:
            return [dict(message) for message in self._messages.get(channel, [])]

    def timeline(self, channel: str) -> list[dict[str, Any]]:
        """What people see in `channel`: its messages and every ephemeral one, in order of ts."""
        with self._lock:
            shown = [dict(m) for m in self._messages.get(channel, [])]
            shown += [dict(m) for m in self._ephemeral.get(channel, [])]
        return sorted(shown, key=lambda m: float(m["ts"]))

    def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message (ephemeral ones included) with this ts in `channel`."""
        return next((m for m in self.timeline(channel) if m["ts"] == ts), None)

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block until more than `since` calls were recorded or `timeout` passed; the count now."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._calls) <= since:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return len(self._calls)

    def call_count(self) -> int:
        with self._lock:
            return len(self._calls)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._views.get(user_id)

    def everything_sent(self) -> str:
        """All user-visible content the bot sent anywhere, for "never appears" assertions."""
        with self._lock:
            return "\n".join(call.text_and_blocks() for call in self._calls if call.method != "auth.test")

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `count` calls of `method` were recorded (or raise AssertionError)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.calls(method)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} {method} call(s), got {len(found)}")
                self._changed.wait(remaining)
            return found

    # -- the server -----------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        path = urlsplit(request.path).path
        try:
            params = parse_params(request)
        except ValueError:
            params = {"_unparsed": request.body.decode("utf-8", "replace")}
        if path.startswith("/respond/"):
            return self._record(Call("respond", params, request.headers, path), self._respond(path, params))
        if not path.startswith("/api/"):
            return Response(404, "not found", {"Content-Type": "text/plain"})
        method = path[len("/api/") :]
        call = Call(method, params, request.headers, path)
        failure = self._take_failure(method, call.channel)
        if failure is not None:
            return self._record(
                call, Response(failure.status, json.dumps(failure.body), failure.headers), failure.body
            )
        if method == "oauth.v2.access":  # client credentials, not a token
            exchanged = self._api_oauth_v2_access(params, request.headers.get("authorization") or "")
            return self._record(call, Response(200, json.dumps(exchanged)), exchanged)
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        token = token or str(params.get("token") or "")
        headers: dict[str, str] = {}
        if not token:
            answer: dict[str, Any] = {"ok": False, "error": "not_authed"}
        elif token in self._revoked:
            answer = {"ok": False, "error": "token_revoked"}
        elif not token.startswith(APP_TOKEN_PREFIX if method in _APP_LEVEL_METHODS else self.token_prefix):
            answer = {"ok": False, "error": "invalid_auth"}
        else:
            handler: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(
                self, "_api_" + method.replace(".", "_"), None
            )
            if method == "auth.test":
                answer = self._api_auth_test(params, token)
            else:
                answer = handler(params) if handler else {"ok": False, "error": "unknown_method"}
            if not token.startswith(APP_TOKEN_PREFIX):
                headers["X-OAuth-Scopes"] = ",".join(self.scopes)
        return self._record(call, Response(200, json.dumps(answer), headers), answer)

    def _record(self, call: Call, response: Response, answer: dict[str, Any] | None = None) -> Response:
        call.status = response.status
        call.answer = answer if answer is not None else {"ok": response.status == 200}
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        return response

    def _take_failure(self, method: str, channel: str | None) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.method != method or (failure.channel is not None and failure.channel != channel):
                    continue
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                return failure
        return None

    def _respond(self, path: str, params: dict[str, Any]) -> Response:
        failure = self._take_failure("respond", None)
        if failure is not None:
            return Response(
                failure.status, failure.body.get("error", "failed"), {"Content-Type": "text/plain"}
            )
        with self._lock:
            target = self._response_targets.get(path)
            if target is not None and not self._content_error(params):
                self._show_response(*target, params)
        return Response(200, "ok", {"Content-Type": "text/plain"})

    def show_response(self, channel_id: str, user_id: str, params: dict[str, Any]) -> None:
        """An answer Slack shows for a request (an ack body carrying a message, or a response_url
        post) as the person sees it: in the channel with `response_type: in_channel`, else only to them."""
        with self._lock:
            self._show_response(channel_id, user_id, params)
            self._changed.notify_all()

    def _show_response(self, channel_id: str, user_id: str, params: dict[str, Any]) -> None:
        in_channel = params.get("response_type") == "in_channel"
        message = self._bot_message(params)
        if in_channel:
            self._messages.setdefault(channel_id, []).append(message)
        else:
            message["ephemeral_for"] = user_id
            self._ephemeral.setdefault(channel_id, []).append(message)

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": params.get("text") or "",
            "ts": self._next_ts(),
        }
        for name in ("blocks", "thread_ts", "metadata"):
            if params.get(name) is not None:
                message[name] = params[name]
        return message

    # -- state helpers --------------------------------------------------------------------------
    def _channel(self, channel_id: str) -> _Channel:
        if channel_id not in self._channels:
            self._channels[channel_id] = _Channel(
                id=channel_id,
                name=channel_id.lower(),
                is_private=channel_id.startswith("G"),
                is_im=channel_id.startswith("D"),
            )
        return self._channels[channel_id]

    def _next_ts(self) -> str:
        # Slack's ts: the time it took the message, seconds with 6 decimals, unique and increasing.
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _posting_error(self, channel_id: str) -> str | None:
        if not channel_id:
            return "channel_not_found"
        channel = self._channel(channel_id)
        if not channel.exists:
            return "channel_not_found"
        if channel.is_archived:
            return "is_archived"
        if channel.is_private and not channel.is_member:
            return "channel_not_found"  # Slack hides private channels the bot is not in
        return None

    def _content_error(self, params: dict[str, Any]) -> str | None:
        text = params.get("text")
        blocks = params.get("blocks")
        if text is not None and len(str(text)) > MAX_MESSAGE_TEXT:
            return "msg_too_long"
        if blocks is not None and _block_problem(blocks):
            return "invalid_blocks"
        if not text and not blocks and not params.get("attachments"):
            return "no_text"
        return None

    # -- Web API methods ------------------------------------------------------------------------
    def _api_auth_test(self, params: dict[str, Any], token: str = "") -> dict[str, Any]:
        with self._lock:
            installed = self._installed.get(token)
        if installed is not None and installed.get("enterprise_id"):  # an org-wide install's token
            org = installed["enterprise_id"]
            return {
                "ok": True,
                "url": f"https://{org.lower()}.enterprise.slack.com/",
                "team": installed["enterprise_name"],
                "user": "fal-bot",
                "team_id": org,  # Slack names the org here for an org-level token
                "user_id": installed["user_id"],
                "bot_id": installed["bot_id"],
                "enterprise_id": org,
                "is_enterprise_install": True,
            }
        if installed is not None:  # a token oauth.v2.access issued: its own workspace
            return {
                "ok": True,
                "url": f"https://{installed['team_id'].lower()}.slack.com/",
                "team": installed["team"],
                "user": "fal-bot",
                "team_id": installed["team_id"],
                "user_id": installed["user_id"],
                "bot_id": installed["bot_id"],
                "is_enterprise_install": False,
            }
        return {
            "ok": True,
            "url": "https://fake-workspace.slack.com/",
            "team": self.team_name,
            "user": "fal-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_oauth_v2_access(self, params: dict[str, Any], authorization: str) -> dict[str, Any]:
        """Exchange a code from authorization_code() for a new bot token, as Slack does: the app's
        client id and secret as HTTP Basic auth (or as params), the code good once."""
        client_id, client_secret = str(params.get("client_id") or ""), str(params.get("client_secret") or "")
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[len("Basic ") :]).decode()
            except ValueError:
                decoded = ""
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            return {
                "ok": False,
                "error": "invalid_client_id" if client_id != self.client_id else "bad_client_secret",
            }
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                team = self._refresh_tokens.pop(str(params.get("refresh_token") or ""), None)
                if team is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
            else:
                team = self._codes.pop(str(params.get("code") or ""), None)
                if team is None:
                    return {"ok": False, "error": "invalid_code"}
            owner = team.get("enterprise_id") or team["team_id"]
            token = f"{self.token_prefix}{owner}-{next(self._issued)}-fake"
            self._installed[token] = team
            rotation: dict[str, Any] = {}
            if self.token_rotation:
                refresh = f"xoxe-1-{owner}-{next(self._issued)}-fake"
                self._refresh_tokens[refresh] = team
                rotation = {"refresh_token": refresh, "expires_in": self.token_seconds}
        return {
            **rotation,
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(self.scopes),
            "bot_user_id": team["user_id"],
            "app_id": "AFAKEAPP",
            "authed_user": {"id": "UINSTALLER"},
            **self._install_owner(team),
        }

    @staticmethod
    def _install_owner(team: dict[str, str]) -> dict[str, Any]:
        """Who oauth.v2.access says the install is for: a workspace, or (org-wide) a Grid org."""
        if team.get("enterprise_id"):
            return {
                "team": None,
                "enterprise": {"id": team["enterprise_id"], "name": team["enterprise_name"]},
                "is_enterprise_install": True,
            }
        return {
            "team": {"id": team["team_id"], "name": team["team"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _api_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.ws_url}

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        with self._lock:
            error = self._posting_error(channel_id) or self._content_error(params)
            if error:
                return {"ok": False, "error": error}
            message = self._bot_message(params)
            ts = message["ts"]
            self._messages.setdefault(channel_id, []).append(message)
        return {"ok": True, "channel": channel_id, "ts": ts, "message": dict(message)}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        with self._lock:
            error = self._posting_error(channel_id) or self._content_error(params)
            if error:
                return {"ok": False, "error": error}
            if not params.get("user"):
                return {"ok": False, "error": "user_not_in_channel"}
            message = {**self._bot_message(params), "ephemeral_for": str(params["user"])}
            self._ephemeral.setdefault(channel_id, []).append(message)
            return {"ok": True, "message_ts": message["ts"]}

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        ts = str(params.get("ts") or "")
        with self._lock:
            error = self._posting_error(channel_id) or self._content_error(params)
            if error:
                return {"ok": False, "error": error}
            for message in self._messages.get(channel_id, []):
                if message["ts"] == ts:
                    for name in ("text", "blocks", "metadata"):
                        if params.get(name) is not None:
                            message[name] = params[name]
                    message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
                    return {
                        "ok": True,
                        "channel": channel_id,
                        "ts": ts,
                        "text": message["text"],
                        "message": dict(message),
                    }
        return {"ok": False, "error": "message_not_found"}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user_id") or "")
        view = params.get("view")
        if not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        if _block_problem(view.get("blocks") or []) or len(view.get("blocks") or []) > 100:
            return {"ok": False, "error": "invalid_blocks"}
        with self._lock:
            published = {**view, "id": f"V{next(self._ts)}", "team_id": self.team_id}
            self._views[user_id] = published
        return {"ok": True, "view": published}

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        with self._lock:
            channel = self._channel(channel_id)
            if not channel.exists or (channel.is_private and not channel.is_member):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": channel.info()}

    def _api_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        with self._lock:
            channel = self._channel(channel_id)
            if not channel.exists:
                return {"ok": False, "error": "channel_not_found"}
            if channel.is_archived:
                return {"ok": False, "error": "is_archived"}
            if channel.is_private or channel.is_im:
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            channel.is_member = True
            return {"ok": True, "channel": channel.info()}

    def _readable(self, channel_id: str) -> str | None:
        channel = self._channel(channel_id)
        if not channel.exists or (channel.is_private and not channel.is_member):
            return "channel_not_found"
        if not channel.is_member:
            return "not_in_channel"
        return None

    @staticmethod
    def _shown(message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
        shown = dict(message)
        if not with_metadata:
            shown.pop("metadata", None)
        return shown

    @staticmethod
    def _in_window(params: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
        """Slack's `oldest`/`latest` bounds (exclusive unless `inclusive`) as a test on a message."""
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or 9e12)
        inclusive = str(params.get("inclusive", "")).lower() in {"1", "true"}

        def within(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            return oldest <= ts <= latest if inclusive else oldest < ts < latest

        return within

    @staticmethod
    def _limit(params: dict[str, Any]) -> int:
        """Slack's `limit`: 100 when not given, at most 1,000 (apps outside the Marketplace get at
        most 15 from Slack; the stand-in serves what is asked, and tests check what was asked)."""
        return max(1, min(int(params.get("limit") or 100), 1000))

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages newest first, within `oldest`/`latest`, at most `limit`."""
        channel_id = str(params.get("channel") or "")
        with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        within, limit = self._in_window(params), self._limit(params)
        with self._lock:
            error = self._readable(channel_id)
            if error:
                return {"ok": False, "error": error}
            top = [
                self._shown(message, with_metadata)
                for message in reversed(self._messages.get(channel_id, []))
                if message.get("thread_ts") in (None, message["ts"]) and within(message)
            ]
        return {"ok": True, "messages": top[:limit], "has_more": len(top) > limit}

    def _api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        ts = str(params.get("ts") or "")
        with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        within, limit = self._in_window(params), self._limit(params)
        with self._lock:
            error = self._readable(channel_id)
            if error:
                return {"ok": False, "error": error}
            thread = [
                message
                for message in self._messages.get(channel_id, [])
                if message["ts"] == ts or message.get("thread_ts") == ts
            ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        # The parent and its replies oldest first, within `oldest`/`latest`, at most `limit`.
        shown = [self._shown(message, with_metadata) for message in thread if within(message)]
        return {"ok": True, "messages": shown[:limit], "has_more": len(shown) > limit}
