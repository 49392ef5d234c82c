"""Background poller that keeps the latest status snapshot, so readers never touch the network.

The Slack app (`/fal status`, App Home, /healthz) and the alert engine read `latest()` /
`last_good()`; the alert engine also listens to every poll. Fetches are single flight: a refresh
asked for while one is running waits for that one instead of starting a second.

With several processes on one database (`replica`), only the leading one reads the page (and
runs the listeners); it publishes each snapshot, and the others read that instead, so /fal status
answers the same everywhere while exactly one process polls fal's page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from bot.status.client import StatusClient
from bot.status.models import StatusSnapshot, unknown_snapshot

log = logging.getLogger(__name__)

# A follower reads the leader's snapshot from the database at least this often (a cheap read), so it
# shows a new leader's first poll within seconds, not a whole poll interval later.
FOLLOWER_READ_SECONDS = 2.0

# Whatever a listener returns is ignored (the alert engine may return the events it derived).
Listener = Callable[[StatusSnapshot], object]


class Replica(Protocol):
    """How a process shares its readings with the others (bot.status.shared.SharedStatus)."""

    def is_leader(self) -> bool: ...

    def publish(self, latest: StatusSnapshot, last_good: StatusSnapshot | None) -> None: ...

    def read(self) -> tuple[StatusSnapshot, StatusSnapshot | None, float] | None:
        """(latest, last_good, age in seconds) as the leader last published them."""
        ...


class _Flight:
    """One fetch in progress; everyone who asks while it runs gets its result."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: StatusSnapshot | None = None


class StatusMonitor:
    def __init__(
        self,
        client: StatusClient,
        *,
        poll_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        replica: Replica | None = None,
    ):
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be positive")
        self.client = client
        self.poll_seconds = poll_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners_lock = threading.Lock()  # listeners never run two at a time
        self._listeners: list[Listener] = []
        self._flight: _Flight | None = None
        self._latest: StatusSnapshot | None = None
        self._latest_at: float | None = None
        self._polled_at: float | None = None  # when this process last refreshed (schedules the next)
        self.replica = replica
        self._last_good: StatusSnapshot | None = None
        self._stop = threading.Event()
        self._poke = threading.Event()  # poll now (this process just became the leader)
        self._thread: threading.Thread | None = None

    # --- readers (no network) ---------------------------------------------------------------------

    def latest(self) -> StatusSnapshot | None:
        """The last poll's result, which may be `unknown`; None before the first poll ends."""
        with self._lock:
            return self._latest

    def last_good(self) -> StatusSnapshot | None:
        """The last snapshot whose level was known."""
        with self._lock:
            return self._last_good

    def age_seconds(self) -> float | None:
        """Seconds since latest() was taken."""
        with self._lock:
            taken = self._latest_at
        return None if taken is None else max(0.0, self._clock() - taken)

    def add_listener(self, callback: Callable[[StatusSnapshot], object]) -> None:
        """`callback(snapshot)` runs after every poll, success or failure, in the thread that polled
        (the poller, or a refresh() caller); listeners never run two at a time. Its return value is
        ignored and an exception is logged, never passed on."""
        with self._lock:
            self._listeners.append(callback)

    # --- polling ----------------------------------------------------------------------------------

    def refresh(self) -> StatusSnapshot:
        """Poll now. Concurrent callers share one in-flight fetch (single flight)."""
        with self._lock:
            flight = self._flight
            leader = flight is None
            if flight is None:
                flight = self._flight = _Flight()
        if not leader:
            flight.done.wait()
            assert flight.result is not None
            return flight.result
        if self.replica is not None and not self.replica.is_leader():
            return self._follow(flight)
        try:
            snapshot = self.client.fetch()
        except Exception as exc:  # fetch() promises not to raise; belt and braces for the poller
            log.exception("status fetch raised")
            snapshot = unknown_snapshot(self.client.base_url, f"fal-bot could not read the page ({exc})")
        with self._lock:
            self._polled_at = self._clock()
            self._latest = snapshot
            self._latest_at = self._clock()
            if snapshot.ok:
                self._last_good = snapshot
            flight.result = snapshot
            self._flight = None
            listeners = list(self._listeners)
        flight.done.set()
        if self.replica is not None:
            self._publish(snapshot)
        self._notify(listeners, snapshot)
        return snapshot

    def _publish(self, snapshot: StatusSnapshot) -> None:
        assert self.replica is not None
        try:
            self.replica.publish(snapshot, self.last_good())
        except Exception as exc:  # the others read an older snapshot until the next poll
            log.warning("could not share the status snapshot with the other processes (%s)", exc)

    def _follow(self, flight: _Flight) -> StatusSnapshot:
        """Another process leads: take its last published snapshot instead of reading the page."""
        assert self.replica is not None
        try:
            shared = self.replica.read()
        except Exception as exc:
            log.warning("could not read the shared status snapshot (%s)", exc)
            shared = None
        now = self._clock()
        with self._lock:
            self._polled_at = now
            if shared is not None:
                latest, last_good, age = shared
                self._latest, self._latest_at = latest, now - max(0.0, age)
                self._last_good = last_good or self._last_good
            snapshot = self._latest or unknown_snapshot(
                self.client.base_url, "no fal-bot process has read the status page yet"
            )
            flight.result = snapshot
            self._flight = None
        flight.done.set()
        return snapshot

    def _notify(self, listeners: list[Listener], snapshot: StatusSnapshot) -> None:
        if self._stop.is_set():
            return
        with self._listeners_lock:
            for listener in listeners:
                try:
                    listener(snapshot)
                except Exception:
                    log.exception("status listener %r failed", listener)

    def start(self) -> None:
        """Poll now and then every poll_seconds, in a daemon thread."""
        if self.is_running():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="status-monitor", daemon=True)
        self._thread.start()

    def poll_now(self) -> None:
        """Poll at once instead of at the next tick."""
        self._poke.set()

    def is_running(self) -> bool:
        """Whether the poller thread is alive (False before start() and after it stopped or died)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the poller to stop and wait up to `timeout` s. A fetch in flight is abandoned
        (its thread is a daemon and ends by its own deadline) and notifies no one."""
        self._stop.set()
        self._poke.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                taken = self._polled_at
            following = self.replica is not None and not self.replica.is_leader()
            interval = min(self.poll_seconds, FOLLOWER_READ_SECONDS) if following else self.poll_seconds
            wait = 0.0 if taken is None else interval - (self._clock() - taken)
            # A refresh() from a reader counts as a poll: wait from the newest snapshot.
            if wait > 0 and not self._poke.is_set():
                self._poke.wait(wait)
                if self._stop.is_set():
                    return
                if not self._poke.is_set():
                    continue
            self._poke.clear()
            try:
                self.refresh()
            except Exception:
                log.exception("status poll failed")
                self._stop.wait(self.poll_seconds)
