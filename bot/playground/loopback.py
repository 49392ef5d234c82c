"""A real HTTP server on 127.0.0.1 in a background thread, answering from a Python callable.

Tests point fal-bot's URLs (FAL_STATUS_URL, SLACK_API_URL, FAL_PROBE_URLS) at it, so the code under
test speaks real HTTP over a real socket; nothing is mocked. `fal-bot playground` serves its Slack
stand-in, its simulated status page and its own page with it.
"""

from __future__ import annotations

import random
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to sleep before answering (a page that hangs), and whether to stop mid-body.
    delay: float = 0.0
    truncate_to: int | None = None


Handler = Callable[[Request], Response]


def everywhere(response: Response) -> Handler:
    """A handler giving the same answer to every request."""
    return lambda request: response


# Below Linux's default ephemeral range (32768-60999), from which `bind(port 0)` draws.
_PICKED_PORTS = range(20_000, 32_000)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now (to bind, or to find closed).

    Picked below the ephemeral range and checked, not taken from a `bind(0)`: a port the system
    handed out and took back could be handed to the next `bind(0)` anywhere (another test's server)
    before the process it was meant for binds it."""
    for _ in range(50):
        port = random.choice(_PICKED_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up early (timeouts under test) are expected, not worth a traceback.
        pass


class LoopbackServer:
    """`with LoopbackServer(handler) as server: server.url` -> "http://127.0.0.1:PORT".

    With `tls` (a server-side SSLContext, e.g. `tests.support.tls.server_context()`) it speaks HTTPS
    and `url` is "https://127.0.0.1:PORT"."""

    def __init__(
        self,
        handler: Handler,
        *,
        tls: ssl.SSLContext | None = None,
        port: int = 0,
        max_body: int | None = None,
    ):
        self.handler = handler
        self.tls = tls
        self.requests: list[Request] = []
        self._stop = threading.Event()
        outer = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                try:
                    length = max(0, int(self.headers.get("Content-Length") or 0))
                except ValueError:
                    length = -1
                if length < 0 or (max_body is not None and length > max_body):
                    # Refused unread, so a huge or bogus Content-Length costs nothing.
                    self.send_error(413 if length > 0 else 400)
                    self.close_connection = True
                    return
                body = self.rfile.read(length) if length else b""
                request = Request(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                outer.requests.append(request)
                response = outer.handler(request)
                if response.delay and outer._stop.wait(response.delay):
                    return
                payload = response.body.encode() if isinstance(response.body, str) else response.body
                self.send_response(response.status)
                headers = {"Content-Type": "application/json", **response.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if response.truncate_to is not None:
                    self.wfile.write(payload[: response.truncate_to])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = _serve

        self._server = _QuietServer(("127.0.0.1", port), _RequestHandler)
        self._server.daemon_threads = True
        if tls is not None:
            # The handshake then happens in each request's own thread, on its first read.
            self._server.socket = tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        # A short poll interval lets stop() return in ~50 ms instead of the default 0.5 s.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():  # shutdown() waits for serve_forever(), so only when it runs
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
