"""`fal-bot run` wiring and lifecycle: settings -> checks -> store -> monitor -> app -> alerts -> serving.

Start-up refuses to run with a token or secret that cannot work, in one line that names the variable
and where in Slack's app settings to get it (exit 2), and never prints a token. If Slack's Web API
cannot be reached at start-up, `auth.test` is retried for about STARTUP_RETRY_SECONDS and then the
process exits 1 with the reason: a bot that never verified its token would look healthy while unable
to answer, and a supervisor (Docker's restart policy, systemd, Kubernetes) retries a failed start.

Both modes serve GET /healthz on PORT (HTTP mode also serves POST /slack/events there), start the
status monitor and the alert service in the background, and on SIGTERM/SIGINT stop taking requests,
finish what is in flight and exit 0 within SHUTDOWN_BUDGET_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from bot.store import Store
from bot.token_watch import TOKEN_ERRORS, TokenWatch

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.alerts import AlertService
    from bot.server import HttpServer, Router
    from bot.status import StatusMonitor

log = logging.getLogger(__name__)

Mode = Literal["socket", "http"]

STARTUP_RETRY_SECONDS = 20.0
AUTH_TEST_TIMEOUT_SECONDS = 5
# Exit within 10 s of SIGTERM (Docker's default grace period) with a margin for interpreter exit.
SHUTDOWN_BUDGET_SECONDS = 8.5
# How often `fal-bot run` checks that FAL_BOT_DB is still the file it opened.
DB_CHECK_SECONDS = 2.0
# How long Socket Mode may stay disconnected (it reconnects by itself) before /healthz says 503.
SOCKET_DOWN_GRACE_SECONDS = 60.0

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 1

APPS_PAGE = "api.slack.com/apps → your app"
BOT_TOKEN_WHERE = f"{APPS_PAGE} → OAuth & Permissions → Bot User OAuth Token (install the app first)"
APP_TOKEN_WHERE = f"{APPS_PAGE} → Basic Information → App-Level Tokens, with scope connections:write"
SIGNING_SECRET_WHERE = f"{APPS_PAGE} → Basic Information → App Credentials → Signing Secret"

# Prefixes worth naming when someone puts the wrong kind of token in a variable (never more).
KNOWN_PREFIXES = ("xoxb-", "xapp-", "xoxp-", "xoxe-", "xoxa-", "xoxc-", "xoxd-")


class StartupError(Exception):
    """fal-bot cannot start; `str()` is the one line to print, `exit_code` the status to exit with."""

    def __init__(self, message: str, exit_code: int = EXIT_CONFIG):
        super().__init__(message)
        self.exit_code = exit_code


def _secret(value: Any) -> str | None:
    """The plain value of an optional SecretStr; an empty string counts as unset."""
    if value is None:
        return None
    plain = value.get_secret_value()
    return plain or None


def _shape_problem(value: str, prefix: str) -> str | None:
    """Why `value` is not a `prefix` token, without ever quoting the value."""
    if value != value.strip():
        return "has spaces or a line break around it"
    if value[:1] in "\"'" or value[-1:] in "\"'":
        return "is wrapped in quotes"
    if not value.startswith(prefix):
        other = next((p for p in KNOWN_PREFIXES if value.startswith(p)), None)
        found = f"starts with {other}" if other else "has another shape"
        return f"does not start with {prefix} (it {found})"
    if any(ch.isspace() for ch in value):
        return "contains spaces or a line break"
    if "…" in value or "..." in value or value in (prefix, prefix + "your-token"):
        return f"is a placeholder ({prefix}…), not a real token"
    if not value.isascii() or not value.isprintable():
        return "contains characters a Slack token never has"
    return None


@dataclass(frozen=True)
class Tokens:
    bot_token: str
    app_token: str | None
    signing_secret: str | None


def resolve_mode(settings: Settings, requested: str | None) -> Mode:
    """--mode wins; otherwise socket when SLACK_APP_TOKEN is set, else http."""
    if requested in ("socket", "http"):
        return requested  # type: ignore[return-value]
    return "socket" if _secret(settings.slack_app_token) else "http"


def check_tokens(settings: Settings, mode: Mode) -> Tokens:
    """Every token and secret this mode needs is present and well-formed, or StartupError (exit 2)."""
    bot_token = _secret(settings.slack_bot_token)
    if bot_token is None:
        raise StartupError(f"SLACK_BOT_TOKEN is not set: set it to the xoxb-… token from {BOT_TOKEN_WHERE}.")
    if problem := _shape_problem(bot_token, "xoxb-"):
        raise StartupError(f"SLACK_BOT_TOKEN {problem}: use the xoxb-… token from {BOT_TOKEN_WHERE}.")
    app_token = _secret(settings.slack_app_token)
    if app_token is not None and (problem := _shape_problem(app_token, "xapp-")):
        raise StartupError(f"SLACK_APP_TOKEN {problem}: create an xapp-… token at {APP_TOKEN_WHERE}.")
    if mode == "socket" and app_token is None:
        raise StartupError(
            "Socket Mode needs SLACK_APP_TOKEN, which is not set: create an xapp-… token at "
            f"{APP_TOKEN_WHERE}, or run with --mode http."
        )
    secret = _secret(settings.slack_signing_secret)
    if mode == "http" and secret is None:
        raise StartupError(
            "HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests, and it is not set: "
            f"copy it from {SIGNING_SECRET_WHERE}."
        )
    if secret is not None and secret != secret.strip():
        raise StartupError(
            "SLACK_SIGNING_SECRET has spaces or a line break around it: copy it again from "
            f"{SIGNING_SECRET_WHERE}."
        )
    return Tokens(bot_token, app_token, secret)


def check_database_folder(path: Path) -> None:
    """FAL_BOT_DB's folder must exist: creating it would turn a typo into an empty database (and
    subscriptions that seem to vanish), so fal-bot refuses to start instead (exit 2)."""
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise StartupError(
            f"FAL_BOT_DB={path}: the folder {folder} {what}; fix the path or create the folder "
            "(fal-bot never creates it, so a typo cannot start an empty database)."
        )


def bot_token_rejected(error: str) -> StartupError:
    reason = TOKEN_ERRORS.get(error, "Slack refused it")
    return StartupError(
        f"SLACK_BOT_TOKEN was refused by Slack ({error}: {reason}): copy the current token from "
        f"{BOT_TOKEN_WHERE}, reinstalling the app if it was removed."
    )


def app_token_rejected(error: str) -> StartupError:
    reason = TOKEN_ERRORS.get(error, "Slack refused it")
    return StartupError(
        f"SLACK_APP_TOKEN was refused by Slack ({error}: {reason}): create a new token at {APP_TOKEN_WHERE}."
    )


def _unreachable(settings: Settings, what: str, reason: str, waited: float) -> StartupError:
    return StartupError(
        f"cannot reach Slack's Web API at {settings.slack_api_url} to {what} ({reason}); tried for "
        f"{waited:.0f} s. Check this machine's network or proxy (HTTPS_PROXY) access to slack.com, "
        "or SLACK_API_URL.",
        EXIT_UNAVAILABLE,
    )


def _describe(exc: BaseException) -> str:
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
        try:
            return attempt()
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "") if exc.response is not None else ""
            if error in TOKEN_ERRORS:
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
        except Exception as exc:  # connection refused, DNS, timeout, TLS...
            reason = _describe(exc)
        waited = time.monotonic() - started
        if waited + pause > budget:
            raise _unreachable(settings, what, reason, waited) from None
        log.warning("could not %s (%s); retrying in %.1f s", what, reason, pause)
        sleep(pause)
        pause = min(pause * 2, 5.0)


def verify_bot_token(
    settings: Settings,
    token: str,
    *,
    budget: float = STARTUP_RETRY_SECONDS,
    sleep: Callable[[float], Any] = time.sleep,
) -> dict[str, Any]:
    """auth.test with the bot token; returns its answer (team_id, user_id, bot_id...)."""
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=AUTH_TEST_TIMEOUT_SECONDS)

    def attempt() -> dict[str, Any]:
        return dict(client.auth_test().data)  # type: ignore[arg-type]

    answer: dict[str, Any] = with_startup_retries(
        settings,
        "verify SLACK_BOT_TOKEN (auth.test)",
        attempt,
        bot_token_rejected,
        budget=budget,
        sleep=sleep,
    )
    if not answer.get("bot_id"):
        raise StartupError(
            "SLACK_BOT_TOKEN is not a bot token (auth.test shows no bot): use the xoxb-… token from "
            f"{BOT_TOKEN_WHERE}."
        )
    return answer


def verify_app_token(
    settings: Settings,
    token: str,
    *,
    budget: float = STARTUP_RETRY_SECONDS,
    sleep: Callable[[float], Any] = time.sleep,
) -> None:
    """apps.connections.open with the app-level token, before anything starts, so a wrong token is
    one clear line. The WebSocket URL it issues is simply not used (Slack issues one per call)."""
    client = WebClient(base_url=settings.slack_api_url, timeout=AUTH_TEST_TIMEOUT_SECONDS)
    with_startup_retries(
        settings,
        "verify SLACK_APP_TOKEN (apps.connections.open)",
        lambda: client.apps_connections_open(app_token=token),
        app_token_rejected,
        budget=budget,
        sleep=sleep,
    )


# The token watch lives beside the alert sender, which asks it to confirm a refusal.
AuthWatch = TokenWatch


def installed(store: Store, team_id: str) -> Callable[[], str | None]:
    """The workspace still has the app: app_uninstalled / tokens_revoked (bot.slack.lifecycle) stop
    the team in the store; a start with a working token lifts that again (bot.alerts.sender). A token
    error answered to the alert sender does not: it is confirmed and watched by `AuthWatch`."""

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
    alerts: AlertService
    router: Router
    http: HttpServer | None
    auth_watch: AuthWatch
    socket: SocketModeHandler | None = None

    def stop(self, budget: float = SHUTDOWN_BUDGET_SECONDS) -> None:
        deadline = time.monotonic() + budget

        def left(cap: float) -> float:
            return max(0.05, min(cap, deadline - time.monotonic()))

        self.router.draining.set()  # /healthz says 503 from now on; new Slack requests get 503
        if self.socket is not None:
            _stop_socket(self.socket, left(5.0))
        if self.http is not None and not self.http.shutdown(timeout=left(5.0)):
            log.warning("shutdown: an HTTP request was still running at the deadline")
        from bot.slack.services import services_of

        if not services_of(self.app).shutdown(timeout=left(4.0)):
            log.warning("shutdown: Slack background work did not finish in time")
        bolt_executor = self.app.listener_runner.listener_executor
        shutdown = getattr(bolt_executor, "shutdown", None)
        if shutdown is not None:
            _join_within(lambda: shutdown(wait=True), left(2.0), "Bolt listeners")
        _join_within(lambda: self.alerts.stop(timeout=left(2.0)), left(2.5), "alerts")
        self.monitor.stop(timeout=left(1.0))
        self.auth_watch.stop()
        _flush_replay_record(self.router)
        self.store.close()


def _flush_replay_record(router: Router) -> None:
    """Write the signed requests served since the last batch, so a restarted process refuses them."""
    from bot.server import VerifiedSlackHandler

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


class Interrupted(StartupError):
    """SIGTERM/SIGINT arrived while start-up was still retrying: exit 0, nothing to clean."""

    def __init__(self) -> None:
        super().__init__("stopped before start-up finished", 0)


def _pause_unless_stopped(stop_event: threading.Event | None) -> Callable[[float], None]:
    def pause(seconds: float) -> None:
        if stop_event is not None and stop_event.wait(seconds):
            raise Interrupted()
        if stop_event is None:
            time.sleep(seconds)

    return pause


def build_runtime(
    settings: Settings, mode: Mode, host: str, port: int, stop_event: threading.Event | None = None
) -> Runtime:
    """Check, connect and wire everything; nothing is serving yet. Raises StartupError."""
    from bot.alerts import AlertService
    from bot.server import (
        Health,
        HttpServer,
        Router,
        VerifiedSlackHandler,
        database_writable,
        monitor_running,
    )
    from bot.slack.app import build_web_client, create_app
    from bot.status import StatusClient, StatusMonitor

    tokens = check_tokens(settings, mode)
    check_database_folder(settings.fal_bot_db)
    # Tokens before the database: a start that fails leaves no new file behind.
    identity = verify_bot_token(settings, tokens.bot_token, sleep=_pause_unless_stopped(stop_event))
    if mode == "socket":
        assert tokens.app_token is not None
        verify_app_token(settings, tokens.app_token, sleep=_pause_unless_stopped(stop_event))
    try:
        store = Store(settings.fal_bot_db)
    except Exception as exc:
        raise StartupError(
            f"FAL_BOT_DB: cannot open the database {settings.fal_bot_db} ({_describe(exc)})."
        ) from None
    log.info(
        "SLACK_BOT_TOKEN works: bot %s in workspace %s (%s)",
        identity.get("user_id"),
        identity.get("team"),
        identity.get("team_id"),
    )

    status_client = StatusClient(
        settings.fal_status_url, deadline_seconds=settings.fal_bot_status_deadline_seconds
    )
    monitor = StatusMonitor(status_client, poll_seconds=settings.fal_bot_poll_seconds)
    client = build_web_client(settings, tokens.bot_token)
    try:
        app = create_app(settings, client=client, store=store, monitor=monitor)
    except Exception as exc:  # Bolt's own auth.test failed between our check and now
        raise StartupError(f"could not start the Slack app: {_describe(exc)}", EXIT_UNAVAILABLE) from None
    auth_watch = AuthWatch(WebClient(token=tokens.bot_token, base_url=settings.slack_api_url, timeout=10))
    alerts = AlertService(
        settings=settings, store=store, client=client, monitor=monitor, token_watch=auth_watch
    )

    started_at = time.monotonic()
    health = Health(
        monitor,
        {
            "database": database_writable(settings.fal_bot_db),
            "status_monitor": monitor_running(
                monitor, started_at, grace_seconds=2 * settings.fal_bot_status_deadline_seconds + 30
            ),
            "database_file": store.file_problem,
            "slack_token": auth_watch.check,
            "slack_install": installed(store, str(identity.get("team_id") or "")),
        },
    )
    slack_handler = None
    if mode == "http":
        from bot.replay import SeenRequests
        from bot.slack_request import SlackHandler

        assert tokens.signing_secret is not None  # check_tokens requires it in HTTP mode
        replays = SeenRequests(store)
        slack_handler = VerifiedSlackHandler(SlackHandler(app), tokens.signing_secret, replays=replays)
    router = Router(health, slack_handler)
    http: HttpServer | None = None
    try:
        http = HttpServer(router, host, port)
    except OSError as exc:
        if mode == "http":
            raise StartupError(
                f"PORT {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); choose another with "
                "PORT or --port."
            ) from None
        log.warning("no /healthz: cannot listen on %s:%s (%s); Socket Mode runs without it", host, port, exc)

    socket_handler = None
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert tokens.app_token is not None
        socket_handler = SocketModeHandler(app, tokens.app_token)
        health.add_check("socket_mode", SocketWatch(socket_handler.client.is_connected).check)
    return Runtime(
        settings=settings,
        mode=mode,
        store=store,
        monitor=monitor,
        app=app,
        alerts=alerts,
        router=router,
        http=http,
        auth_watch=auth_watch,
        socket=socket_handler,
    )


def start_runtime(runtime: Runtime, stop_event: threading.Event | None = None) -> None:
    """Start the background services, then take requests."""
    from bot.slack.services import services_of

    runtime.monitor.start()
    runtime.alerts.start()
    runtime.auth_watch.start()
    services = services_of(runtime.app)
    # Load the knowledge base now rather than on the first pasted error.
    services.submit(lambda: services.diagnoser, "loading the knowledge base")
    if runtime.socket is not None:
        handler = runtime.socket

        def connect() -> None:
            handler.client.wss_uri = None  # a fresh URL on every try: Slack's are single-use
            handler.connect()
            if not handler.client.is_connected():
                raise ConnectionError("the WebSocket handshake failed")

        with_startup_retries(
            runtime.settings,
            "open a Socket Mode connection",
            connect,
            app_token_rejected,
            sleep=_pause_unless_stopped(stop_event),
        )
        log.info("connected to Slack in Socket Mode")
    if runtime.http is not None:
        runtime.http.start()
        routes = "POST /slack/events and GET /healthz" if runtime.mode == "http" else "GET /healthz"
        log.info("serving %s on http://%s:%s", routes, runtime.http.host, runtime.http.port)
    log.info("fal-bot is running in %s mode", "Socket" if runtime.mode == "socket" else "HTTP")


def run(settings: Settings, mode: Mode, host: str, port: int, stop_event: threading.Event) -> int:
    """Run until `stop_event` is set (SIGTERM/SIGINT), then stop cleanly. Raises StartupError."""
    runtime = build_runtime(settings, mode, host, port, stop_event)
    try:
        start_runtime(runtime, stop_event)
    except BaseException:
        runtime.stop(budget=4.0)
        raise
    lost: list[str] = []

    def database_lost(problem: str) -> None:
        log.error(
            "%s: exiting (status %d) so a supervisor restarts fal-bot on a fresh file; what it wrote "
            "since then is lost",
            problem,
            EXIT_UNAVAILABLE,
        )
        lost.append(problem)
        stop_event.set()

    database_watch = DatabaseWatch(runtime.store, database_lost)
    database_watch.start()
    stop_event.wait()
    database_watch.stop()
    log.info("stopping: finishing requests in flight")
    started = time.monotonic()
    runtime.stop()
    log.info("stopped in %.1f s", time.monotonic() - started)
    return EXIT_UNAVAILABLE if lost else 0
