"""The playground's own HTTP server on 127.0.0.1: the page (static files shipped in the package, no
build step, nothing fetched from the network) and the JSON API that the page and scripts use.

    POST /api/say       {"channel": "D1"|"C1"|"C2", "user": "U1", "text": "…"[, "thread_ts": "…"]}
    POST /api/status    {"level": "…", "incident": "name" | null}
    GET  /api/messages?channel=…[&user=…]  -> {"messages": [{ts, thread_ts, user, bot, text, blocks,
                                               ephemeral}], "edited": [ts, …]}
    POST /api/action    {"channel", "user", "message_ts", "action_id", "value", "block_id"}  (a button)
    POST /api/shortcut  {"channel", "user", "message_ts"}  ("Diagnose with fal-bot" on that message)
    POST /api/home      {"user": "U1"}  -> {"view": the App Home view the app published}
    GET  /api/poller    what fal's simulated page shows and what the poller read, newest first
    GET  /api/workspace the channels, users and status levels the page offers
"""

from __future__ import annotations

import json
import logging
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.playground.loopback import LoopbackServer, Request, Response
from bot.playground.session import Playground, PlaygroundError

log = logging.getLogger(__name__)

STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
MAX_BODY = 200_000  # a 40,000-character message, JSON-escaped, with room to spare
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _json(status: int, payload: Any) -> Response:
    return Response(
        status, json.dumps(payload), {"Content-Type": "application/json", "Cache-Control": "no-store"}
    )


def _problem(status: int, error: str) -> Response:
    return _json(status, {"ok": False, "error": error})


def _static(name: str) -> Response:
    suffix = name[name.rfind(".") :] if "." in name else ""
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES:
        return _problem(404, "not found")
    resource = resources.files("bot.playground").joinpath("static", name)
    if not resource.is_file():
        return _problem(404, "not found")
    return Response(
        200, resource.read_bytes(), {"Content-Type": STATIC_TYPES[suffix], "Cache-Control": "no-cache"}
    )


class PlaygroundServer:
    """Serves `playground` on 127.0.0.1:`port` (0 picks a free one)."""

    def __init__(self, playground: Playground, port: int):
        self.playground = playground
        self.server = LoopbackServer(self.handle, port=port, max_body=MAX_BODY)

    @property
    def url(self) -> str:
        return self.server.url + "/"

    def start(self) -> PlaygroundServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def handle(self, request: Request) -> Response:
        parts = urlsplit(request.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            if request.method == "GET":
                return self._get(path, query)
            if request.method == "POST":
                # Only pages served from this machine's own address may act (no cross-site posts).
                host = request.headers.get("host", "").rsplit(":", 1)[0]
                if host not in LOCAL_HOSTS:
                    return _problem(403, "the playground answers only requests to 127.0.0.1 or localhost")
                return self._post(path, self._body(request))
            return _problem(405, "GET or POST only")
        except PlaygroundError as exc:
            return _problem(400, str(exc))
        except Exception:
            log.exception("playground: %s %s failed", request.method, path)
            return _problem(500, "the playground failed; see its log")

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if len(request.body) > MAX_BODY:
            raise PlaygroundError(f"the body is larger than {MAX_BODY:,} bytes")
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise PlaygroundError("the body must be a JSON object") from None
        if not isinstance(body, dict):
            raise PlaygroundError("the body must be a JSON object")
        return body

    def _get(self, path: str, query: dict[str, str]) -> Response:
        playground = self.playground
        if path in ("/", "/index.html"):
            return _static("index.html")
        if path.startswith("/static/"):
            return _static(path[len("/static/") :])
        if path == "/api/messages":
            channel = query.get("channel", "")
            messages = playground.messages(channel, query.get("user"))
            return _json(200, {"messages": messages, "edited": playground.edited(channel)})
        if path == "/api/poller":
            return _json(200, playground.poller())
        if path == "/api/workspace":
            return _json(200, playground.workspace())
        if path == "/api/home":
            return _json(200, {"view": playground.slack.home_view(query.get("user", "U1"))})
        return _problem(404, "not found")

    def _post(self, path: str, body: dict[str, Any]) -> Response:
        playground = self.playground
        if path == "/api/say":
            thread_ts = body.get("thread_ts")
            answer = playground.say(
                str(body.get("channel", "")),
                str(body.get("user", "U1")),
                body.get("text"),
                str(thread_ts) if thread_ts else None,
            )
            return _json(200, answer)
        if path == "/api/shortcut":
            answer = playground.shortcut(
                str(body.get("channel", "")), str(body.get("user", "U1")), str(body.get("message_ts", ""))
            )
            return _json(200, {"ok": True, **answer})
        if path == "/api/status":
            return _json(200, playground.set_status(str(body.get("level", "")), body.get("incident")))
        if path == "/api/action":
            result = playground.click(
                str(body.get("channel", "")),
                str(body.get("user", "U1")),
                str(body.get("message_ts", "")),
                str(body.get("action_id", "")),
                str(body.get("value") or ""),
                str(body.get("block_id") or ""),
            )
            return _json(200, {"ok": True, **result})
        if path == "/api/home":
            return _json(200, {"ok": True, "view": playground.open_home(str(body.get("user", "U1")))})
        return _problem(404, "not found")
