"""`AlertService`: runs the alert pieces beside the Slack app inside `fal-bot run`.

It listens to the `StatusMonitor` (one call per poll, in the poller's thread) and runs the
sender's threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from slack_sdk import WebClient

from bot.alerts.events import Event
from bot.alerts.outbox import AlertEngine, Outbox
from bot.alerts.sender import DEFAULT_WORKERS, AlertSender
from bot.alerts.token_watch import TokenWatch
from bot.incidents.early import confirm as confirm_early_warnings
from bot.metrics import Metrics
from bot.settings import Settings
from bot.status.models import StatusSnapshot
from bot.store import Store, StoreError, describe_store_error

log = logging.getLogger(__name__)

__all__ = ["AlertService"]


class SnapshotSource(Protocol):
    def add_listener(self, callback: Callable[[StatusSnapshot], None]) -> None: ...

    def latest(self) -> StatusSnapshot | None: ...


class AlertService:
    """Runs the alert engine beside the Slack app. `fal-bot run` calls start() and stop()."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        client: WebClient,
        monitor: SnapshotSource | None,
        workers: int = DEFAULT_WORKERS,
        token_watch: TokenWatch | None = None,
        is_leader: Callable[[], bool] = lambda: True,
        metrics: Metrics | None = None,
        team_client: Callable[[str], WebClient | None] | None = None,
    ):
        """`is_leader`: with several processes on one database, only the leader turns polls into
        alerts and sends them (bot.database.leader); alone, a process always leads."""
        self.settings = settings
        self.is_leader = is_leader
        self.store = store
        self.monitor = monitor
        self.engine = AlertEngine(
            store,
            unknown_note_after_seconds=settings.unknown_note_seconds,
            poll_seconds=settings.fal_bot_poll_seconds,
        )
        # `client` must have no retry handlers: the app's client sleeps on 429, the sender reschedules.
        self.sender = AlertSender(
            store,
            client,
            workers=workers,
            token_watch=token_watch,
            metrics=metrics,
            is_leader=is_leader,
            team_client=team_client,
        )
        self.outbox = Outbox(store)
        self._started = False
        self._stopping = threading.Event()
        self._store_trouble: str | None = None  # the database error polls are failing with

    def start(self) -> None:
        """Deliver what an earlier run left unsent, and follow every status poll from now on."""
        if self._started:
            return
        self._started = True
        self._stopping.clear()
        self.sender.start()
        if self.monitor is not None:
            self.monitor.add_listener(self._listen)
            latest = self.monitor.latest()  # a poll that ended before we listened
            if latest is not None:
                self.on_snapshot(latest)

    def _listen(self, snapshot: StatusSnapshot) -> None:
        self.on_snapshot(snapshot)

    def on_snapshot(self, snapshot: StatusSnapshot) -> list[Event]:
        """One poll: store the new state and queue its rows (one transaction), then wake the sender."""
        if self._stopping.is_set() or not self.is_leader():
            return []
        try:
            events = self.engine.observe(snapshot)
            # After the incident's own rows, so its alert is queued first in each channel.
            confirm_early_warnings(self.store, snapshot)
        except StoreError as exc:  # read-only or full database: one line a spell, no traceback
            problem = describe_store_error(exc)
            if problem != self._store_trouble:
                log.warning(
                    "alerts: could not store a status poll (database: %s); every poll retries", problem
                )
            self._store_trouble = problem
            return []
        except Exception:
            log.exception("alerts: could not process a status poll; the next poll retries")
            return []
        if self._store_trouble is not None:
            log.warning("alerts: status polls are stored again")
            self._store_trouble = None
        self.sender.wake()
        return events

    def stop(self, timeout: float = 5.0) -> None:
        """Stop within `timeout` seconds; unsent rows stay in the outbox for the next start."""
        self._stopping.set()
        self.sender.stop(timeout)
