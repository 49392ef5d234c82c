"""The store on both engines (an SQLite file and a real PostgreSQL server): schema, subscriptions,
event de-duplication, feedback, gaps, thread safety; plus what is SQLite's alone (WAL, a plain file)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.store import MIGRATIONS, PROCESSED_EVENT_TTL_SECONDS, Store, Subscription

OpenStore = Callable[..., Store]


@pytest.fixture
def open_store(db_location: Path | str) -> Iterator[OpenStore]:
    """Open (again) the test's database on its engine; every store is closed at the end."""
    opened: list[Store] = []

    def make(**options: object) -> Store:
        store = Store(db_location, **options)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: OpenStore) -> Store:
    return open_store()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "bot.db")


def test_schema_is_created_at_latest_version(store: Store) -> None:
    assert store.schema_version() == len(MIGRATIONS)
    assert store.pending_migrations() == []


def test_sqlite_runs_in_wal_mode(sqlite_store: Store) -> None:
    assert sqlite_store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_an_existing_database_keeps_data_and_version(open_store: OpenStore) -> None:
    open_store().subscribe(Subscription("T1", "C1"))
    reopened = open_store()
    assert reopened.schema_version() == len(MIGRATIONS)
    assert reopened.subscription("T1", "C1") is not None


def test_subscribing_again_replaces_the_options(store: Store) -> None:
    first = store.subscribe(Subscription("T1", "C1", components=("Queue API",), created_by="U1"))
    assert first.components == ("Queue API",) and first.created_by == "U1"
    replaced = store.subscribe(Subscription("T1", "C1", min_level="major_outage", maintenance=False))
    assert replaced.min_level == "major_outage"
    assert replaced.maintenance is False
    assert replaced.components == ()
    assert len(store.subscriptions("T1")) == 1


def test_subscriptions_are_scoped_by_team(store: Store) -> None:
    store.subscribe(Subscription("T1", "C1"))
    store.subscribe(Subscription("T2", "C1"))
    assert [s.team_id for s in store.subscriptions("T1")] == ["T1"]
    assert [s.team_id for s in store.subscriptions()] == ["T1", "T2"]
    assert store.unsubscribe("T1", "C1") is True
    assert store.unsubscribe("T1", "C1") is False
    assert store.subscription("T2", "C1") is not None


def test_disabled_subscription_is_kept_with_its_reason(store: Store) -> None:
    store.subscribe(Subscription("T1", "C1"))
    assert store.disable_subscription("T1", "C1", "is_archived") is True
    assert store.disable_subscription("T1", "C9", "is_archived") is False
    assert store.subscriptions("T1", active_only=True) == []
    (row,) = store.subscriptions("T1")
    assert (row.active, row.disabled_reason) == (False, "is_archived")
    # Subscribing again re-enables it.
    assert store.subscribe(Subscription("T1", "C1")).active is True


def test_an_event_id_is_processed_once_and_forgotten_after_a_day(open_store: OpenStore) -> None:
    now = [1_000_000.0]
    store = open_store(clock=lambda: now[0])
    assert store.mark_event_processed("Ev1", "T1") is True
    assert store.mark_event_processed("Ev1", "T1") is False
    assert open_store(clock=lambda: now[0]).mark_event_processed("Ev1") is False
    now[0] += PROCESSED_EVENT_TTL_SECONDS + 1
    store.mark_event_processed("Ev2")  # prunes old ids
    assert store.mark_event_processed("Ev1") is True


def test_two_deliveries_at_once_are_processed_once(open_store: OpenStore) -> None:
    """Two processes (two stores) recording the same event id at the same moment: one wins."""
    stores = [open_store(), open_store()]
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def deliver(index: int) -> None:
        barrier.wait()
        results.append(stores[index % 2].mark_event_processed("EvSame", "T1"))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_feedback_counts_votes_per_entry(store: Store) -> None:
    store.record_feedback("T1", "U1", "billing-account-locked", "up")
    store.record_feedback("T1", "U2", "billing-account-locked", "down")
    store.record_feedback("T1", "U2", "billing-account-locked", "up")
    assert store.feedback_counts() == {"billing-account-locked": {"up": 2, "down": 1}}


def test_a_second_vote_on_the_same_answer_replaces_the_first(store: Store) -> None:
    store.record_feedback("T1", "U1", "e", "up", answer="A1")
    store.record_feedback("T1", "U1", "e", "down", answer="A1")
    store.record_feedback("T1", "U1", "e", "up", answer="A2")
    assert [(v["answer"], v["vote"]) for v in store.feedback_votes()] == [("A1", "down"), ("A2", "up")]


def test_gaps_are_redacted_and_scoped(store: Store) -> None:
    store.record_gap("T1", "dm", "boom with key 0123abcd-0123-abcd-0123-0123456789ab:" + "f" * 32, "no_match")
    store.record_gap("T2", "channel", "another", "voted_down", "e1")
    (gap,) = store.gaps(3600, team_id="T1")
    assert "f" * 32 not in gap["text"] and gap["surface"] == "dm"
    assert [g["team_id"] for g in store.gaps(3600)] == ["T1", "T2"]


def test_only_the_newest_gaps_are_kept(open_store: OpenStore) -> None:
    """However many pastes one person sends, the gaps table keeps the newest `gap_kept_rows`."""
    now = [1_000.0]
    store = open_store(clock=lambda: now[0])
    store.gap_kept_rows = 3
    for number in range(7):
        now[0] += 1
        store.record_gap("T1", "dm", f"paste {number}", "no_match")
    assert [g["text"] for g in store.gaps(3600)] == ["paste 4", "paste 5", "paste 6"]


def test_seen_requests_are_remembered_until_they_expire(open_store: OpenStore) -> None:
    now = [1_000.0]
    store = open_store(clock=lambda: now[0])
    store.record_seen_requests([("1000", "v0=a", 1_300.0), ("1000", "v0=a", 1_300.0)])
    assert store.seen_request("1000", "v0=a") and not store.seen_request("1000", "v0=b")
    now[0] = 1_301.0
    assert not store.seen_request("1000", "v0=a")


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.execute(
            "INSERT INTO feedback (team_id, user_id, entry_id, vote, created_at) VALUES (?, ?, ?, ?, ?)",
            ("T", "U", "e", "up", 1.0),
        )
        raise RuntimeError("boom")
    assert store.feedback_counts() == {}


def test_writes_from_many_threads_all_land(store: Store) -> None:
    errors: list[BaseException] = []

    def subscribe_many(worker: int) -> None:
        try:
            for n in range(25):
                store.subscribe(Subscription("T1", f"C{worker}-{n}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=subscribe_many, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.subscriptions("T1")) == 100


def test_rows_carry_team_id(sqlite_store: Store) -> None:
    for table in ("subscriptions", "processed_events", "feedback", "teams"):
        columns = {row[1] for row in sqlite_store.db.conn.execute(f"PRAGMA table_info({table})")}
        assert "team_id" in columns, table


def test_team_sending_can_be_stopped_and_resumed(store: Store) -> None:
    assert store.team_sending_enabled("T1") is True
    store.set_team_sending("T1", False, "token_revoked")
    assert store.team_sending_enabled("T1") is False
    store.set_team_sending("T1", True)
    assert store.team_sending_enabled("T1") is True


def test_database_file_is_plain_sqlite(sqlite_store: Store) -> None:
    sqlite_store.subscribe(Subscription("T1", "C1"))
    conn = sqlite3.connect(sqlite_store.path)
    assert conn.execute("SELECT count(*) FROM subscriptions").fetchone()[0] == 1


def test_early_warning_and_quiet_hours_rows_on_both_engines(store: Store) -> None:
    """Migrations 6 and 7 (early warnings, quiet hours) and their queries, on either engine."""
    assert store.subscribe(Subscription("T1", "C1", early=True, quiet="22:00-08:00")).quiet == "22:00-08:00"
    store.subscribe(Subscription("T1", "C2"))
    store.record_fal_side_paste("T1", "p1", "server_error", ["queue.fal.run"], 600)
    seen = store.record_fal_side_paste("T1", "p2", "network", ["fal.run", "queue.fal.run"], 600)
    assert (seen.people, seen.categories, seen.hosts) == (
        2,
        ("server_error", "network"),
        ("queue.fal.run", "fal.run"),
    )
    assert store.queue_early_warning("T1", "early:1", '{"x": 1}', 3600) == ["C1"]
    assert store.queue_early_warning("T1", "early:2", '{"x": 1}', 3600) == []  # one an hour
    assert store.queue_early_confirmations('{"y": 1}', 3600) == 1
    assert store.queue_early_confirmations('{"y": 1}', 3600) == 0  # at most one per warning
