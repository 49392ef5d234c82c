"""Delivers outbox rows to Slack: per-channel order and pacing, parallel across channels.

- A dispatcher thread picks each channel's oldest unfinished row when it is due and hands it to a
  small pool of worker threads; one row per channel is in flight at a time, so a channel's
  messages arrive in order, a reply after its parent, and ~1 post per second per channel.
- HTTP 429 reschedules the row after `Retry-After` (nothing sleeps; other channels keep going).
  5xx and connection errors are retried with exponential backoff; a row is given up (status
  `failed`, logged) after MAX_ATTEMPTS tries or MAX_RATE_LIMITED 429s.
- `channel_not_found` / `not_in_channel` / `is_archived` pause the subscription and drop the
  channel's pending rows (bot.alerts.gone, the same rule as the lifecycle events).
- `invalid_auth` / `account_inactive` / `token_revoked` (and the other token errors) are confirmed
  with `auth.test` first (bot.alerts.token_watch): when it accepts the token, the row is simply retried;
  when it refuses it too, every row is held (kept, not tried) until the watch sees the token work
  again, then sent, without a restart. Rows held longer than HELD_MAX_AGE_SECONDS are dropped.
- Exactly once: a row is marked `sending` (committed, with the time) before the post, and the post
  carries message metadata with the row's key. A row found `sending` again (the process died, or
  the answer was lost) is first looked for in the channel with ONE bounded request
  (conversations.history, or conversations.replies for thread posts): the window around that
  attempt, at most CHECK_LIMIT messages, since Slack allows apps outside the Marketplace one such
  request a minute with 15 messages. It is only posted again when it is not there.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any, NoReturn

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts.gone import channel_gone, team_gone
from bot.alerts.outbox import Outbox, OutboxRow
from bot.alerts.render import (
    Rendered,
    render_confirmed,
    render_digest,
    render_early_warning,
    render_parent,
    render_reply,
)
from bot.alerts.token_watch import TokenWatch
from bot.incidents.early import KIND_CONFIRMED, KIND_WARNING, Confirmation, EarlyWarning
from bot.logging_setup import team_context
from bot.metrics import Metrics
from bot.slack.errors import CHANNEL_GONE, TOKEN_GONE, error_code, retry_after
from bot.store import Store, StoreError, describe_store_error

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "fal_bot_alert"
PER_CHANNEL_INTERVAL_SECONDS = 1.0
MAX_ATTEMPTS = 12  # with backoff 2 s doubling to 10 min: about 40 min of Slack trouble
MAX_RATE_LIMITED = 60
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0
RETRY_AFTER_CAP_SECONDS = 900.0
# The crash-window check: one request for the messages of [attempt - margin, attempt + the post's
# timeout + margin], at most 15 of them (Slack's cap for apps outside the Marketplace). The margin
# covers clock differences between this host and Slack, and a post Slack took late.
CHECK_LIMIT = 15
CHECK_MARGIN_SECONDS = 30.0
DEFAULT_WORKERS = 8
CLIENT_TIMEOUT_SECONDS = 8
# While Slack refuses the token, unsent rows are kept this long (then dropped, as too old to matter).
HELD_MAX_AGE_SECONDS = 24 * 3600
HELD_PRUNE_EVERY_SECONDS = 60.0
# A channel whose row could not be recorded (read-only or full database) waits this long to try again.
STORE_RETRY_SECONDS = 10.0

# Slack refused the message itself: trying again cannot help.
PERMANENT_ERRORS = frozenset(
    {
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "invalid_arguments",
        "too_many_attachments",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "cannot_reply_to_message",
        "missing_scope",
    }
)
# chat.update failures that only mean the parent cannot be edited any more.
EDIT_GIVE_UP_ERRORS = frozenset(
    {"message_not_found", "cant_update_message", "edit_window_closed", "msg_too_long", "invalid_blocks"}
)


def sender_client(client: WebClient, *, timeout: int = CLIENT_TIMEOUT_SECONDS) -> WebClient:
    """The sender's own client: same token and URL, but no retry handlers that sleep on 429."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=timeout, retry_handlers=[])


# Rows that are whole messages of their own: nothing to edit in a parent after posting them.
KIND_DIGEST = "digest"  # what a channel's quiet hours held back (bot/alerts/outbox.py queue_digests)
ONE_OFF_KINDS = frozenset({KIND_WARNING, KIND_CONFIRMED, KIND_DIGEST})


def render_row(row: OutboxRow, thread_ts: str | None) -> Rendered:
    """What a row posts: an early warning or its "fal confirmed" line, else an incident's parent
    (top level) or thread reply."""
    if row.kind == KIND_WARNING:
        return render_early_warning(EarlyWarning.from_payload(row.payload))
    if row.kind == KIND_CONFIRMED:
        return render_confirmed(Confirmation.from_payload(row.payload))
    if row.kind == KIND_DIGEST:
        return render_digest(row.payload)
    return render_parent(row.subject) if thread_ts is None else render_reply(row.kind, row.subject, row.body)


def check_window(row: OutboxRow, post_timeout: float) -> tuple[str, str]:
    """(oldest, latest) of the crash-window lookup: when Slack could have taken the post of the
    row's last attempt (from its start, or the row's creation when no start was recorded, to the
    post's timeout), with a margin either side."""
    started = row.attempt_started_at if row.attempt_started_at is not None else row.created_at
    oldest = max(0.0, started - CHECK_MARGIN_SECONDS)
    return f"{oldest:.6f}", f"{started + post_timeout + CHECK_MARGIN_SECONDS:.6f}"


class _Retry(Exception):
    """Internal: reschedule the row."""

    def __init__(
        self,
        error: str,
        *,
        maybe_posted: bool,
        delay: float | None = None,
        rate_limited: bool = False,
        held: bool = False,
    ):
        super().__init__(error)
        self.error = error
        self.maybe_posted = maybe_posted
        self.delay = delay
        self.rate_limited = rate_limited
        self.held = held  # Slack refuses the token: keep the row, untried, until it works again


class _Handled(Exception):
    """Internal: the row was dealt with for good (dropped or failed); nothing to reschedule.

    A sibling of _Retry, not a kind of it: it carries no retry state, and an `except _Retry` must
    never catch a row that is already finished."""


class AlertSender:
    """Background delivery of the outbox. `start()`, `wake()` after queuing rows, `stop(timeout)`."""

    def __init__(
        self,
        store: Store,
        client: WebClient,
        *,
        workers: int = DEFAULT_WORKERS,
        per_channel_interval: float = PER_CHANNEL_INTERVAL_SECONDS,
        clock: Callable[[], float] | None = None,
        token_watch: TokenWatch | None = None,
        is_leader: Callable[[], bool] = lambda: True,
        metrics: Metrics | None = None,
        team_client: Callable[[str], WebClient | None] | None = None,
    ):
        """`team_client`: OAuth installs, team_id -> a client with that workspace's token (None when
        it has no installation); `client` is then used for nothing but its settings."""
        self.store = store
        self.team_client = team_client
        # Fencing: a process that is not (or no longer) the leader posts nothing (bot.database.leader).
        self.is_leader = is_leader
        self.client = client
        self.metrics = metrics or Metrics()
        # Shared with /healthz in `fal-bot run`; on its own (tests, tools) the sender runs its own.
        self.token = token_watch or TokenWatch(client)
        self._owns_token = token_watch is None
        self.token.on_recovered(self._on_token_recovered)
        self._last_held_prune = float("-inf")
        self._store_trouble: str | None = None  # the database error the sender is living with
        self.outbox = Outbox(store, clock=clock)
        self.clock = clock or store.clock
        self.workers = max(1, workers)
        self.per_channel_interval = per_channel_interval
        self._queue: queue.Queue[int] = queue.Queue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: set[tuple[str, str]] = set()
        self._ready_at: dict[tuple[str, str], float] = {}  # monotonic time a channel may post again
        self._threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        dispatcher = threading.Thread(target=self._dispatch_loop, name="alert-dispatcher", daemon=True)
        self._threads.append(dispatcher)
        for number in range(self.workers):
            worker = threading.Thread(target=self._work_loop, name=f"alert-sender-{number}", daemon=True)
            self._threads.append(worker)
        for thread in self._threads:
            thread.start()
        if self._owns_token:
            self.token.start()

    def wake(self) -> None:
        """New rows are queued: look now rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop within `timeout` s. A post still in flight is abandoned; its row stays `sending`
        and is checked against the channel at the next start."""
        self._stop.set()
        self._wake.set()
        if self._owns_token:
            self.token.stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    # -- dispatching ----------------------------------------------------------------------------
    def _dispatch_loop(self) -> None:
        threading.Thread(target=self._reenable_team, name="alert-auth-check", daemon=True).start()
        while not self._stop.is_set():
            try:
                wait = self.dispatch_once()
            except StoreError as exc:
                self._note_store_trouble(exc)
                wait = STORE_RETRY_SECONDS
            except Exception:
                log.exception("alert dispatcher failed; retrying")
                wait = 1.0
            self._wake.wait(max(0.005, wait))
            self._wake.clear()

    def dispatch_once(self) -> float:
        """Queue every channel's due head row; return seconds until the next one may be due."""
        now = self.clock()
        mono = time.monotonic()
        wait = 1.0
        if not self.is_leader():
            return wait  # another process sends; its rows are in the same outbox
        if self.token.refused:
            # Nothing can be posted: keep every row for when the token works again (the watch
            # re-checks and wakes us), but not forever.
            if mono - self._last_held_prune >= HELD_PRUNE_EVERY_SECONDS:
                self._last_held_prune = mono
                self._drop_too_old()
            return wait
        for row_id, team_id, channel_id, next_attempt_at in self.outbox.heads():
            channel = (team_id, channel_id)
            with self._lock:
                if channel in self._in_flight:
                    continue
                due_in = max(next_attempt_at - now, self._ready_at.get(channel, 0.0) - mono)
                if due_in > 0:
                    wait = min(wait, due_in)
                    continue
                self._in_flight.add(channel)
            self._queue.put(row_id)
        return wait

    def _work_loop(self) -> None:
        while not self._stop.is_set():
            try:
                row_id = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            row = None
            try:
                row = self.outbox.row(row_id)
                if row is not None and row.status in ("pending", "sending"):
                    self.deliver(row)
                    self._store_ok()
            except StoreError as exc:
                # Nothing is lost: the row stays unfinished in the file and is tried again later.
                self._note_store_trouble(exc)
                if row is not None:
                    self._pace(row, STORE_RETRY_SECONDS)
            except Exception:
                log.exception("alert row %s: delivery crashed", row_id)
            finally:
                if row is not None:
                    with self._lock:
                        self._in_flight.discard(row.channel)
                self._wake.set()

    def _note_store_trouble(self, exc: BaseException) -> None:
        """One log line when the database starts failing (or fails differently), not one a row."""
        problem = describe_store_error(exc)
        with self._lock:
            if self._store_trouble == problem:
                return
            self._store_trouble = problem
        log.error(
            "alerts paused: the database cannot be written (%s); unsent alerts stay queued and are "
            "tried again every %.0f s",
            problem,
            STORE_RETRY_SECONDS,
        )

    def _store_ok(self) -> None:
        with self._lock:
            if self._store_trouble is None:
                return
            self._store_trouble = None
        log.warning("alerts resumed: the database can be written again")

    def _pace(self, row: OutboxRow, seconds: float) -> None:
        with self._lock:
            self._ready_at[row.channel] = max(
                self._ready_at.get(row.channel, 0.0), time.monotonic() + seconds
            )

    # -- one row --------------------------------------------------------------------------------
    def deliver(self, row: OutboxRow) -> None:
        """Post one row (and edit its thread's parent), recording each step Slack confirmed."""
        with team_context(row.team_id):
            self._deliver(row)

    def _deliver(self, row: OutboxRow) -> None:
        reason = self._stopped_reason(row)
        if reason:
            self.outbox.drop(row, reason)
            log.info("alert row %s for %s/%s dropped: %s", row.id, row.team_id, row.channel_id, reason)
            return
        parent_ts = self.outbox.thread_ts(row.team_id, row.channel_id, row.subject_key)
        top_level = row.kind == "open" or parent_ts is None
        try:
            posted = row.posted_ts
            if posted is None:
                if row.status == "sending":
                    posted = self._find_posted(row, None if top_level else parent_ts)
                if posted is None:
                    if not self.is_leader():
                        raise _Handled()  # lost the lease: the row stays for the new leader
                    self.outbox.mark_sending(row)
                    posted = self._post(row, None if top_level else parent_ts)
                    self._pace(row, self.per_channel_interval)
                self.outbox.mark_posted(row, posted, parent=top_level)
            if not top_level and parent_ts is not None and row.kind not in ONE_OFF_KINDS:
                self._edit_parent(row, parent_ts)
            self.outbox.mark_sent(row)
            self.metrics.alert_sent()
        except _Handled:
            return
        except _Retry as retry:
            self._retry(row, retry)

    def _stopped_reason(self, row: OutboxRow) -> str | None:
        subscription = self.store.subscription(row.team_id, row.channel_id)
        if subscription is None:
            return "unsubscribed"
        if not subscription.active:
            return f"subscription disabled ({subscription.disabled_reason or 'unknown'})"
        if not self.store.team_sending_enabled(row.team_id):
            return "team sending stopped"
        if self.team_client is not None and self.team_client(row.team_id) is None:
            return "workspace not installed"
        return None

    def _client(self, row: OutboxRow) -> WebClient:
        """The client that posts `row`: its workspace's (OAuth installs) or the one bot token's."""
        if self.team_client is None:
            return self.client
        client = self.team_client(row.team_id)
        if client is None:  # uninstalled since _stopped_reason looked
            self.outbox.drop(row, "workspace not installed")
            raise _Handled()
        return client

    def _post(self, row: OutboxRow, thread_ts: str | None) -> str:
        client = self._client(row)  # before any try: _Handled must not become a retry
        rendered = render_row(row, thread_ts)
        try:
            response = client.chat_postMessage(
                channel=row.channel_id,
                text=rendered.text,
                blocks=rendered.blocks,
                thread_ts=thread_ts,
                metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": row.metadata_key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            self._on_slack_error(row, exc, stage="post")
        except Exception as exc:  # connection reset, timeout: Slack may have the message
            raise _Retry(f"post failed: {type(exc).__name__}", maybe_posted=True) from exc
        return str(response["ts"])

    def _edit_parent(self, row: OutboxRow, parent_ts: str) -> None:
        client = self._client(row)  # before any try: _Handled must not become a retry
        rendered = render_parent(row.subject)
        try:
            client.chat_update(
                channel=row.channel_id, ts=parent_ts, text=rendered.text, blocks=rendered.blocks
            )
        except SlackApiError as exc:
            if error_code(exc) in EDIT_GIVE_UP_ERRORS:
                log.warning("alert row %s: parent %s not edited (%s)", row.id, parent_ts, error_code(exc))
                return
            self._on_slack_error(row, exc, stage="edit")
        except Exception as exc:
            raise _Retry(f"edit failed: {type(exc).__name__}", maybe_posted=False) from exc

    def _find_posted(self, row: OutboxRow, parent_ts: str | None) -> str | None:
        """After a crash or a lost answer: is this row's message already in the channel? One
        request, bounded to the window of the attempt that may have posted it."""
        client = self._client(row)  # before any try: _Handled must not become a retry
        oldest, latest = check_window(row, client.timeout)
        window: dict[str, Any] = {
            "channel": row.channel_id,
            "oldest": oldest,
            "latest": latest,
            "inclusive": True,
            "limit": CHECK_LIMIT,
            "include_all_metadata": True,
        }
        try:
            if parent_ts is None:
                response = client.conversations_history(**window)
            else:
                response = client.conversations_replies(ts=parent_ts, **window)
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == METADATA_EVENT_TYPE
                    and payload.get("key") == row.metadata_key
                ):
                    log.info(
                        "alert row %s was already posted (found %s); not posting again", row.id, message["ts"]
                    )
                    return str(message["ts"])
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", 200)
            if status == 429 or status >= 500:
                self._on_slack_error(row, exc, stage="check")
            # Cannot read the channel (scope, not a member): post again rather than miss the alert.
            log.warning(
                "alert row %s: could not check %s for an earlier post (%s); posting it",
                row.id,
                row.channel_id,
                error_code(exc) or status,
            )
            return None
        except Exception as exc:
            raise _Retry(f"check failed: {type(exc).__name__}", maybe_posted=True) from exc
        return None

    def _on_slack_error(self, row: OutboxRow, exc: SlackApiError, *, stage: str) -> NoReturn:
        """Classify a Slack error answer; always raises _Retry or handles the row for good."""
        status = int(getattr(exc.response, "status_code", 200) or 200)
        error = error_code(exc)
        # Before the post (check) or after it (edit), the row may already be in the channel.
        uncertain = stage == "check"
        if status == 429:
            asked = retry_after(exc)
            delay = min(max(asked if asked is not None else 1.0, 0.0), RETRY_AFTER_CAP_SECONDS)
            self._pace(row, delay)
            raise _Retry("ratelimited", maybe_posted=uncertain, delay=delay, rate_limited=True)
        if error in CHANNEL_GONE:
            _, dropped = channel_gone(self.store, row.team_id, row.channel_id, error)
            log.warning(
                "alerts to %s/%s stopped: Slack says %s (subscription disabled, %d rows dropped)",
                row.team_id,
                row.channel_id,
                error,
                dropped,
            )
            raise _Handled()
        if error in TOKEN_GONE and self.team_client is not None:
            # OAuth installs: this workspace's token is gone (uninstalled), the others' are not.
            dropped = team_gone(self.store, row.team_id, error)
            log.warning(
                "alerts to workspace %s stopped: Slack says %s (%d rows dropped)", row.team_id, error, dropped
            )
            raise _Handled()
        if error in TOKEN_GONE:
            # One refusal proves nothing (Slack has had bad moments): ask auth.test.
            verdict = self.token.confirm(error)
            if verdict == "refused":
                raise _Retry(f"held: Slack refuses the token ({error})", maybe_posted=uncertain, held=True)
            raise _Retry(error, maybe_posted=uncertain)
        if error in PERMANENT_ERRORS:
            self.outbox.mark_failed(row, error)
            log.error(
                "alert row %s to %s/%s given up: Slack refused it (%s)",
                row.id,
                row.team_id,
                row.channel_id,
                error,
            )
            raise _Handled()
        # 5xx or an error we do not know: try again later. A 5xx to a post may still have posted.
        raise _Retry(error or f"HTTP {status}", maybe_posted=uncertain or (stage == "post" and status >= 500))

    def _retry(self, row: OutboxRow, retry: _Retry) -> None:
        fresh = self.outbox.row(row.id) or row
        if retry.held:
            log.info("alert row %s to %s/%s held: %s", row.id, row.team_id, row.channel_id, retry.error)
            self.outbox.retry_later(
                fresh, self.clock(), retry.error, maybe_posted=retry.maybe_posted, counted=False
            )
            return
        if retry.rate_limited:
            if fresh.rate_limited + 1 >= MAX_RATE_LIMITED:
                self.outbox.mark_failed(fresh, "rate limited too often")
                log.error(
                    "alert row %s to %s/%s given up: rate limited %d times",
                    row.id,
                    row.team_id,
                    row.channel_id,
                    MAX_RATE_LIMITED,
                )
                return
            delay = retry.delay if retry.delay is not None else 1.0
        else:
            if fresh.attempts + 1 >= MAX_ATTEMPTS:
                self.outbox.mark_failed(fresh, retry.error)
                log.error(
                    "alert row %s to %s/%s given up after %d tries: %s",
                    row.id,
                    row.team_id,
                    row.channel_id,
                    MAX_ATTEMPTS,
                    retry.error,
                )
                return
            delay = min(BACKOFF_BASE_SECONDS * 2**fresh.attempts, BACKOFF_CAP_SECONDS) * random.uniform(
                0.8, 1.2
            )
        log.info(
            "alert row %s to %s/%s: %s; retrying in %.1f s",
            row.id,
            row.team_id,
            row.channel_id,
            retry.error,
            delay,
        )
        self.outbox.retry_later(
            fresh,
            self.clock() + delay,
            retry.error,
            maybe_posted=retry.maybe_posted,
            rate_limited=retry.rate_limited,
        )

    def _on_token_recovered(self) -> None:
        self._drop_too_old()
        self.wake()

    def _drop_too_old(self) -> None:
        try:
            dropped = self.outbox.drop_older_than(
                self.clock() - HELD_MAX_AGE_SECONDS, reason="held too long: Slack refused the token"
            )
        except Exception as exc:
            log.warning("could not drop held alert rows that are too old (%s)", type(exc).__name__)
            return
        if dropped:
            log.warning(
                "%d alert rows dropped: held more than %d h while Slack refused the token",
                dropped,
                HELD_MAX_AGE_SECONDS // 3600,
            )

    def _reenable_team(self) -> None:
        """A token that works again (reinstalled app) lifts a stop caused by a dead token."""
        if self.team_client is not None:
            return  # OAuth installs: a reinstall saves a new installation and starts afresh
        try:
            response = self.client.auth_test()
        except Exception as exc:
            log.info("auth.test at start failed (%s); team state unchanged", type(exc).__name__)
            return
        team_id = response.get("team_id")
        try:
            if isinstance(team_id, str) and team_id and not self.store.team_sending_enabled(team_id):
                self.store.set_team_sending(team_id, True)
                log.info("team %s: the bot token works again; alert sending resumed", team_id)
        except StoreError as exc:
            # a one-off check in its own thread: one line, as the loops say it, not a traceback
            self._note_store_trouble(exc)
