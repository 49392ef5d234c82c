"""`fal-bot run`, wired in one place: settings -> checks -> store -> monitor -> app -> alerts -> serving.

Each shared part (the store, the status monitor, the Web API client, the token watch) is built
once here and passed down. Both modes serve GET /healthz on PORT (HTTP mode also serves POST
/slack/events there), start the status monitor and the alert service in the background, and stop
cleanly on SIGTERM/SIGINT (bot.runtime.shutdown).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import psycopg
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts.token_watch import TokenWatch
from bot.database import redacted_location
from bot.database.leader import AdvisoryLockLeadership, Leadership, SoleProcess
from bot.diagnosis import warm_for_many_pastes
from bot.logging_setup import set_default_team_id
from bot.metrics import Metrics, PrometheusMetrics
from bot.runtime.health import (
    DatabaseWatch,
    Health,
    SocketWatch,
    installed,
    monitor_running,
    store_writable,
)
from bot.runtime.http import HttpServer, Router, VerifiedSlackHandler
from bot.runtime.shutdown import Runtime
from bot.runtime.startup import (
    EXIT_UNAVAILABLE,
    StartupError,
    WebSocketUnreachable,
    describe,
    pause_unless_stopped,
    with_startup_retries,
)
from bot.runtime.tokens import (
    AUTH_TEST_TIMEOUT_SECONDS,
    Mode,
    app_token_rejected,
    check_database_folder,
    check_tokens,
    verify_app_token,
    verify_bot_token,
)
from bot.settings import Settings
from bot.store import Store

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.alerts import AlertService
    from bot.runtime.slack_request import SlackHandler
    from bot.slack.services import Services
    from bot.status import StatusMonitor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackClients:
    """Every Web API client `fal-bot run` uses, each built once, here."""

    replies: WebClient  # listeners: retries 429 and dropped connections by sleeping, so only off the ack path
    sender: WebClient  # the alert sender: no retry handlers, it reschedules a 429 itself
    checks: WebClient  # auth.test at start-up and by the token watch: no retries, a short timeout
    app_level: WebClient  # apps.connections.open with the app-level token (Socket Mode)


def slack_clients(settings: Settings, bot_token: str | None, metrics: Metrics | None = None) -> SlackClients:
    """Every client counts its failed calls in `metrics` (falbot_slack_api_errors_total)."""
    from bot.alerts.sender import CLIENT_TIMEOUT_SECONDS
    from bot.slack.app import build_web_client
    from bot.slack.errors import CountingWebClient

    on_error = metrics.slack_api_error if metrics is not None else None

    def plain(token: str | None, timeout: int) -> WebClient:
        # retry_handlers=[]: slack_sdk's default retries a dropped connection once by itself, so
        # each start-up retry was tried (and logged) twice; fal-bot decides about retries here.
        return CountingWebClient(
            on_error=on_error,
            token=token,
            base_url=settings.slack_api_url,
            timeout=timeout,
            retry_handlers=[],
        )

    return SlackClients(
        replies=build_web_client(settings, bot_token, metrics),
        sender=plain(bot_token, CLIENT_TIMEOUT_SECONDS),
        checks=plain(bot_token, AUTH_TEST_TIMEOUT_SECONDS),
        app_level=plain(None, AUTH_TEST_TIMEOUT_SECONDS),
    )


def build_runtime(
    settings: Settings, mode: Mode, host: str, port: int, stop_event: threading.Event | None = None
) -> Runtime:
    """Check, connect and wire everything; nothing is serving yet. Raises StartupError."""
    from bot.alerts import AlertService
    from bot.slack.app import build_services, create_app

    tokens = check_tokens(settings, mode)
    check_database_folder(settings.fal_bot_db)
    scopes = _oauth_scopes() if tokens.oauth else None
    metrics: Metrics = PrometheusMetrics(mode=mode) if settings.fal_bot_metrics else Metrics()
    clients = slack_clients(settings, tokens.bot_token, metrics)
    identity: dict[str, object] = {}
    if tokens.bot_token is not None:
        # Tokens before the database: a start that fails leaves no new file behind.
        identity = verify_bot_token(settings, clients.checks, sleep=pause_unless_stopped(stop_event))
    if mode == "socket":
        assert tokens.app_token is not None
        verify_app_token(
            settings, clients.app_level, tokens.app_token, sleep=pause_unless_stopped(stop_event)
        )
    store = _open_store(settings)
    set_default_team_id(str(identity.get("team_id") or "") or None)
    leadership = _leadership(settings, store)
    if tokens.oauth:
        log.info("installing into many workspaces (OAuth): each workspace's token comes from FAL_BOT_DB")
    else:
        log.info(
            "SLACK_BOT_TOKEN works: bot %s in workspace %s (%s)",
            identity.get("user_id"),
            identity.get("team"),
            identity.get("team_id"),
        )
    monitor = _status_monitor(settings, store, leadership)
    services = build_services(
        settings, store=store, monitor=monitor, client=clients.replies, metrics=metrics, oauth_scopes=scopes
    )
    try:
        app = create_app(services)
    except Exception as exc:  # Bolt's own auth.test failed between our check and now
        raise StartupError(f"could not start the Slack app: {describe(exc)}", EXIT_UNAVAILABLE) from None
    token_watch = TokenWatch(clients.checks, watching=not tokens.oauth)
    alerts = AlertService(
        settings=settings,
        store=store,
        client=clients.sender,
        monitor=monitor,
        token_watch=token_watch,
        is_leader=leadership.is_leader,
        metrics=metrics,
        team_client=_team_client(services, clients.sender) if services.oauth is not None else None,
    )
    if isinstance(leadership, AdvisoryLockLeadership):
        leadership.on_change = lambda leading: _took_over(monitor, alerts) if leading else None
    _watch(metrics, store, monitor, leadership.is_leader)
    health = _health(settings, store, monitor, token_watch, str(identity.get("team_id") or ""))
    health.is_leader = leadership.is_leader
    router = Router(
        health,
        _slack_handler(app, services, store, tokens.signing_secret, metrics) if mode == "http" else None,
        metrics,
        oauth_handler=_oauth_handler(app) if services.oauth is not None else None,
    )
    socket_handler = None
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.runtime.socket_mode import TimedSocketModeHandler

        assert tokens.app_token is not None
        socket_handler = (
            TimedSocketModeHandler(app, tokens.app_token, metrics)
            if metrics.enabled
            else SocketModeHandler(app, tokens.app_token)
        )
        health.add_check("socket_mode", SocketWatch(socket_handler.client.is_connected).check)
    return Runtime(
        settings=settings,
        mode=mode,
        store=store,
        monitor=monitor,
        app=app,
        services=services,
        alerts=alerts,
        router=router,
        http=_http_server(router, mode, host, port),
        token_watch=token_watch,
        socket=socket_handler,
        leadership=leadership,
    )


def _oauth_scopes() -> list[str]:
    """The bot scopes an install asks for: app_manifest.yml's (one source of truth)."""
    from bot.slack.installations import ManifestNotFound, manifest_scopes

    try:
        return manifest_scopes()
    except ManifestNotFound as exc:
        raise StartupError(
            f"OAuth installs ask for app_manifest.yml's bot scopes, but {exc}: run fal-bot from the "
            "folder that holds it (the repository, or /app in the Docker image)."
        ) from None


def _team_client(services: Services, sender: WebClient) -> Callable[[str], WebClient | None]:
    """team_id -> a client like the sender's (no retry handlers) with that workspace's token."""
    from bot.slack.errors import CountingWebClient
    from bot.slack.installations import StoreInstallations, team_clients

    assert services.oauth is not None and isinstance(services.oauth.installation_store, StoreInstallations)
    on_error = services.metrics.slack_api_error if services.metrics.enabled else None

    def build(token: str) -> WebClient:
        return CountingWebClient(
            on_error=on_error,
            token=token,
            base_url=sender.base_url,
            timeout=sender.timeout,
            retry_handlers=[],
        )

    return team_clients(services.oauth.installation_store, build)


def _oauth_handler(app: App) -> SlackHandler:
    """GET /slack/install and /slack/oauth_redirect: Bolt's OAuth flow (no signature: a browser)."""
    from bot.runtime.slack_request import SlackHandler

    return SlackHandler(app)


def _open_store(settings: Settings) -> Store:
    try:
        return Store(settings.fal_bot_db)
    except psycopg.OperationalError as exc:  # the server is down or starting: worth a restart
        raise StartupError(
            f"FAL_BOT_DB: cannot reach the database {redacted_location(settings.fal_bot_db)} "
            f"({describe(exc)}).",
            EXIT_UNAVAILABLE,
        ) from None
    except Exception as exc:
        raise StartupError(
            f"FAL_BOT_DB: cannot open the database {redacted_location(settings.fal_bot_db)} "
            f"({describe(exc)})."
        ) from None


def _took_over(monitor: StatusMonitor, alerts: AlertService) -> None:
    """Now the leader: poll at once and send what the last leader left (its fan-out in flight)."""
    monitor.poll_now()
    alerts.sender.wake()


def _leadership(settings: Settings, store: Store) -> Leadership:
    """One process polls and sends: on PostgreSQL the holder of the leader lock, on SQLite this one."""
    if store.engine == "postgresql":
        return AdvisoryLockLeadership(store.url)
    return SoleProcess()


def _status_monitor(settings: Settings, store: Store, leadership: Leadership) -> StatusMonitor:
    from bot.status import StatusClient, StatusMonitor
    from bot.status.shared import SharedStatus

    status_client = StatusClient(
        settings.fal_status_url, deadline_seconds=settings.fal_bot_status_deadline_seconds
    )
    replica = SharedStatus(store, leadership) if store.engine == "postgresql" else None
    return StatusMonitor(status_client, poll_seconds=settings.fal_bot_poll_seconds, replica=replica)


def _watch(metrics: Metrics, store: Store, monitor: StatusMonitor, is_leader: Callable[[], bool]) -> None:
    """What /metrics reads at scrape time: the outbox, the status monitor, whether this process polls
    and sends (the leader: always on SQLite, the holder of the leader lease on PostgreSQL)."""
    from bot.alerts.outbox import Outbox

    outbox = Outbox(store)
    metrics.watch_outbox(outbox.pending_count)

    def level() -> str:
        snapshot = monitor.latest()
        return str(snapshot.level) if snapshot is not None else "unknown"

    metrics.watch_status(level, monitor.age_seconds)
    metrics.watch_leader(lambda: is_leader() and monitor.is_running())


def _health(
    settings: Settings, store: Store, monitor: StatusMonitor, token_watch: TokenWatch, team_id: str
) -> Health:
    started_at = time.monotonic()
    return Health(
        monitor,
        {
            "database": store_writable(store),
            "status_monitor": monitor_running(
                monitor, started_at, grace_seconds=2 * settings.fal_bot_status_deadline_seconds + 30
            ),
            "database_file": store.file_problem,
            "slack_token": token_watch.check,
            "slack_install": installed(store, team_id),
        },
    )


def _slack_handler(
    app: App, services: Services, store: Store, signing_secret: str | None, metrics: Metrics
) -> VerifiedSlackHandler:
    """POST /slack/events: signature first, replays refused, commands answered by their ack alone
    answered at once, then Bolt."""
    from bot.runtime.replay import SeenRequests
    from bot.runtime.slack_request import SlackHandler
    from bot.slack.commands import answer_before_bolt

    assert signing_secret is not None  # check_tokens requires it in HTTP mode
    # One process per SQLite file: the store is read only for requests older than this process.
    # On PostgreSQL other processes serve requests too: the store is read for every request.
    replays = SeenRequests(store, shared=store.engine == "postgresql", write_behind=True)
    return VerifiedSlackHandler(
        SlackHandler(app),
        signing_secret,
        replays=replays,
        metrics=metrics,
        answer_at_once=partial(answer_before_bolt, services),
    )


def _http_server(router: Router, mode: Mode, host: str, port: int) -> HttpServer | None:
    try:
        return HttpServer(router, host, port)
    except OSError as exc:
        if mode == "http":
            raise StartupError(
                f"PORT {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); choose another with "
                "PORT or --port."
            ) from None
        log.warning("no /healthz: cannot listen on %s:%s (%s); Socket Mode runs without it", host, port, exc)
        return None


def start_runtime(runtime: Runtime, stop_event: threading.Event | None = None) -> None:
    """Start the background services, then take requests."""
    runtime.leadership.start()
    runtime.monitor.start()
    runtime.alerts.start()
    runtime.token_watch.start()
    services = runtime.services
    # Load the knowledge base and compute its first-use flags now, not on the first pasted error.
    services.submit(lambda: warm_for_many_pastes(lambda: services.diagnoser), "loading the knowledge base")
    if runtime.socket is not None:
        handler = runtime.socket

        def connect() -> None:
            handler.client.wss_uri = None  # a fresh URL on every try: Slack's are single-use
            problem = "the WebSocket handshake failed"
            try:
                handler.connect()
            except SlackApiError:
                raise  # apps.connections.open itself answered an error: the Web API's part
            except Exception as exc:
                if not handler.client.wss_uri:
                    raise
                problem = describe(exc)
            if not handler.client.is_connected():
                issued = handler.client.wss_uri  # set once apps.connections.open has answered
                if issued:
                    host = urlsplit(issued).hostname or "Slack's WebSocket host"
                    raise WebSocketUnreachable(host, problem)
                raise ConnectionError(problem)

        with_startup_retries(
            runtime.settings,
            "open a Socket Mode connection",
            connect,
            app_token_rejected,
            sleep=pause_unless_stopped(stop_event),
        )
        log.info("connected to Slack in Socket Mode")
    if runtime.http is not None:
        runtime.http.start()
        routes = "POST /slack/events and GET /healthz" if runtime.mode == "http" else "GET /healthz"
        if runtime.router.oauth_handler is not None:
            routes += ", GET /slack/install, GET /slack/oauth_redirect"
        if runtime.router.metrics.enabled:
            routes += " and GET /metrics"
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
