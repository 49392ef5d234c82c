"""Serve a real Bolt App over loopback HTTP (threaded WSGI server + Bolt's WSGI adapter) for tests.

with BoltServer(app) as server:
    SlackSender(server.events_url).send(...)
"""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class BoltServer:
    def __init__(self, app: App, path: str = "/slack/events"):
        self.app = app
        self.path = path
        self._server = make_server(
            "127.0.0.1",
            0,
            SlackRequestHandler(app, path=path),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def events_url(self) -> str:
        return self.url + self.path

    def start(self) -> BoltServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> BoltServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
