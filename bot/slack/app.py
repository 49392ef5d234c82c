"""The Slack app factory: `create_app(settings, ...) -> slack_bolt.App`. No module-level App.

Why these choices:
- `process_before_response=True` with our own bounded executor (bot.slack.services): listeners ack
  and hand slow work to the pool, so the HTTP answer leaves as soon as the listener returns and
  Bolt's 5-thread pool is never starved (slack-notes.md measured p99 80-125 ms this way).
- The Web API client retries 429 after `Retry-After` and connection errors; it sleeps while doing
  so, which is why it is only used off the ack path.
- Retried events (same `event_id`) are dropped by a global middleware backed by the SQLite store,
  so a retry is answered once even after a restart.
- `listener_inventory()` collects what each listener module declares it registers, for the manifest test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.incidents.early import EarlyWarnings
from bot.logging_setup import set_team_id
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack import actions, commands, events, home, lifecycle, shortcuts
from bot.slack.errors import CountingWebClient
from bot.slack.installations import LockedTokenRotator, StoreInstallations, manifest_scopes, oauth_settings
from bot.slack.services import (
    REQUEST_CLIENT,
    DiagnoserLike,
    Services,
    ServicesMiddleware,
    StatusSource,
    request_team_id,
)
from bot.store import Store, StoreError, describe_store_error

log = logging.getLogger(__name__)

# Listener modules, in registration order. lifecycle belongs to the outage-alerts work.
LISTENER_MODULES = (commands, events, shortcuts, actions, home, lifecycle)

WEB_API_TIMEOUT_SECONDS = 15


def build_web_client(
    settings: Settings, token: str | None = None, metrics: Metrics | None = None
) -> WebClient:
    """A WebClient for the bot token that retries 429 (after Retry-After) and dropped connections;
    calls that still fail are counted in `metrics`."""
    if token is None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return CountingWebClient(
        on_error=metrics.slack_api_error if metrics is not None else None,
        token=token,
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


@dataclass
class ListenerInventory:
    """What the listener modules registered with Bolt."""

    commands: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)  # Bolt event types ("message", "app_mention", ...)
    shortcuts: set[str] = field(default_factory=set)  # callback ids (message and global shortcuts)
    actions: set[str] = field(default_factory=set)  # action ids

    @property
    def bot_events(self) -> set[str]:
        """The manifest's `bot_events` names: a "message" listener stands for message.<channel type>."""
        names = set(self.events - {"message"})
        if "message" in self.events:
            names.update(f"message.{kind}" for kind in events.MESSAGE_CHANNEL_TYPES)
        return names


def _default_diagnoser_factory(settings: Settings) -> Callable[[], DiagnoserLike]:
    def build() -> DiagnoserLike:
        from bot.diagnosis import Diagnoser, load_knowledge

        return Diagnoser(load_knowledge(settings.fal_bot_knowledge_dir, only=settings.fal_bot_knowledge_only))

    return build


class _DropRetriedEvents(ServicesMiddleware):
    """Answer each event_id once, even across restarts (ids persist in SQLite for a day)."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") == "event_callback" and isinstance(body.get("event_id"), str):
            try:
                first = self.services.store.mark_event_processed(
                    body["event_id"], request_team_id(body, req.context)
                )
            except StoreError as exc:
                # Better a rare duplicate answer than none (or a 5xx that Slack retries).
                log.warning(
                    "event %s not recorded (database: %s); handling it anyway",
                    body["event_id"],
                    describe_store_error(exc),
                )
                first = True
            if not first:
                retry = (req.headers.get("x-slack-retry-num") or ["?"])[0]
                log.info("event %s already handled; ignoring retry %s", body["event_id"], retry)
                return BoltResponse(status=200, body="")
        return next()


class _UseWorkspaceClient(ServicesMiddleware):
    """OAuth installs: listeners (and the work they hand on) reach Slack with the token Bolt's
    authorize found for this request's workspace, through a client like the shared one.

    Bolt runs the listener after every middleware has returned, so the client is set, not set
    and reset around `next()`: each request through here replaces the thread's previous one."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        token = req.context.get("bot_token")
        settings, metrics = self.services.settings, self.services.metrics
        REQUEST_CLIENT.set(build_web_client(settings, token, metrics) if token else None)
        return next()


class _LogWithTeamId(Middleware):
    """Log lines written while handling a request (and work it hands on) name its workspace.
    Set, not scoped: Bolt runs the listener after every middleware's `next()` has returned, and
    each request sets it again (to None when it names no workspace)."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        set_team_id(request_team_id(req.body, req.context))
        return next()


class _DropTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment on its own and then warns that our client (made
    from that same token) wins. The warning is noise here: drop just that line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


class _WithholdRequestBody(logging.Filter):
    """When a signature check fails, Bolt logs the raw request body at INFO: a pasted error (and
    anything secret in it) would reach the log from a request that is not even Slack's. Keep the
    line, drop the body."""

    WITHHELD = "(request body withheld)"

    def filter(self, record: logging.LogRecord) -> bool:
        head, found, _ = record.getMessage().partition(", body: ")
        if found:
            record.msg, record.args = f"{head}, body: {self.WITHHELD})", None
        return True


def _add_filter_once(logger_name: str, log_filter: logging.Filter) -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, type(log_filter)) for f in logger.filters):
        logger.addFilter(log_filter)


_add_filter_once("slack_bolt.App", _DropTokenSkippedWarning())
# Bolt's RequestVerification middleware logs through logging.getLogger("slack_bolt.RequestVerification").
_add_filter_once("slack_bolt.RequestVerification", _WithholdRequestBody())


def build_services(
    settings: Settings,
    *,
    store: Store,
    monitor: StatusSource | None,
    client: WebClient | None = None,
    diagnoser: DiagnoserLike | None = None,
    metrics: Metrics | None = None,
    oauth_scopes: list[str] | None = None,
) -> Services:
    """What the listeners share. `monitor` None: no status source (`/fal status` says so);
    `diagnoser` None: the configured knowledge base, loaded on first use; `metrics` None: nothing
    is counted. With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, OAuth installs asking for
    `oauth_scopes` (default: app_manifest.yml's bot scopes; ManifestNotFound without it)."""
    oauth = None
    if settings.oauth:
        oauth = oauth_settings(
            settings, store, oauth_scopes if oauth_scopes is not None else manifest_scopes()
        )
    return Services(
        oauth=oauth,
        metrics=metrics or Metrics(),
        settings=settings,
        store=store,
        client=client or build_web_client(settings),
        monitor=monitor,
        diagnoser_factory=(lambda: diagnoser)
        if diagnoser is not None
        else _default_diagnoser_factory(settings),
        early_warnings=EarlyWarnings(
            store,
            people=settings.early_warning_people,
            window_seconds=settings.early_warning_window_seconds,
        ),
    )


def create_app(services: Services, *, token_verification: bool = True) -> App:
    """Build the Slack app with every listener module registered against `services`.

    `token_verification=True` lets Bolt call auth.test now, so no request ever waits on it later;
    pass False only when nothing must touch the network (the first request then calls auth.test).
    """
    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    oauth: dict[str, Any] = {}
    if services.oauth is not None:
        installations = services.oauth.installation_store
        assert isinstance(installations, StoreInstallations)
        # Bolt's own, but remembering each token's auth.test answer (without the cache every
        # request would wait on an auth.test call before its ack), and refreshing rotating tokens
        # one process at a time.
        authorize = InstallationStoreAuthorize(
            logger=logging.getLogger("slack_bolt.App"),
            installation_store=installations,
            bot_only=True,
            cache_enabled=True,
            client=services.client,
        )
        authorize.token_rotator = LockedTokenRotator(
            installations,
            client_id=services.oauth.client_id,
            client_secret=services.oauth.client_secret,
            client=services.client,
        )
        oauth = {"oauth_settings": services.oauth, "authorize": authorize}
    app = App(
        signing_secret=secret,
        client=services.client,
        process_before_response=True,
        token_verification_enabled=token_verification,
        # Socket Mode carries no signature; HTTP mode without a secret is refused by `fal-bot run`.
        request_verification_enabled=secret is not None,
        name="fal-bot",
        **oauth,
    )
    if services.oauth is not None:
        app.use(_UseWorkspaceClient(services))
    app.use(_LogWithTeamId())
    app.use(_DropRetriedEvents(services))
    for module in LISTENER_MODULES:
        module.register(app, services)

    # Registered last: a message event no module wanted (a channel message, an edit...) still gets
    # its 200, or Slack would retry it.
    @app.event("message")
    def ignore_other_messages() -> None:
        return None

    return app


def listener_inventory() -> ListenerInventory:
    """What the listener modules declare they register (each module's COMMANDS, EVENTS, SHORTCUTS,
    ACTIONS, the constants its `register` uses), for the manifest test."""
    inventory = ListenerInventory()
    for module in LISTENER_MODULES:
        inventory.commands.update(getattr(module, "COMMANDS", ()))
        inventory.events.update(getattr(module, "EVENTS", ()))
        inventory.shortcuts.update(getattr(module, "SHORTCUTS", ()))
        inventory.actions.update(getattr(module, "ACTIONS", ()))
    return inventory
