"""A small HTTP proxy on 127.0.0.1, as a corporate proxy would be, for tests that set HTTPS_PROXY /
HTTP_PROXY: `CONNECT host:port` opens a tunnel (how clients reach https:// URLs through a proxy),
and a request with an absolute URL (`HEAD http://host:port/path`) is forwarded (http:// URLs).

`seen` lists what the proxy was asked, in order, so a test can prove a request went through it.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]


class LoopbackProxy:
    """`with LoopbackProxy() as proxy: proxy.url` -> "http://127.0.0.1:PORT"."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._stop = threading.Event()
        outer = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                client: socket.socket = self.request
                client.settimeout(5.0)
                head = b""
                try:
                    while b"\r\n\r\n" not in head and len(head) < 65536:
                        chunk = client.recv(65536)
                        if not chunk:
                            return
                        head += chunk
                except OSError:
                    return
                head, _, rest = head.partition(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, target, version = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                outer.seen.append(Seen(method, target, headers))
                if method == "CONNECT":
                    outer._tunnel(client, target)
                else:
                    outer._forward(client, method, target, version, header_lines, rest)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _upstream(self, client: socket.socket, host: str, port: int) -> socket.socket | None:
        try:
            return socket.create_connection((host, port), timeout=5.0)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return None

    def _tunnel(self, client: socket.socket, target: str) -> None:
        host, _, port = target.rpartition(":")
        upstream = self._upstream(client, host.strip("[]"), int(port))
        if upstream is None:
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self._pipe(client, upstream)

    def _forward(
        self,
        client: socket.socket,
        method: str,
        target: str,
        version: str,
        header_lines: list[str],
        rest: bytes,
    ) -> None:
        url = urlsplit(target)
        upstream = self._upstream(client, url.hostname or "", url.port or 80)
        if upstream is None:
            return
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        kept = [line for line in header_lines if not line.lower().startswith("proxy-")]
        head = "\r\n".join([f"{method} {path} {version}", *kept]) + "\r\n\r\n"
        upstream.sendall(head.encode("latin-1") + rest)
        self._pipe(client, upstream)

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until either side closes (or the proxy stops)."""
        sockets = [client, upstream]
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select(sockets, [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()

    def __enter__(self) -> LoopbackProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


__all__ = ["LoopbackProxy", "Seen"]
