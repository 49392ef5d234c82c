"""Which process polls the status page and sends alerts: exactly one at a time.

On SQLite there is one process (`SoleProcess`: always the leader). On PostgreSQL every process
runs `AdvisoryLockLeadership`: a session advisory lock held on a dedicated connection (not one of
the pool's, so no transaction or pool recycling can let go of it) for the whole tenure. The others
try to take it every TRY_SECONDS. When the leader dies its connection closes and the server
releases the lock at once (SIGKILL included); a follower takes it within TRY_SECONDS.

Fencing: the leader pings its lock connection every PING_SECONDS; when a ping fails it stops
leading at once (`is_leader()` turns False: the poller and the sender check it before each poll
and each post) and only then tries again on a new connection. The client gives up a silent
connection after CLIENT_TIMEOUT_MS, well before the server drops the session and its lock
(SERVER_KEEPALIVE_*: about 11 s), so an old leader has stopped before a new one can start. When
the server ends the old leader's session itself (an administrator, a restart), the lock is free at
once while the old leader learns it at its next ping: so a new holder waits SETTLE_PINGS pings
before it leads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import psycopg

log = logging.getLogger(__name__)

# pg_advisory_lock key of the leader lease ("falbot" in ASCII, plus 2; migrations use +1).
LEADER_LOCK_KEY = 0x66616C626F7402
TRY_SECONDS = 2.0
PING_SECONDS = 1.0
SETTLE_PINGS = 2
CONNECT_TIMEOUT_SECONDS = 5
CLIENT_TIMEOUT_MS = 3000
# The server notices a vanished leader (power loss, partition) after idle + interval * count.
SERVER_KEEPALIVE_IDLE, SERVER_KEEPALIVE_INTERVAL, SERVER_KEEPALIVE_COUNT = 5, 2, 3


class Leadership(Protocol):
    def is_leader(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class SoleProcess:
    """SQLite: this process is the only one, so it always leads."""

    def is_leader(self) -> bool:
        return True

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


class AdvisoryLockLeadership:
    """`is_leader()` is True while this process holds the leader lock on its own connection."""

    def __init__(
        self,
        url: str,
        *,
        key: int = LEADER_LOCK_KEY,
        try_seconds: float = TRY_SECONDS,
        ping_seconds: float = PING_SECONDS,
        on_change: Callable[[bool], None] | None = None,
    ):
        self.url = url
        self.key = key
        self.try_seconds = try_seconds
        self.ping_seconds = ping_seconds
        self.on_change = on_change
        self._leading = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._first_wait = try_seconds
        self._held_since: float | None = None  # lock taken, not leading yet (settling)

    def is_leader(self) -> bool:
        return self._leading.is_set()

    def start(self) -> None:
        """Try for the lease once now (so a lone process leads from its first poll), then keep trying."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._first_wait = self._step()
        self._thread = threading.Thread(target=self._run, name="leader-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Give the lease up (closing the connection releases the lock for the next process)."""
        self._stop.set()
        self._set(False)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLIENT_TIMEOUT_MS / 1000 + 1)
        self._thread = None
        self._set(False)  # again: a step that was running when stop() began may have set it
        self._held_since = None
        self._close()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            keepalives=1,
            keepalives_idle=1,
            keepalives_interval=1,
            keepalives_count=2,
            tcp_user_timeout=CLIENT_TIMEOUT_MS,
            application_name="fal-bot leader lease",
        )
        conn.execute(
            f"SET tcp_keepalives_idle = {SERVER_KEEPALIVE_IDLE};"
            f" SET tcp_keepalives_interval = {SERVER_KEEPALIVE_INTERVAL};"
            f" SET tcp_keepalives_count = {SERVER_KEEPALIVE_COUNT}"
        )
        return conn

    def _run(self) -> None:
        wait = self._first_wait
        while not self._stop.wait(wait):
            wait = self._step()

    def _step(self) -> float:
        """Take the lease if free, or check it is still held; returns seconds until the next step."""
        try:
            if self._conn is None:
                self._conn = self._connect()
            if self._held_since is None:
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
                if not (row and row[0]):
                    return self.try_seconds
                self._held_since = time.monotonic()
                return self.ping_seconds
            self._conn.execute("SELECT 1")
            settled = time.monotonic() - self._held_since >= SETTLE_PINGS * self.ping_seconds
            if settled and not self.is_leader() and not self._stop.is_set():
                log.info("this process now leads: it polls the status page and sends alerts")
                self._set(True)
            return self.ping_seconds
        except Exception as exc:  # the lock connection is gone: so is the lease
            if self.is_leader():
                log.warning("leader lease lost (%s): no more polling or sending here", type(exc).__name__)
            else:
                log.warning("cannot reach the database for the leader lease (%s)", type(exc).__name__)
            self._set(False)
            self._held_since = None
            self._close()
            return self.try_seconds

    def _set(self, leading: bool) -> None:
        if leading == self._leading.is_set():
            return
        if leading:
            self._leading.set()
        else:
            self._leading.clear()
        if self.on_change is not None:
            try:
                self.on_change(leading)
            except Exception:
                log.exception("leadership change handler failed")

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a broken connection may fail too; it is gone either way
                log.debug("closing the leader lease connection failed", exc_info=True)
