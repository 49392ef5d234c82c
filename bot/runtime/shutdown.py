"""Stopping `fal-bot run`: on SIGTERM/SIGINT stop taking requests, finish what is in flight, and
exit 0 within SHUTDOWN_BUDGET_SECONDS (Docker's grace period is 10 s)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.alerts.token_watch import TokenWatch
from bot.database.leader import Leadership, SoleProcess
from bot.runtime.tokens import Mode
from bot.settings import Settings
from bot.store import Store

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.alerts import AlertService
    from bot.runtime.http import HttpServer, Router
    from bot.slack.services import Services
    from bot.status import StatusMonitor

log = logging.getLogger(__name__)

# Exit within 10 s of SIGTERM (Docker's default grace period) with a margin for interpreter exit.
SHUTDOWN_BUDGET_SECONDS = 8.5


def _join_within(work: Callable[[], Any], timeout: float, name: str) -> bool:
    """Run `work` in a daemon thread, waiting at most `timeout` s; False when it was still running."""
    thread = threading.Thread(target=work, name=f"stop-{name}", daemon=True)
    thread.start()
    thread.join(max(0.05, timeout))
    if thread.is_alive():
        log.warning("shutdown: %s did not finish in time", name)
        return False
    return True


@dataclass
class Runtime:
    """Everything `fal-bot run` started, and the order to stop it in."""

    settings: Settings
    mode: Mode
    store: Store
    monitor: StatusMonitor
    app: App
    services: Services
    alerts: AlertService
    router: Router
    http: HttpServer | None
    token_watch: TokenWatch
    socket: SocketModeHandler | None = None
    leadership: Leadership = field(default_factory=SoleProcess)

    def is_leader(self) -> bool:
        """Whether this process polls the status page and sends alerts (for /healthz, /metrics)."""
        return self.leadership.is_leader()

    def stop(self, budget: float = SHUTDOWN_BUDGET_SECONDS) -> None:
        deadline = time.monotonic() + budget

        def left(cap: float) -> float:
            return max(0.05, min(cap, deadline - time.monotonic()))

        self.router.draining.set()  # /healthz says 503 from now on; new Slack requests get 503
        if self.socket is not None:
            _stop_socket(self.socket, left(5.0))
        if self.http is not None and not self.http.shutdown(timeout=left(5.0)):
            log.warning("shutdown: an HTTP request was still running at the deadline")
        if not self.services.shutdown(timeout=left(4.0)):
            log.warning("shutdown: Slack background work did not finish in time")
        bolt_executor = self.app.listener_runner.listener_executor
        shutdown = getattr(bolt_executor, "shutdown", None)
        if shutdown is not None:
            _join_within(lambda: shutdown(wait=True), left(2.0), "Bolt listeners")
        _join_within(lambda: self.alerts.stop(timeout=left(2.0)), left(2.5), "alerts")
        self.monitor.stop(timeout=left(1.0))
        # After the sender stopped: another process may take over (and check what was in flight).
        _join_within(self.leadership.stop, left(1.0), "leader lease")
        self.token_watch.stop()
        _flush_replay_record(self.router)
        self.store.close()


def _flush_replay_record(router: Router) -> None:
    """Write the signed requests served since the last batch, so a restarted process refuses them."""
    from bot.runtime.http import VerifiedSlackHandler

    handler = router.slack_handler
    if isinstance(handler, VerifiedSlackHandler) and handler.replays is not None:
        try:
            handler.replays.flush()
        except Exception as exc:
            log.warning("shutdown: could not record the last Slack requests served (%s)", exc)


def _stop_socket(handler: SocketModeHandler, timeout: float) -> None:
    """Stop reading new Socket Mode messages, let the ones being handled ack, then disconnect."""
    client = handler.client
    client.auto_reconnect_enabled = False

    def drain_then_close() -> None:
        started = time.monotonic()
        client.closed = True  # the message processor stops taking envelopes off the queue
        if client.message_processor.is_alive():
            client.message_processor.shutdown()
        client.message_workers.shutdown(wait=True)  # in-flight listeners ack on the still-open socket
        drained = time.monotonic()
        handler.close()  # about 3 s: the built-in client joins its interval runners
        log.info(
            "Socket Mode: drained in %.1f s, closed in %.1f s", drained - started, time.monotonic() - drained
        )

    _join_within(drain_then_close, timeout, "Socket Mode")
