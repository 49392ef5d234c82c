"""What `GET /healthz` checks: the database, the status poller, the Slack token, the install, the
Socket Mode connection; and the watch that stops the process when its database file goes away."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.store import Store, StoreError, describe_store_error

log = logging.getLogger(__name__)

# How often `fal-bot run` checks that FAL_BOT_DB is still the file it opened.
DB_CHECK_SECONDS = 2.0
# How long Socket Mode may stay disconnected (it reconnects by itself) before /healthz says 503.
SOCKET_DOWN_GRACE_SECONDS = 60.0

# A check returns None when all is well, else a short reason the app cannot work.
Check = Callable[[], "str | None"]


class MonitorLike(Protocol):
    """What /healthz reads from the status monitor (bot.status.monitor.StatusMonitor)."""

    poll_seconds: float

    def latest(self) -> Any: ...

    def age_seconds(self) -> float | None: ...

    def is_running(self) -> bool: ...


@dataclass
class HealthReport:
    ok: bool
    level: str
    status_age_seconds: float | None
    problems: dict[str, str] = field(default_factory=dict)
    leader: bool = True

    def to_json(self) -> dict[str, object]:
        # The first three keys are the contract's; `problems` names what failed; `leader` says
        # whether this process polls the status page and sends alerts (one of several replicas).
        age = None if self.status_age_seconds is None else round(self.status_age_seconds, 1)
        return {
            "ok": self.ok,
            "level": self.level,
            "status_age_seconds": age,
            "problems": self.problems,
            "leader": self.leader,
        }


def store_writable(store: Store, timeout: float = 2.0) -> Check:
    """The database takes a write: on SQLite a no-op write under its lock on a short-timeout
    connection of its own (not the store's 30 s busy timeout); on PostgreSQL the same no-op write
    through the pool, with a lock timeout."""
    if store.engine == "sqlite":
        return database_writable(store.path, timeout)

    def check() -> str | None:
        try:
            with store.transaction() as tx:
                tx.execute(f"SET LOCAL lock_timeout = '{int(timeout * 1000)}ms'")
                tx.execute("UPDATE schema_version SET version = version")
        except StoreError as exc:
            return f"database not writable: {describe_store_error(exc)}"
        return None

    return check


def database_writable(path: Path, timeout: float = 2.0) -> Check:
    """A check that takes SQLite's write lock and makes a no-op write, then rolls it back.

    Uses its own short-timeout connection so a locked or read-only database answers in `timeout`
    seconds instead of hanging the health endpoint for the store's 30 s busy timeout.
    """

    def check() -> str | None:
        if not path.exists():
            return f"database {path} does not exist"
        try:
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            return f"database cannot be opened: {exc}"
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE schema_version SET version = version")
            conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            return f"database not writable: {exc}"
        finally:
            conn.close()
        return None

    return check


def monitor_running(monitor: MonitorLike, started_at: float, grace_seconds: float) -> Check:
    """The status poller is alive and its last poll is not long overdue.

    An unreadable status page does not fail this check (its polls still complete, with level
    `unknown`); a dead or stuck poller thread does, because /fal status and alerts then go stale.
    """

    def check() -> str | None:
        if not monitor.is_running():
            return "status monitor is not running"
        age = monitor.age_seconds()
        overdue_after = 3 * float(monitor.poll_seconds) + grace_seconds
        if age is None:
            if time.monotonic() - started_at > overdue_after:
                return "status monitor has not finished a poll since start"
            return None
        if age > overdue_after:
            return f"status monitor's last poll is {age:.0f} s old"
        return None

    return check


class Health:
    """Runs the checks for /healthz; the level and age come from the status monitor."""

    def __init__(
        self,
        monitor: MonitorLike | None,
        checks: dict[str, Check] | None = None,
        is_leader: Callable[[], bool] = lambda: True,
    ):
        self.monitor = monitor
        self.checks: dict[str, Check] = dict(checks or {})
        self.is_leader = is_leader

    def add_check(self, name: str, check: Check) -> None:
        self.checks[name] = check

    def report(self) -> HealthReport:
        problems: dict[str, str] = {}
        for name, check in list(self.checks.items()):
            try:
                problem = check()
            except Exception as exc:  # a broken check is itself a reason not to trust the app
                log.exception("health check %s raised", name)
                problem = f"check failed: {exc}"
            if problem:
                problems[name] = problem
        level, age = "unknown", None
        if self.monitor is not None:
            snapshot = self.monitor.latest()
            level = str(getattr(snapshot, "level", "unknown")) if snapshot is not None else "unknown"
            age = self.monitor.age_seconds()
        return HealthReport(
            ok=not problems, level=level, status_age_seconds=age, problems=problems, leader=self.is_leader()
        )


def installed(store: Store, team_id: str) -> Callable[[], str | None]:
    """The workspace still has the app: app_uninstalled / tokens_revoked (bot.slack.lifecycle) stop
    the team in the store; a start with a working token lifts that again (bot.alerts.sender). A token
    error answered to the alert sender does not: it is confirmed and watched by `TokenWatch`."""

    def check() -> str | None:
        if not team_id or store.team_sending_enabled(team_id):
            return None
        return f"Slack workspace {team_id} removed the app or revoked its token"

    return check


class SocketWatch:
    """Socket Mode's connection, for /healthz: down longer than the grace period is unhealthy."""

    def __init__(self, is_connected: Callable[[], bool], grace: float = SOCKET_DOWN_GRACE_SECONDS):
        self.is_connected = is_connected
        self.grace = grace
        self._down_since: float | None = None

    def check(self) -> str | None:
        if self.is_connected():
            self._down_since = None
            return None
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
        down_for = now - self._down_since
        if down_for > self.grace:
            return f"Socket Mode disconnected for {down_for:.0f} s"
        return None


class DatabaseWatch:
    """Stops the process when FAL_BOT_DB is deleted or replaced under it: SQLite would go on writing
    to the unlinked file and lose everything at the next start. Exiting non-zero lets a supervisor
    start it again on a fresh file (the start-up steps create and migrate it)."""

    def __init__(self, store: Store, on_lost: Callable[[str], None], interval: float = DB_CHECK_SECONDS):
        self.store = store
        self.on_lost = on_lost
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="database-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            problem = self.store.file_problem()
            if problem is not None:
                self.on_lost(problem)
                return
