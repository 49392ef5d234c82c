"""Start-up of `fal-bot run`: the error that stops it, and retrying Slack while it comes up.

If Slack's Web API cannot be reached at start-up, a call is retried with backoff for about
STARTUP_RETRY_SECONDS and then the process exits 1 with the reason: a bot that never verified its
token would look healthy while unable to answer, and a supervisor (Docker's restart policy,
systemd, Kubernetes) retries a failed start. A token Slack refuses stops at once (exit 2).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from bot.slack.errors import TOKEN_GONE, error_code

log = logging.getLogger(__name__)

STARTUP_RETRY_SECONDS = 20.0
EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 1


class StartupError(Exception):
    """fal-bot cannot start; `str()` is the one line to print, `exit_code` the status to exit with."""

    def __init__(self, message: str, exit_code: int = EXIT_CONFIG):
        super().__init__(message)
        self.exit_code = exit_code


class Interrupted(StartupError):
    """SIGTERM/SIGINT arrived while start-up was still retrying: exit 0, nothing to clean."""

    def __init__(self) -> None:
        super().__init__("stopped before start-up finished", 0)


def pause_unless_stopped(stop_event: threading.Event | None) -> Callable[[float], None]:
    def pause(seconds: float) -> None:
        if stop_event is not None and stop_event.wait(seconds):
            raise Interrupted()
        if stop_event is None:
            time.sleep(seconds)

    return pause


class WebSocketUnreachable(ConnectionError):
    """Slack's Web API answered (apps.connections.open), but the WebSocket host it named did not."""

    def __init__(self, host: str, reason: str):
        super().__init__(reason)
        self.host = host


def _unreachable(
    settings: Settings, what: str, reason: str, waited: float, websocket_host: str | None = None
) -> StartupError:
    if websocket_host:
        # the Web API is fine: a firewall or proxy that lets HTTPS through but not WebSockets
        return StartupError(
            f"Slack's Web API answered, but its WebSocket host {websocket_host} could not be reached to "
            f"{what} ({reason}); tried for {waited:.0f} s. Check that this machine's network or proxy "
            f"allows WebSocket (wss://, port 443) connections to {websocket_host}, or use HTTP mode.",
            EXIT_UNAVAILABLE,
        )
    return StartupError(
        f"cannot reach Slack's Web API at {settings.slack_api_url} to {what} ({reason}); tried for "
        f"{waited:.0f} s. Check this machine's network or proxy (HTTPS_PROXY) access to slack.com, "
        "or SLACK_API_URL.",
        EXIT_UNAVAILABLE,
    )


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def with_startup_retries(
    settings: Settings,
    what: str,
    attempt: Callable[[], Any],
    on_rejected: Callable[[str], StartupError],
    *,
    budget: float = STARTUP_RETRY_SECONDS,
    sleep: Callable[[float], Any] = time.sleep,
) -> Any:
    """Call `attempt` until it works; a token error stops at once, anything else is retried with
    backoff for `budget` seconds (Slack or the network having a bad moment)."""
    started = time.monotonic()
    pause = 0.5
    while True:
        websocket_host = None
        try:
            return attempt()
        except SlackApiError as exc:
            error = error_code(exc)
            if error in TOKEN_GONE:
                raise on_rejected(error) from None
            status = exc.response.status_code if exc.response is not None else 0
            reason = error or f"HTTP {status}"
            if (
                status not in (429,)
                and status < 500
                and error not in ("ratelimited", "fatal_error", "internal_error")
            ):
                # A definite answer that is not about the token: not worth retrying.
                raise StartupError(
                    f"Slack answered {reason} when fal-bot tried to {what}.", EXIT_UNAVAILABLE
                ) from None
        except StartupError:
            raise
        except WebSocketUnreachable as exc:
            reason, websocket_host = describe(exc), exc.host
        except Exception as exc:  # connection refused, DNS, timeout, TLS...
            reason = describe(exc)
        waited = time.monotonic() - started
        if waited + pause > budget:
            raise _unreachable(settings, what, reason, waited, websocket_host) from None
        log.warning("could not %s (%s); retrying in %.1f s", what, reason, pause)
        sleep(pause)
        pause = min(pause * 2, 5.0)
