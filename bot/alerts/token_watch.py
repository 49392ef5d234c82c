"""The bot token's standing with Slack, shared by /healthz and the alert sender.

One refusal is not proof: a Web API call that answers `invalid_auth` (or another token error) is
confirmed with `auth.test` before anything treats the token as gone (`confirm()`). While
`auth.test` refuses it, `/healthz` says 503 and the alert sender holds its rows; the watch then
re-checks soon and often (5 s, doubling up to the normal interval), and the moment Slack accepts the
token again it clears the problem and tells its listeners (the sender sends what it held), without a
restart. Network trouble never counts as a refusal, nor as proof that the token works.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.errors import TOKEN_GONE, error_code

log = logging.getLogger(__name__)

# How often a running bot re-checks its token, so /healthz notices an uninstall or revocation.
RECHECK_SECONDS = 300.0
# While Slack refuses the token: the first re-check after this, doubling up to RECHECK_SECONDS.
REFUSED_RECHECK_SECONDS = 5.0
# Several senders hitting the same refusal at once share one auth.test answer this fresh.
CONFIRM_REUSE_SECONDS = 1.0

# auth.test / apps.connections.open errors that mean the token itself is wrong or dead (bot.slack.errors).

Verdict = Literal["works", "refused", "unknown"]


class TokenWatch:
    """`check()` for /healthz; `confirm(error)` for code that just saw a token error; `refused` for
    code that must hold off; `on_recovered(callback)` to hear when the token works again."""

    def __init__(
        self,
        client: WebClient,
        interval: float = RECHECK_SECONDS,
        *,
        refused_interval: float = REFUSED_RECHECK_SECONDS,
        watching: bool = True,
    ):
        """`watching=False`: there is no one bot token to watch (OAuth installs, one per workspace):
        `start()` does nothing and the token is never called refused."""
        self.watching = watching
        self.client = client
        self.interval = interval
        self.refused_interval = min(refused_interval, interval)
        self.problem: str | None = None
        self.refused_error: str | None = None  # the token error auth.test gave, while it gives one
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()  # one auth.test at a time
        self._checked_at = float("-inf")
        self._last: Verdict = "unknown"
        self._refused_checks = 0
        self._next_check = time.monotonic() + interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="auth-watch", daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        if self.watching and not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def on_recovered(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    # -- state ----------------------------------------------------------------------------------
    @property
    def refused(self) -> bool:
        return self.refused_error is not None

    def check(self) -> str | None:
        """For /healthz: why the token cannot be used, or None."""
        return self.problem

    def mark_revoked(self, reason: str) -> None:
        """For listeners that learn it first (app_uninstalled, tokens_revoked)."""
        self.problem = f"Slack token no longer valid ({reason})"

    # -- checking -------------------------------------------------------------------------------
    def confirm(self, error: str) -> Verdict:
        """A Web API call just answered `error` (a token error): ask auth.test whether the token
        really is gone. An answer from the last second is reused."""
        with self._lock:
            if time.monotonic() - self._checked_at <= CONFIRM_REUSE_SECONDS:
                return self._last
        verdict = self.check_once()
        if verdict == "works":
            log.warning(
                "Slack answered %s once but auth.test accepts SLACK_BOT_TOKEN: treating it as a glitch", error
            )
        return verdict

    def check_once(self) -> Verdict:
        with self._lock:
            verdict, error = self._auth_test()
            self._checked_at = time.monotonic()
            self._last = verdict
            recovered = False
            if verdict == "refused":
                if self.refused_error is None:
                    log.error(
                        "Slack refuses SLACK_BOT_TOKEN (%s): alerts are held until it works again; "
                        "reinstall the app or replace the token",
                        error,
                    )
                    self._refused_checks = 0
                self.refused_error = error
                self.mark_revoked(error)
                delay = min(self.refused_interval * 2**self._refused_checks, self.interval)
                self._refused_checks += 1
                self._next_check = time.monotonic() + delay
            elif verdict == "works":
                recovered = self.refused_error is not None
                if recovered:
                    log.warning("Slack accepts SLACK_BOT_TOKEN again: sending the alerts held meanwhile")
                self.refused_error = None
                self.problem = None
                self._next_check = time.monotonic() + self.interval
            else:
                pause = self.refused_interval if self.refused else self.interval
                self._next_check = time.monotonic() + pause
        if recovered:
            for listener in list(self._listeners):
                try:
                    listener()
                except Exception:
                    log.exception("a token-recovered listener failed")
        return verdict

    def _auth_test(self) -> tuple[Verdict, str]:
        try:
            self.client.auth_test()
        except SlackApiError as exc:
            error = error_code(exc)
            if error in TOKEN_GONE:
                return "refused", error
            log.info("token re-check inconclusive: Slack answered %s", error or exc.response.status_code)
            return "unknown", error
        except Exception as exc:
            log.info("token re-check skipped: Slack unreachable (%s)", type(exc).__name__)
            return "unknown", ""
        return "works", ""

    def _run(self) -> None:
        tick = max(0.05, min(1.0, self.refused_interval))
        while not self._stop.wait(tick):
            if time.monotonic() >= self._next_check:
                self.check_once()
