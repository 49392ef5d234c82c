"""Idle or trickling connections cannot keep Slack's requests out (issue 9, section 2).

The real waitress server of `fal-bot run` (bot/runtime/http.py, bot/runtime/connections.py) on loopback; the
"attacker" here opens plain sockets that send nothing, or a byte now and then, and reconnects what
the server closes. Signed requests are built as Slack signs them.
"""

from __future__ import annotations

import contextlib
import http.client
import multiprocessing
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from bot.runtime import connections
from bot.runtime.http import Health, HttpServer, Router
from tests.support.fake_slack import FakeSlack
from tests.support.process import BotProcess, bot_env
from tests.support.served import Served, serve_app
from tests.support.signing import slash_command


class _Sockets:
    """`idle` sockets that never send a byte and `trickling` ones that send one header byte at each
    sweep, reconnecting whatever the server closed."""

    def __init__(self, port: int, idle: int, trickling: int):
        self.port = port
        self.idle: list[socket.socket | None] = [None] * idle
        self.trickling: list[socket.socket | None] = [None] * trickling
        self.reconnects = 0

    def _connect(self, first_bytes: bytes = b"") -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            if first_bytes:
                sock.sendall(first_bytes)
            return sock
        except OSError:
            return None

    def open_all(self) -> None:
        for i in range(len(self.idle)):
            self.idle[i] = self._connect()
        for i in range(len(self.trickling)):
            self.trickling[i] = self._connect(b"POST /slack/events HTTP/1.1\r\nX-Slow: ")

    def _alive(self, sock: socket.socket | None, payload: bytes) -> bool:
        if sock is None:
            return False
        try:
            sock.setblocking(False)
            try:
                if sock.recv(1024) == b"":
                    return False  # the server closed it (or answered 408 and closed)
            except BlockingIOError:
                pass
            if payload:
                sock.send(payload)
            return True
        except OSError:
            return False
        finally:
            with contextlib.suppress(OSError):
                sock.setblocking(True)

    def sweep(self) -> None:
        for pool, payload, first in (
            (self.idle, b"", b""),
            (self.trickling, b"a", b"POST /slack/events HTTP/1.1\r\nX-Slow: "),
        ):
            for i, sock in enumerate(pool):
                if not self._alive(sock, payload):
                    if sock is not None:
                        sock.close()
                    pool[i] = self._connect(first)
                    self.reconnects += 1

    def close(self) -> None:
        for sock in self.idle + self.trickling:
            if sock is not None:
                sock.close()


def _attack(
    port: int, idle: int, trickling: int, every: float, ready: Any, stop: Any, reconnects: Any
) -> None:
    sockets = _Sockets(port, idle, trickling)
    sockets.open_all()
    ready.set()
    while not stop.wait(every):
        sockets.sweep()
        reconnects.value = sockets.reconnects
    sockets.close()


class Attacker:
    """Holds `idle` sockets that never send a byte and `trickling` ones that send one header byte
    every `every` seconds, reconnecting whatever the server closes, until stopped.

    In a process of its own, as a real attacker is: in the test's process, its sweeps and the
    in-process server shared one GIL with the client, and on a loaded machine the client's request
    arrived late enough to be taken for one of the attacking connections."""

    def __init__(self, port: int, idle: int, trickling: int, every: float = 0.5):
        context = multiprocessing.get_context("spawn")
        self._ready = context.Event()
        self._stop = context.Event()
        self._reconnects = context.Value("i", 0)
        self._process = context.Process(
            target=_attack,
            args=(port, idle, trickling, every, self._ready, self._stop, self._reconnects),
            daemon=True,
        )

    @property
    def reconnects(self) -> int:
        return int(self._reconnects.value)

    def __enter__(self) -> Attacker:
        self._process.start()
        assert self._ready.wait(30), "the attacking process did not connect its sockets"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def signed_status(served_url: str, response_url: str, timeout: float = 3.0) -> tuple[int, float]:
    request = slash_command("status", response_url=response_url)
    began = time.monotonic()
    answer = httpx.post(served_url, content=request.body, headers=request.headers(), timeout=timeout)
    return answer.status_code, time.monotonic() - began


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve_app(tmp_path, connection_limit=40) as served:
        yield served


def test_more_idle_and_trickling_connections_than_the_limit_do_not_keep_slack_out(served: Served) -> None:
    assert served.server.connection_limit == 40
    with Attacker(served.port, idle=60, trickling=60) as attacker:
        time.sleep(1.5)  # every attacking socket is connected, trickling, and reconnected when closed
        for _ in range(5):
            status, took = signed_status(served.url, served.fake.new_response_url())
            assert status == 200 and took < 3.0, (status, took)
            health = httpx.get(served.health_url, timeout=3.0)
            assert health.status_code == 200
            time.sleep(0.3)
        assert attacker.reconnects > 0  # the server did close attacking connections to make room


def test_a_request_still_incomplete_at_the_read_deadline_gets_408_and_is_closed(tmp_path: Path) -> None:
    with serve_app(tmp_path, read_timeout=1.0) as served:
        # A body announced as 100,000 bytes of which 10 arrive, then a byte every 0.3 s.
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
            began = time.monotonic()
            sock.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100000\r\n\r\n{"type": "x'
            )
            answer = b""
            sock.settimeout(0.3)
            while time.monotonic() - began < 8:
                try:
                    chunk = sock.recv(1024)
                except TimeoutError:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"x")
                    continue
                if not chunk:
                    break
                answer += chunk
            took = time.monotonic() - began
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert 0.9 < took < 4.0


def test_a_connection_that_sends_nothing_is_closed_at_the_read_deadline(tmp_path: Path) -> None:
    with (
        serve_app(tmp_path, read_timeout=1.0) as served,
        socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock,
    ):
        began = time.monotonic()
        assert sock.recv(100) == b""
        assert 0.9 < time.monotonic() - began < 4.0


def test_keep_alive_connections_are_timed_per_request_not_per_connection(tmp_path: Path) -> None:
    """A client that sends whole requests now and then on one connection is never cut off."""
    with serve_app(tmp_path, read_timeout=1.0) as served:
        client = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        try:
            for i in range(3):
                client.request("GET", "/healthz")
                if i == 0:
                    first_socket = client.sock
                answer = client.getresponse()
                assert answer.status == 200 and answer.read()
                assert client.sock is first_socket  # the same connection throughout
                if i < 2:  # longer than the read deadline between requests; none after the last
                    time.sleep(1.6)
        finally:
            client.close()


def test_waitress_still_has_what_the_guard_relies_on(tmp_path: Path) -> None:
    """Fails loudly when a waitress release renames an internal bot/runtime/connections.py uses."""
    connections.check_waitress_internals()
    server = HttpServer(Router(Health(None)), "127.0.0.1", 0, connection_limit=40)
    server.start()
    try:
        inner = server._server
        assert isinstance(inner, connections.GuardedServer)
        for name in connections.SERVER_INSTANCE_INTERNALS:
            assert hasattr(inner, name), f"waitress server lost {name}"
        for name in connections.DISPATCHER_INSTANCE_INTERNALS:
            assert hasattr(inner.task_dispatcher, name), f"waitress task dispatcher lost {name}"
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
            # types-waitress declares active_channels as one HTTPChannel; it is a dict of them
            active: dict[int, object] = cast(dict[int, object], inner.active_channels)
            channels = list(active.values())
            assert channels and all(isinstance(c, connections.GuardedChannel) for c in channels)
            for name in connections.CHANNEL_INSTANCE_INTERNALS:
                assert all(hasattr(c, name) for c in channels), f"waitress channel lost {name}"
        assert inner.adj.asyncore_use_poll is True
    finally:
        server.shutdown(timeout=2)


def test_the_limit_leaves_file_descriptors_for_everything_else() -> None:
    assert connections.connection_limit_for(1024) == 1024 - connections.FD_RESERVE
    assert connections.connection_limit_for(1_048_576) == connections.MAX_CONNECTIONS
    assert connections.connection_limit_for(64) == connections.MIN_CONNECTIONS


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False


def test_a_connection_whose_request_has_arrived_is_not_shed_to_make_room() -> None:
    """Room is made before the loop reads what arrived since its last pass. The loop is stepped by
    hand here: Slack's connection is the oldest, its whole request sits unread in the socket, and
    the idle one that came after it is closed instead. (On a busy machine, the oldest-first rule
    closed Slack's request while newer attacking connections arrived.)"""
    server = HttpServer(Router(Health(None)), "127.0.0.1", 0, connection_limit=10)
    guarded = cast(connections.GuardedServer, server._server)
    request = slash_command("status", response_url="http://127.0.0.1:9/")
    clients: list[socket.socket] = []
    try:
        for _ in range(10):
            clients.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            guarded.handle_accept()
        slack, *idle = clients
        head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {len(request.body)}\r\n\r\n"
        slack.sendall(head.encode() + request.body)
        time.sleep(0.1)  # the bytes are in Slack's socket on the server's side, not read
        assert guarded._make_room() == 1
        time.sleep(0.1)
        assert _still_open(slack)
        assert not _still_open(idle[0])  # the oldest connection that sent nothing
        assert all(_still_open(sock) for sock in idle[1:])
    finally:
        for sock in clients:
            sock.close()
        for channel in guarded._channels():
            channel.close()
        guarded.close()


@pytest.mark.slow
def test_fal_bot_run_keeps_answering_past_its_default_connection_limit(tmp_path: Path) -> None:
    """The process as deployed: more sockets than its default limit (and than select() can watch)."""
    attackers = connections.MAX_CONNECTIONS + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = attackers + 300
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    with (
        FakeSlack() as fake,
        BotProcess(bot_env(fake, tmp_path / "bot.db", "http://127.0.0.1:9"), "--mode", "http") as bot,
    ):
        bot.wait_until_serving()
        with Attacker(bot.port, idle=attackers // 2, trickling=attackers - attackers // 2, every=1.0):
            time.sleep(2)
            for _ in range(3):
                status, took = signed_status(bot.events_url, fake.new_response_url())
                assert status == 200 and took < 3.0, (status, took)
                assert httpx.get(f"{bot.base}/healthz", timeout=3.0).status_code in (200, 503)
        assert bot.process.poll() is None, bot.stderr()[-2000:]
