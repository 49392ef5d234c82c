"""What the Slack listeners share: settings, store, status monitor, diagnoser, Web API client, executor.

`build_services` (bot.slack.app) builds one `Services`; each listener module's
`register(app, services)` binds it to its module-level handlers with `bound`. Slow work (Web API
calls, status refreshes, diagnosis) goes to `services.submit`, a bounded thread pool of our own, so
a listener only acknowledges and returns: nothing on the ack path waits on the network.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.incidents.early import EarlyWarnings
from bot.keys import redact
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack import blocks
from bot.status.models import StatusSnapshot
from bot.store import GAP_TEXT_CHARS, Store, StoreError, describe_store_error

if TYPE_CHECKING:
    from slack_bolt.oauth.oauth_settings import OAuthSettings

    from bot.status.models import StatusSnapshot

log = logging.getLogger(__name__)

# OAuth installs: the Web API client with the token of the workspace whose request is being handled
# (set by a middleware in bot.slack.app; copied into work handed to the pool by `submit`).
REQUEST_CLIENT: contextvars.ContextVar[WebClient | None] = contextvars.ContextVar(
    "fal_bot_request_client", default=None
)

WORKERS = 8
WAITING_WORKERS = 32  # threads that sleep on one shared status fetch cost little
DIAGNOSIS_WORKERS = 2  # CPU-bound: more threads than cores would only share the GIL
SLACK_MESSAGE_LIMIT = 40_000  # Slack's own limit on a message's text: a longer paste is not a message
DIAGNOSIS_BUDGET_SECONDS = 5.0  # per paste; reading 40 KB takes ~30 ms, so this is a safety net
FALLBACK_CHARS = 8_000  # what is read instead when the whole paste did not fit in the budget


class StatusSource(Protocol):
    """What the Slack surface needs from the status monitor (bot.status.StatusMonitor)."""

    def latest(self) -> StatusSnapshot | None: ...

    def last_good(self) -> StatusSnapshot | None: ...

    def age_seconds(self) -> float | None: ...

    def refresh(self) -> StatusSnapshot: ...


class DiagnoserLike(Protocol):
    def diagnose(self, text: str) -> Any: ...

    def warm(self) -> Any: ...


def diagnosis_labels(diagnosis: Any) -> tuple[str, str]:
    """(category, verdict) for falbot_diagnoses_total: the first match's category ("none") and
    `match` (about fal), `guess` (about fal, fits only loosely), `generic` (no service named),
    `not_fal` (another service's error) or `no_match`."""
    best = getattr(diagnosis, "best", None)
    guess = getattr(diagnosis, "guess", None)
    if best is None and guess is not None:
        return str(guess.category), "guess"
    if best is None:
        return "none", "no_match"
    if getattr(diagnosis, "generic", False):
        return str(best.category), "generic"
    return str(best.category), "match" if getattr(diagnosis, "fal_related", False) else "not_fal"


class StatusAnswers:
    """/fal status's answer, rendered once per reading and second.

    Building the Block Kit through slack_sdk's models was 0.3 of the 1.0 ms a /fal status ack took
    in the app with requests 50 ms apart, as under benchmarks/soak.py's load. The
    answer changes only when the monitor takes a new reading or a shown age reaches a new whole
    second, so it is rendered again only then: ages are whole seconds, "now" the current second.
    Of a reading read without trouble only the last block (its age) is rendered again each second:
    a whole answer once a second was the slowest ack in twenty.
    """

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._last: tuple[object, object, tuple[object, ...], blocks.Message] | None = None

    def render(
        self,
        latest: StatusSnapshot | None,
        last_good: StatusSnapshot | None,
        age_seconds: float | None,
        stale_after_seconds: float | None,
    ) -> blocks.Message:
        second = math.floor(self.clock())
        age = None if age_seconds is None else float(math.floor(age_seconds))
        times = (age, second, stale_after_seconds)
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0] is latest and last[1] is last_good:
            if last[2] == times:
                return last[3]
            if latest is not None and latest.ok and len(last[3].blocks) < blocks.MAX_BLOCKS:
                # A reading read without trouble: only its age, in the last block, changes.
                footer = blocks.status_footer(latest, age).to_dict()
                message = replace(last[3], blocks=[*last[3].blocks[:-1], footer])
                self._last = (latest, last_good, times, message)
                return message
        message = blocks.status_message(
            latest,
            last_good,
            age,
            now=datetime.fromtimestamp(second, UTC),
            stale_after_seconds=stale_after_seconds,
        )
        self._last = (latest, last_good, times, message)
        return message


@dataclass(frozen=True)
class Reading:
    """A diagnosis and how much of the paste it read (all of it, unless it was too long)."""

    diagnosis: Any
    read_chars: int
    total_chars: int

    @property
    def partial(self) -> bool:
        return self.read_chars < self.total_chars


def answer_id() -> str:
    """An id for one answer, on its vote buttons: a person's second vote on it replaces the first,
    and a 👎 finds the paste kept for it (see RecentPastes)."""
    return secrets.token_hex(6)


class RecentPastes:
    """Answered pastes, redacted, kept in memory for an hour so a 👎 on the answer can record the
    paste as a gap. Not stored: an answered paste is nobody's business unless someone says the
    answer was wrong. Each paste becomes a gap once, however many 👎 it gets. Only what a gap keeps
    (its first GAP_TEXT_CHARS) is held: 500 whole 40 KB pastes were 20 MB of a running bot."""

    def __init__(
        self, capacity: int = 500, ttl_seconds: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ):
        self.capacity, self.ttl, self.clock = capacity, ttl_seconds, clock
        self._items: OrderedDict[str, tuple[float, str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, text: str, surface: str) -> str:
        """Keep an answered paste; its id goes on the answer's buttons."""
        paste_id = answer_id()
        kept = redact(text)[:GAP_TEXT_CHARS]
        with self._lock:
            self._items[paste_id] = (self.clock(), kept, surface)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return paste_id

    def claim(self, paste_id: str) -> tuple[str, str] | None:
        """(redacted text, surface) the first time a paste is claimed for a gap; None when already
        claimed, unknown or older than the TTL."""
        with self._lock:
            found = self._items.pop(paste_id, None)
        if found is None or self.clock() - found[0] > self.ttl:
            return None
        return found[1], found[2]


@dataclass
class Services:
    settings: Settings
    store: Store
    client: WebClient  # retries 429 after Retry-After: only ever used off the ack path
    monitor: StatusSource | None
    diagnoser_factory: Callable[[], DiagnoserLike]
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="fal-bot-slack")
    )
    # Work that only waits (a /fal status follow-up waiting on the one in-flight status fetch) gets
    # its own pool, so a hanging status page cannot hold the workers that post diagnoses.
    waiting_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=WAITING_WORKERS, thread_name_prefix="fal-bot-slack-wait"
        )
    )
    # Diagnosis is CPU work: its own small pool, so a burst of long pastes never holds the workers
    # that post replies, and never the threads that acknowledge Slack's requests.
    diagnosis_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=DIAGNOSIS_WORKERS, thread_name_prefix="fal-bot-diagnose"
        )
    )
    # OAuth installs into many workspaces (bot.slack.installations); None: one SLACK_BOT_TOKEN.
    oauth: OAuthSettings | None = None
    # Counts fal-side pastes for early warnings; None turns them off (tests of other things).
    early_warnings: EarlyWarnings | None = None
    diagnosis_budget: float = DIAGNOSIS_BUDGET_SECONDS
    metrics: Metrics = field(default_factory=Metrics)  # falbot_diagnoses_total; records nothing by default
    recent_pastes: RecentPastes = field(default_factory=RecentPastes)
    status_answers: StatusAnswers = field(default_factory=StatusAnswers)
    _diagnoser: DiagnoserLike | None = None
    _diagnoser_lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: set[Future[object]] = field(default_factory=set)
    _pending_lock: threading.Lock = field(default_factory=threading.Lock)

    def request_client(self) -> WebClient:
        """The client for the workspace of the request being handled: with OAuth installs, one with
        that workspace's token; with one SLACK_BOT_TOKEN, the shared `client`."""
        return REQUEST_CLIENT.get() or self.client

    @property
    def diagnoser(self) -> DiagnoserLike:
        """Built on first use (loading the knowledge base), then shared by every thread."""
        if self._diagnoser is None:
            with self._diagnoser_lock:
                if self._diagnoser is None:
                    self._diagnoser = self.diagnoser_factory()
        return self._diagnoser

    def status_answer(self) -> blocks.Message:
        """/fal status's answer from the monitor's current reading ("checking…" before the first)."""
        monitor = self.monitor
        if monitor is None:
            return self.status_answers.render(None, None, None, None)
        return self.status_answers.render(
            monitor.latest(),
            monitor.last_good(),
            monitor.age_seconds(),
            self.settings.unknown_note_seconds,
        )

    def read_paste(self, text: str) -> Reading:
        """Diagnose a paste on the diagnosis pool, within `diagnosis_budget` seconds.

        Text past Slack's message limit is not read. When the whole paste does not fit in the
        budget, its first FALLBACK_CHARS characters are read instead (the slow reading finishes in
        the background); the Reading says how much was read, and the reply says so.
        """
        total = len(text)
        for limit in (SLACK_MESSAGE_LIMIT, FALLBACK_CHARS):
            head = text[:limit]
            future = self.diagnosis_executor.submit(self.diagnoser.diagnose, head)
            try:
                reading = Reading(future.result(timeout=self.diagnosis_budget), len(head), total)
            except FutureTimeout:
                log.warning(
                    "diagnosing a %d-character paste took over %.0f s", len(head), self.diagnosis_budget
                )
                continue
            self.metrics.diagnosed(*diagnosis_labels(reading.diagnosis))
            return reading
        self.metrics.diagnosed("none", "timeout")
        return Reading(None, 0, total)

    def submit(self, work: Callable[[], object], what: str, *, waits: bool = False) -> Future[object]:
        """Run `work` on the bounded pool (`waits=True`: the pool for work that mostly waits);
        failures are logged by name, never with user text."""

        def run() -> object:
            try:
                return work()
            except StoreError as exc:  # read-only or full database: one line, no traceback
                log.warning("background work failed: %s (database: %s)", what, describe_store_error(exc))
                return None
            except Exception:
                log.exception("background work failed: %s", what)
                return None

        # The work runs in the caller's context, so its log lines name the same workspace.
        future = (self.waiting_executor if waits else self.executor).submit(
            contextvars.copy_context().run, run
        )
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[object]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until all submitted work is done (work submitted meanwhile included); False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._pending_lock:
                pending = list(self._pending)
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            wait(pending, timeout=remaining)

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop taking work and give running work up to `timeout` s; True when all of it finished."""
        finished = self.wait_idle(timeout)
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.waiting_executor.shutdown(wait=False, cancel_futures=True)
        self.diagnosis_executor.shutdown(wait=False, cancel_futures=True)
        return finished


def request_team_id(body: dict[str, Any], context: dict[str, Any] | None = None) -> str:
    """The workspace a request belongs to: body team_id, team.id, event team, or Bolt's context."""
    if isinstance(body.get("team_id"), str) and body["team_id"]:
        return str(body["team_id"])
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    event = body.get("event")
    if isinstance(event, dict) and isinstance(event.get("team"), str):
        return str(event["team"])
    if context and context.get("team_id"):
        return str(context["team_id"])
    return "unknown"


def request_enterprise_id(body: dict[str, Any], context: dict[str, Any] | None = None) -> str | None:
    """The Enterprise Grid org a request comes from (Bolt's context, else the body), or None."""
    if context and context.get("enterprise_id"):
        return str(context["enterprise_id"])
    if isinstance(body.get("enterprise_id"), str) and body["enterprise_id"]:
        return str(body["enterprise_id"])
    enterprise = body.get("enterprise")
    if isinstance(enterprise, dict) and enterprise.get("id"):
        return str(enterprise["id"])
    return None


class ServicesMiddleware(Middleware):
    """A Bolt middleware holding the app's services. A class, not a function given to `app.use`:
    Bolt wraps a function, inspects its signature and builds its keyword arguments on every request
    (for our four middlewares a fifth of a /fal status ack's work); `process` is called directly."""

    def __init__(self, services: Services):
        self.services = services


def bound(handler: Callable[..., Any], services: Services) -> Callable[..., Any]:
    """`handler(services, ...)` as the listener Bolt calls: Bolt injects the other arguments by name
    (ack, body, event...), so every handler is a plain module-level function a test can call."""
    listener = functools.partial(handler, services)
    setattr(listener, "__name__", handler.__name__)  # noqa: B010 - Bolt names listeners in its logs
    return listener
