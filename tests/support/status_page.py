"""Status-page stand-ins for tests: the scripted `FakeStatusPage` (shared with `fal-bot playground`,
so it lives in bot/playground/status_page.py) and `TricklingServer`, a raw-socket server that sends its
body a byte at a time (the loopback server cannot), to prove the client's overall deadline.
"""

from __future__ import annotations

import socket
import socketserver
import threading

from bot.playground.status_page import FakeStatusPage, Flavour

__all__ = ["EXPECTED_LEVEL", "FakeStatusPage", "Flavour", "TricklingServer"]

# The level each real summary page in tests/fixtures/status/ must read as.
EXPECTED_LEVEL = {
    "instatus_summary_docsample.json": "major_outage",
    "statuspage_summary_cloudamqp_maintenance_in_progress.json": "maintenance",
    "statuspage_summary_codametrix_groups_operational.json": "operational",
    "statuspage_summary_github_2020-04-02_major_outage.json": "major_outage",
    "statuspage_summary_github_major_docsample.json": "major_outage",
    "statuspage_summary_twilio_minor_two_incidents.json": "degraded",
}


class TricklingServer:
    """Answers 200, then sends the body `chunk` bytes every `interval` s (a page that trickles).

    With `content_length=False` the body is delimited by closing the connection, so the client
    cannot know its size in advance (tests the streamed body cap)."""

    def __init__(
        self,
        interval: float = 0.2,
        body: bytes = b'{"page": {"status": "UP"}}' + b" " * 4000,
        *,
        chunk: int = 1,
        content_length: bool = True,
    ):
        self.interval = interval
        self.body = body
        self._stop = threading.Event()
        outer = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.recv(65536)
                length = (
                    f"Content-Length: {len(outer.body)}\r\n" if content_length else "Connection: close\r\n"
                )
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}\r\n"
                try:
                    sock.sendall(head.encode())
                    for start in range(0, len(outer.body), chunk):
                        if interval and outer._stop.wait(interval):
                            return
                        sock.sendall(outer.body[start : start + chunk])
                except OSError:
                    return

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
