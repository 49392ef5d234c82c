"""waitress, hardened so idle or trickling connections cannot keep Slack's requests out.

waitress reads requests in one asyncore loop and gives a request to a worker thread only once it is
complete, so a slow client never holds a worker. What it does not bound is connections: at
`connection_limit` it stops accepting, and its `channel_timeout` only closes connections that sent
nothing for that long. 220 idle sockets, or a byte every few seconds on each, kept every new
connection (Slack's and /healthz's) waiting in the kernel's backlog for as long as the sender liked.

Here (`GuardedServer`, `GuardedChannel`):
- a request must be complete within `read_timeout` seconds of its first byte (the first request on a
  connection: of the connect). A request still incomplete then gets `408 Request Timeout` and the
  connection is closed; a connection that never sent a byte is closed;
- idle keep-alive connections are closed after `channel_timeout`, and after `crowded_idle_timeout`
  once three quarters of the limit are in use;
- at the limit the server does not stop accepting: it closes the connections that have waited longest
  without a complete request (a tenth of the limit at a time), so a new connection gets in at once.
  Connections whose request is being served are never closed. Only when every connection is being
  served does it stop accepting, as waitress does;
- the limit is sized from the process's open-file limit, with room left for the database, the
  outgoing HTTP connections and the worker threads (`connection_limit_for`). The loop uses poll(),
  not select(), which cannot watch file descriptors above 1023.

This relies on waitress internals (HTTPChannel's `request`, `requests`, `will_close`,
`close_when_flushed`, `outbufs`, `last_activity`, `creation_time`; the server's `active_channels`,
`maintenance`, `next_channel_cleanup`, `trigger`): `check_waitress_internals()` fails loudly at start,
and tests/test_server_connections.py fails, if a waitress release renames them.
"""

from __future__ import annotations

import errno
import logging
import resource
import socket
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import WSGITask

log = logging.getLogger(__name__)

# A request (headers and body) must arrive within this many seconds of its first byte. Slack sends a
# whole request at once; a reverse proxy in front buffers it first.
READ_TIMEOUT_SECONDS = 10.0
# Idle keep-alive connections are closed after this long, or after CROWDED_IDLE_SECONDS once the
# server is three quarters full.
IDLE_TIMEOUT_SECONDS = 30
CROWDED_IDLE_SECONDS = 2.0
CROWDED_SHARE = 0.75
# At the limit, close this share of the connections that have waited longest for a complete request.
SHED_SHARE = 0.1
# Upper bound for the connection limit, and file descriptors kept for everything but client sockets.
MAX_CONNECTIONS = 1000
FD_RESERVE = 200
MIN_CONNECTIONS = 50
# How often to say (at most) that connections were closed for being slow or to make room.
REPORT_EVERY_SECONDS = 60.0

# The WSGI environ key holding when the request's first byte arrived (time.monotonic()), for
# falbot_ack_seconds: the time a request waited for a worker thread is time Slack waited too.
ARRIVED_KEY = "fal_bot.arrived"

_TIMEOUT_ANSWER = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

# What waitress defines on its classes (checked at start) ...
CHANNEL_INTERNALS = (
    "request",
    "will_close",
    "close_when_flushed",
    "total_outbufs_len",
    "current_outbuf_count",
    "last_activity",
    "received",
    "readable",
    "writable",
    "handle_close",
)
SERVER_INTERNALS = (
    "maintenance",
    "next_channel_cleanup",
    "channel_class",
    "readable",
    "handle_accept",
    "accept",
    "fix_addr",
    "set_socket_options",
)
# ... and what it sets on instances in __init__ (checked on live objects by the tests).
CHANNEL_INSTANCE_INTERNALS = ("requests", "outbufs", "outbuf_lock", "creation_time", "socket")
SERVER_INSTANCE_INTERNALS = ("active_channels", "trigger", "_map", "adj", "accepting")
# what HttpServer.shutdown reads of the task dispatcher to know every task thread is idle
DISPATCHER_INSTANCE_INTERNALS = ("lock", "active_count", "queue")


def check_waitress_internals() -> None:
    """Raise RuntimeError naming what is missing when waitress no longer has what this module uses
    (what its classes define; tests/test_server_connections.py checks the instance attributes)."""
    missing = [f"HTTPChannel.{name}" for name in CHANNEL_INTERNALS if not hasattr(HTTPChannel, name)]
    missing += [f"TcpWSGIServer.{name}" for name in SERVER_INTERNALS if not hasattr(TcpWSGIServer, name)]
    if missing:
        raise RuntimeError(
            "this waitress release lacks what bot/runtime/connections.py relies on: " + ", ".join(missing)
        )


def raise_open_file_limit(target: int = MAX_CONNECTIONS + FD_RESERVE) -> int:
    """Raise the soft RLIMIT_NOFILE towards `target` (never above the hard limit); the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:
            log.info("could not raise the open-file limit from %d to %d (%s)", soft, wanted, exc)
    return int(soft) if soft != resource.RLIM_INFINITY else MAX_CONNECTIONS + FD_RESERVE


def connection_limit_for(open_file_limit: int) -> int:
    """Client connections to allow with `open_file_limit` descriptors, leaving FD_RESERVE for the rest."""
    return max(MIN_CONNECTIONS, min(MAX_CONNECTIONS, open_file_limit - FD_RESERVE))


class TimedParser(HTTPRequestParser):
    """waitress makes one parser per request when the request's first byte arrives: note when."""

    def __init__(self, adj: Any):
        super().__init__(adj)
        self.arrived = time.monotonic()


class TimedTask(WSGITask):
    """waitress's WSGI task, passing the request's arrival time to the app as environ[ARRIVED_KEY]."""

    def get_environment(self) -> Any:
        environ = super().get_environment()
        environ[ARRIVED_KEY] = getattr(self.request, "arrived", None)
        return environ


class GuardedChannel(HTTPChannel):
    """An HTTPChannel that knows since when it has been waiting for a complete request, and stamps
    each request with the time its first byte arrived."""

    parser_class = TimedParser
    task_class = TimedTask

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None):
        super().__init__(server, sock, addr, adj, map)
        # When the request being read began: the connect for the first one, else its first byte.
        self.request_began: float = self.creation_time
        self._timed_request: Any = None
        self.sent_anything = False

    def received(self, data: bytes) -> bool:
        result: bool = super().received(data)
        if self.request is not None and self.request is not self._timed_request:
            if self.sent_anything:
                self.request_began = time.time()
            self._timed_request = self.request
        self.sent_anything = True
        return result

    # A closed channel may still be asked by the poll loop of the same pass: never watch its old fd.
    def readable(self) -> bool:
        return self.socket is not None and bool(super().readable())

    def writable(self) -> bool:
        return self.socket is not None and bool(super().writable())

    @property
    def in_service(self) -> bool:
        """A complete request is queued or being answered."""
        return bool(self.requests)

    @property
    def finishing(self) -> bool:
        return bool(self.will_close or self.close_when_flushed or self.socket is None)

    def waiting_since(self) -> float:
        """Since when this connection has held the server without a complete request."""
        if self.request is not None or not self.sent_anything:
            return self.request_began
        return float(self.last_activity)  # idle keep-alive, or an answer the client does not read

    def has_unread_bytes(self) -> bool:
        """Bytes have arrived that the loop has not read yet: a request may be complete in them."""
        sock = self.socket
        if sock is None:
            return False
        try:
            return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except OSError:  # nothing waiting (EAGAIN), or reset by the peer: nothing worth keeping
            return False

    def refuse_slow_request(self) -> None:
        """Answer 408 and close once it is sent (runs in the loop thread, no task is running)."""
        with self.outbuf_lock:
            self.outbufs[-1].append(_TIMEOUT_ANSWER)
            self.current_outbuf_count += len(_TIMEOUT_ANSWER)
            self.total_outbufs_len += len(_TIMEOUT_ANSWER)
        self.close_when_flushed = True


class GuardedServer(TcpWSGIServer):
    channel_class = GuardedChannel
    read_timeout: float = READ_TIMEOUT_SECONDS
    crowded_idle_timeout: float = CROWDED_IDLE_SECONDS

    def __init__(self, *args: Any, **kw: Any):
        self.timed_out = 0  # connections closed for an incomplete request (or none) past the deadline
        self.shed = 0  # connections closed to make room at the limit
        self._next_report = 0.0
        self._out_of_descriptors = False
        self._closed_directly = False
        super().__init__(*args, **kw)

    def _channels(self) -> list[GuardedChannel]:
        active: Any = self.active_channels  # waitress-stubs call it a channel; it is {fd: channel}
        return list(active.values())

    def maintenance(self, now: Any) -> None:
        super().maintenance(now)  # idle longer than channel_timeout
        channels = self._channels()
        crowded = len(channels) >= CROWDED_SHARE * self.adj.connection_limit
        for channel in channels:
            if channel.in_service or channel.finishing:
                continue
            if channel.total_outbufs_len:
                # An answer the client does not read: it cannot be flushed, so close it outright.
                if now - channel.last_activity > self.read_timeout:
                    channel.handle_close()
                    self._closed_directly = True
                    self.timed_out += 1
            elif channel.request is not None:
                if now - channel.request_began > self.read_timeout:
                    channel.refuse_slow_request()
                    self.timed_out += 1
            elif not channel.sent_anything:
                if now - channel.request_began > self.read_timeout:
                    channel.will_close = True
                    self.timed_out += 1
            elif crowded and now - channel.last_activity > self.crowded_idle_timeout:
                channel.will_close = True
        if (self.timed_out or self.shed) and now >= self._next_report:
            self._next_report = now + REPORT_EVERY_SECONDS
            log.warning(
                "closed %d connections that sent no complete request within %.0f s and %d to make room "
                "at the limit of %d connections",
                self.timed_out,
                self.read_timeout,
                self.shed,
                self.adj.connection_limit,
            )
            self.timed_out = self.shed = 0

    def _make_room(self) -> int:
        """Close the connections that have waited longest without a complete request.

        Room is made before the loop reads what arrived since its last pass, so a connection whose
        bytes are waiting to be read is spared: on a busy machine Slack's whole request could sit
        there while newer attacking connections made it look like the oldest idle one."""
        waiting = [
            ch
            for ch in self._channels()
            if not ch.in_service and not ch.finishing and not ch.has_unread_bytes()
        ]
        waiting.sort(key=lambda ch: ch.waiting_since())
        victims = waiting[: max(1, int(SHED_SHARE * self.adj.connection_limit))]
        for channel in victims:
            channel.handle_close()
        self.shed += len(victims)
        return len(victims)

    def readable(self) -> bool:
        now: Any = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if not self.accepting:
            return False
        active: Any = self.active_channels
        full = len(active) >= self.adj.connection_limit and (
            sum(1 for ch in self._channels() if not ch.finishing) >= self.adj.connection_limit
        )
        if full or self._out_of_descriptors:
            self._out_of_descriptors = False
            self._closed_directly = self._make_room() > 0 or self._closed_directly
        if self._closed_directly:
            # Channels were closed outside their own events: accept nothing in this pass, so no new
            # connection can reuse a closed one's descriptor and inherit an event meant for it (the
            # closed ones are not watched: GuardedChannel.readable). The trigger starts the next pass.
            self._closed_directly = False
            trigger: Any = self.trigger  # waitress-stubs say int; it is waitress.trigger.trigger
            trigger.pull_trigger()
            return False
        return not full

    def handle_accept(self) -> None:
        """waitress's, except that running out of file descriptors makes room instead of logging a
        traceback on every pass of the loop."""
        conn = None
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError as exc:
            if conn is not None:
                conn.close()
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                self._out_of_descriptors = True
            elif self.adj.log_socket_errors:
                self.logger.warning("server accept() threw an exception", exc_info=True)
            return
        self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=getattr(self, "_map"))  # noqa: B009
