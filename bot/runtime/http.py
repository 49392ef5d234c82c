"""HTTP serving for `fal-bot run`: a tiny WSGI router under waitress, /healthz, graceful shutdown.

Why waitress and not Bolt's `app.start()`: the development server is single-threaded with a listen
queue of 5 and refuses most of 50 concurrent requests. waitress is a production WSGI server with a
worker pool and TCP_NODELAY on accepted sockets (its default `socket_options`), so keep-alive does
not stall on Nagle / delayed ACK.

Routes: `POST /slack/events` (commands, events, interactivity; Bolt checks the signature), with
OAuth installs `GET /slack/install` and `GET /slack/oauth_redirect` (Bolt's OAuth flow),
`GET /healthz` (JSON, 200 when the app can work, 503 when it cannot), `GET /metrics` (Prometheus,
unless FAL_BOT_METRICS=0); everything else is 404. In Socket Mode the same server runs without the
Slack route, so /healthz (and a Docker HEALTHCHECK) and /metrics work in both modes.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from waitress.adjustments import Adjustments
from waitress.task import ThreadedTaskDispatcher

from bot.metrics import Metrics
from bot.runtime import connections, slack_request
from bot.runtime.health import Health
from bot.store import StoreError

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
# Larger bodies get 413 from waitress before they are read. Slack's largest (a 40,000-character
# message with its blocks, JSON- or form-escaped) stays well under this.
MAX_BODY_BYTES = 2 * 1024 * 1024
HEALTH_PATH = "/healthz"
# OAuth installs (bot.slack.installations): unsigned GETs a person's browser makes; Bolt serves them.
OAUTH_PATHS = ("/slack/install", "/slack/oauth_redirect")
METRICS_PATH = "/metrics"
# Set by VerifiedSlackHandler on a signed, usable request: its surface, for falbot_ack_seconds.
SURFACE_KEY = "fal_bot.surface"


def _respond(
    start_response: StartResponse, status: str, body: bytes, content_type: str, close: bool = False
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    if close:
        headers.append(("Connection", "close"))
    start_response(status, headers)
    return [body]


class ReplayGuard(Protocol):
    """Remembers the signed requests seen while their timestamps are still acceptable.

    Slack's signature has no nonce, so the same signed bytes could be sent again within the 5 minutes
    the timestamp stays valid. Slack itself never does that: its retries are new requests, signed
    with a new timestamp. bot.runtime.replay.SeenRequests implements it in memory and in the store, so a
    restarted process, and once the store is shared every replica, refuses what was served.
    """

    def first_sighting(self, timestamp: str, signature: str) -> bool:
        """Record (timestamp, signature); False when it was recorded before (a replay)."""
        ...

    def flush(self) -> None:
        """Make sure everything recorded so far is stored (called at shutdown)."""
        ...


# Slack's own window for X-Slack-Request-Timestamp (slack-notes.md): older or newer is refused.
SIGNATURE_MAX_AGE_SECONDS = 300


class VerifiedSlackHandler:
    """Checks Slack's signature, replays and the body's shape before Bolt sees the request.

    Bolt parses the body first and raises on invalid JSON, invalid UTF-8, a broken `payload=` or a
    body that is valid JSON but not shaped like Slack's (a list, `"event": null`, deep nesting), so
    such requests got HTTP 500 and a traceback. Here a request that is not correctly signed (or whose
    timestamp is more than 5 minutes off) gets 401 without being parsed, a signed request already
    seen (same timestamp and signature) 401, and a signed body Bolt cannot use 400 with one log line.

    `answer_at_once`, given a signed slash command's fields, returns the whole answer of a command
    that needs nothing but its ack (`/fal status`, `/fal key`, help) or None. Such a command is
    answered here: Bolt's per-request work (its request and context objects, a Web API client per
    request, middleware, listener matching) is most of an ack's time, and these are the commands
    people run most. Everything else goes through Bolt.
    """

    def __init__(
        self,
        handler: WSGIApplication,
        signing_secret: str,
        replays: ReplayGuard | None = None,
        clock: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
        answer_at_once: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
    ):
        self.handler = handler
        self.answer_at_once = answer_at_once
        self._secret = signing_secret.encode()
        self.replays = replays
        self.clock = clock
        self.metrics = metrics or Metrics()

    def _signed(self, body: bytes, timestamp: str, signature: str) -> bool:
        """Slack's scheme over the raw bytes (slack_sdk's verifier decodes the body as UTF-8 first,
        which called a correctly signed non-UTF-8 body "unsigned")."""
        if not (timestamp.isascii() and timestamp.isdigit() and signature):
            return False
        if abs(self.clock() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
            return False
        base = b"v0:" + timestamp.encode("ascii") + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace"))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not self._signed(body, timestamp, signature):
            log.info("refused a request to %s without a valid Slack signature", SLACK_EVENTS_PATH)
            return _respond(start_response, "401 Unauthorized", b"invalid signature\n", "text/plain")
        if self.replays is not None:
            try:
                first = self.replays.first_sighting(timestamp, signature)
            except StoreError as exc:
                log.error("could not check a Slack request for replay (%s); answering 503", exc)
                return _respond(start_response, "503 Service Unavailable", b"try again\n", "text/plain")
            if not first:
                log.warning("refused a replayed Slack request (timestamp %s seen before)", timestamp)
                return _respond(start_response, "401 Unauthorized", b"replayed request\n", "text/plain")
        # Never log the body: it is pasted text and may hold a key.
        try:
            parsed = slack_request.usable_body(body, environ.get("CONTENT_TYPE"))
        except slack_request.Unusable as reason:
            log.warning("a signed Slack request could not be used: %s (%d bytes)", reason, length)
            return _respond(start_response, "400 Bad Request", b"malformed request\n", "text/plain")
        surface = slack_request.surface(body, environ.get("CONTENT_TYPE"))
        environ[SURFACE_KEY] = surface
        self.metrics.request(surface)
        if surface == "command" and self.answer_at_once is not None and parsed.get("command"):
            answer = self.answer_at_once(parsed)
            if answer is not None:
                content, content_type = slack_request.ack_body(answer)
                return _respond(start_response, "200 OK", content, content_type)
        environ[slack_request.PARSED_BODY_KEY] = parsed
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return self.handler(environ, start_response)
        except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
            # A shape slack_request.usable_body() does not know yet: still the sender's fault, not ours.
            log.warning(
                "a signed Slack request could not be parsed (%s, %d bytes)", type(exc).__name__, length
            )
            return _respond(start_response, "400 Bad Request", b"malformed request\n", "text/plain")


class _TimedAck(list[bytes]):
    """The answer to a Slack request, timed: waitress calls `close()` once it has written the last
    chunk (its default send_bytes=1 sends each chunk to the socket as it is written), so the time
    from the request's arrival to `close()` is the time Slack waited for the ack."""

    def __init__(self, chunks: list[bytes], metrics: Metrics, arrived: float):
        super().__init__(chunks)
        self._metrics = metrics
        self._arrived = arrived

    def close(self) -> None:
        self._metrics.observe_ack(time.monotonic() - self._arrived)


class Router:
    """The WSGI app: Slack's one URL, /healthz, /metrics, 404 elsewhere; counts requests in flight.

    Once `draining` is set (shutdown began) new requests get 503 with `Connection: close`, so Slack
    retries them against the next instance, while requests already inside finish normally.
    """

    def __init__(
        self,
        health: Health,
        slack_handler: WSGIApplication | None = None,
        metrics: Metrics | None = None,
        oauth_handler: WSGIApplication | None = None,
    ):
        self.health = health
        self.slack_handler = slack_handler
        self.oauth_handler = oauth_handler  # GET OAUTH_PATHS, when installing into many workspaces
        self.metrics = metrics or Metrics()
        self.draining = threading.Event()
        self._lock = threading.Condition()
        self._in_flight = 0

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being handled; False when `timeout` ran out first."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
        return True

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        called = time.monotonic()
        with self._lock:
            self._in_flight += 1
        try:
            body = self._dispatch(environ, start_response)
            # Bolt answers with a list; materialise anything lazier so the count is exact.
            chunks = body if isinstance(body, list) else list(body)
            if self.metrics.enabled and SURFACE_KEY in environ:
                return _TimedAck(chunks, self.metrics, environ.get(connections.ARRIVED_KEY) or called)
            return chunks
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def _dispatch(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            report = self.health.report()
            if self.draining.is_set():
                report.ok = False
                report.problems["server"] = "shutting down"
            payload = json.dumps(report.to_json()).encode()
            status = "200 OK" if report.ok else "503 Service Unavailable"
            # For HEAD, waitress sends the headers (Content-Length included) and drops the body.
            return _respond(start_response, status, payload, "application/json")
        if path == METRICS_PATH and method in ("GET", "HEAD") and self.metrics.enabled:
            exposition, content_type = self.metrics.exposition(environ.get("HTTP_ACCEPT"))
            return _respond(start_response, "200 OK", exposition, content_type)
        if path == SLACK_EVENTS_PATH and self.slack_handler is not None:
            if method != "POST":
                return _respond(start_response, "405 Method Not Allowed", b"POST only\n", "text/plain")
            if self.draining.is_set():
                return _respond(
                    start_response, "503 Service Unavailable", b"shutting down\n", "text/plain", close=True
                )
            return self.slack_handler(environ, start_response)
        if path in OAUTH_PATHS and self.oauth_handler is not None:
            if method != "GET":
                return _respond(start_response, "405 Method Not Allowed", b"GET only\n", "text/plain")
            return self.oauth_handler(environ, start_response)
        return _respond(start_response, "404 Not Found", b"Not Found\n", "text/plain")


class HttpServer:
    """waitress serving a Router in a background thread, with a graceful `shutdown()`.

    The server is bot.connections.GuardedServer: every request must arrive whole within
    `read_timeout` seconds, and at the connection limit the connections that have waited longest
    without a complete request are closed to let new ones in, so idle or trickling connections
    cannot keep Slack's requests or /healthz out.
    """

    def __init__(
        self,
        router: Router,
        host: str,
        port: int,
        threads: int = 16,
        *,
        connection_limit: int | None = None,
        read_timeout: float = connections.READ_TIMEOUT_SECONDS,
    ):
        self.router = router
        connections.check_waitress_internals()
        if connection_limit is None:
            connection_limit = connections.connection_limit_for(connections.raise_open_file_limit())
        adj = Adjustments(
            host=host,
            port=port,
            threads=threads,
            ident="fal-bot",
            # Idle keep-alive connections are closed after this many seconds (sooner when crowded).
            channel_timeout=connections.IDLE_TIMEOUT_SECONDS,
            connection_limit=connection_limit,
            cleanup_interval=1,  # the read deadline is checked every second
            asyncore_use_poll=True,  # select() cannot watch descriptors above 1023
            max_request_body_size=MAX_BODY_BYTES,
            clear_untrusted_proxy_headers=True,
        )
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(threads)
        # One listening socket: the host is an address (the CLI's default 0.0.0.0, or --host).
        self._server: Any = connections.GuardedServer(
            router, map={}, dispatcher=dispatcher, adj=adj, sockinfo=adj.listen[0]
        )
        self._server.read_timeout = read_timeout
        self._thread: threading.Thread | None = None

    @property
    def connection_limit(self) -> int:
        return int(self._server.adj.connection_limit)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="http-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            self._server.run()
        except Exception:  # the loop ends by close_all(); anything else is worth a line
            log.exception("HTTP server loop failed")

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _in_loop(self, thunk: Callable[[], None]) -> None:
        """Run `thunk` in the server's loop thread (waitress' socket map is not thread-safe)."""
        done = threading.Event()

        def run() -> None:
            try:
                thunk()
            finally:
                done.set()

        if not self.alive():
            thunk()
            return
        self._server.trigger.pull_trigger(run)
        done.wait(2.0)

    def _stop_accepting(self) -> None:
        server = self._server

        def close_listener() -> None:
            server.accepting = False
            try:
                server.del_channel()
                server.socket.close()
            except OSError:
                pass

        self._in_loop(close_listener)

    def _flushed(self) -> bool:
        result: list[bool] = []

        def look() -> None:
            channels = list(self._server.active_channels.values())
            result.append(all(not ch.requests and not ch.total_outbufs_len for ch in channels))

        self._in_loop(look)
        # A task thread wakes the loop (pull_trigger) just after its request left `requests`; closing
        # the trigger before it has done so fails that thread with EBADF (a traceback at SIGTERM, seen
        # on a busy machine), so also wait until every task thread is idle.
        dispatcher = self._server.task_dispatcher
        with dispatcher.lock:
            idle = dispatcher.active_count == 0 and not dispatcher.queue
        return bool(result and result[0]) and idle

    def shutdown(self, timeout: float = 6.0) -> bool:
        """Stop taking requests, let the ones in flight finish and flush, then stop the loop.

        Returns False when some request was still running at the deadline (it is then cut off).
        """
        deadline = time.monotonic() + timeout
        self.router.draining.set()
        self._stop_accepting()
        finished = self.router.wait_idle(max(0.0, deadline - time.monotonic()))
        while time.monotonic() < deadline and not self._flushed():
            time.sleep(0.02)
        server = self._server

        def close_everything() -> None:
            from waitress import wasyncore

            wasyncore.close_all(server._map)

        self._in_loop(close_everything)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
        if self._thread is not None:
            self._thread.join(max(0.1, deadline - time.monotonic()))
        return finished
