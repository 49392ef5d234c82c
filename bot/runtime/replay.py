"""Refusing replayed Slack requests: `SeenRequests`, the ReplayGuard of bot/runtime/http.py.

Slack's signature has no nonce: the same signed bytes stay valid for the 5 minutes Slack allows
between X-Slack-Request-Timestamp and the clock (either way), so whoever captured a request could
send it again and run the command twice. Slack itself never does: its retries are new requests,
signed with the time they are sent. A (timestamp, signature) pair is therefore served once.

The record is kept in memory (exact and immediate within the process) and in the store (table
seen_requests), which is read for every new pair and written in batches: a process that restarts, or
another process sharing the store, refuses what was already served. Writing each pair at once cost
the ack path dearly: 50 concurrent requests queued on SQLite's single writer and the GIL (p99 of
benchmarks/ack.py went from ~45 ms to ~200 ms); a batch every FLUSH_EVERY_SECONDS does not. Even a
batch cost the one request that wrote it its commit, the slowest acks of benchmarks/soak.py: the
running bot writes them behind (`write_behind=True`, a thread of its own), so no ack waits on a
write. The price: a replay sent to *another* process within that fraction of a second of the
original could slip through; within one process none does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.store import Store, StoreError, describe_store_error

# Slack refuses timestamps more than 5 minutes off; a pair is remembered a minute longer.
log = logging.getLogger(__name__)

SEEN_TTL_SECONDS = 6 * 60
FLUSH_EVERY_SECONDS = 0.25
PRUNE_MEMORY_EVERY_SECONDS = 30.0


class SeenRequests:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        flush_every: float = FLUSH_EVERY_SECONDS,
        shared: bool = True,
        write_behind: bool = False,
    ):
        """`shared=False`: no other process uses this store now (the embedded SQLite default), so a
        request signed after this process started can only have been served by it, which its memory
        knows: the store is read only for older timestamps (a replay across a restart).
        `write_behind=True`: batches are written by a thread of their own every `flush_every`
        seconds, never by the request that fills them."""
        self.store = store
        self.clock = clock
        self.shared = shared
        self.started_at = clock()
        self.flush_every = flush_every
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], float] = {}
        self._pending: list[tuple[str, str, float]] = []
        self._next_flush = 0.0
        self._next_prune = 0.0
        self._store_failing = False
        self._writer: threading.Thread | None = None
        self._write_behind = write_behind

    def first_sighting(self, timestamp: str, signature: str) -> bool:
        """Record (timestamp, signature); False when it was served before (a replay)."""
        now = self.clock()
        try:
            stamp = float(timestamp)
        except ValueError:
            stamp = now
        key = (timestamp, signature)
        expiry = max(now, stamp) + SEEN_TTL_SECONDS
        with self._lock:
            if self._seen.get(key, 0.0) >= now:
                return False
            self._seen[key] = expiry  # refuses a concurrent copy in this process at once
        # Served by another process sharing the store, or by this one before a restart? Read before
        # the pair is queued for writing: the write-behind thread could otherwise store it first and
        # the read would call the request its own replay. A store that cannot be read or written
        # (read-only, locked) must not stop Slack's requests: the memory record still refuses
        # replays to this process, as the event de-duplication does.
        seen_elsewhere = False
        store_error: Exception | None = None  # a StoreError
        # one SELECT per request costs a burst of 50 acks ~30 ms at p99: skip it when it cannot help
        if self.shared or stamp < self.started_at + 1.0:
            try:
                seen_elsewhere = self.store.seen_request(timestamp, signature)
            except StoreError as exc:
                store_error = exc
        batch: list[tuple[str, str, float]] = []
        with self._lock:
            self._pending.append((timestamp, signature, expiry))
            if self._write_behind:
                self._start_writer()
            elif now >= self._next_flush:
                self._next_flush = now + self.flush_every
                batch, self._pending = self._pending, []
            if now >= self._next_prune:
                self._next_prune = now + PRUNE_MEMORY_EVERY_SECONDS
                self._seen = {k: until for k, until in self._seen.items() if until >= now}
        if batch and store_error is None:
            try:
                self.store.record_seen_requests(batch)
            except StoreError as exc:
                store_error = exc
        if store_error is not None:
            self._store_trouble(store_error)
            return True
        self._store_ok()
        return not seen_elsewhere

    def _store_trouble(self, exc: BaseException) -> None:
        if not self._store_failing:
            self._store_failing = True
            log.warning(
                "replay record: the database cannot be used (%s); replays are refused from memory only",
                describe_store_error(exc),
            )

    def _store_ok(self) -> None:
        if self._store_failing:
            self._store_failing = False
            log.info("replay record: the database works again")

    def flush(self) -> None:
        """Write what is still only in memory (at shutdown)."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            self.store.record_seen_requests(batch)

    def _start_writer(self) -> None:
        """(Under the lock.) The write-behind thread, started by the first request it serves."""
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_batches, name="replay-record", daemon=True)
            self._writer.start()

    def _write_batches(self) -> None:
        while True:
            time.sleep(self.flush_every)
            try:
                self.flush()
            except StoreError as exc:
                self._store_trouble(exc)
            except Exception:  # the thread must outlive any one bad batch
                log.exception("replay record: a batch could not be written")
            else:
                self._store_ok()
