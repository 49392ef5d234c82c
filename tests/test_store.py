"""The SQLite store: schema, subscriptions, event de-duplication, feedback, thread safety."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.store import MIGRATIONS, PROCESSED_EVENT_TTL_SECONDS, Store, Subscription


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "bot.db")


def test_schema_is_created_in_wal_mode_at_latest_version(store: Store) -> None:
    assert store.schema_version() == len(MIGRATIONS)
    assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_an_existing_file_keeps_data_and_version(tmp_path: Path) -> None:
    Store(tmp_path / "bot.db").subscribe(Subscription("T1", "C1"))
    reopened = Store(tmp_path / "bot.db")
    assert reopened.schema_version() == len(MIGRATIONS)
    assert reopened.subscription("T1", "C1") is not None


def test_subscribing_again_replaces_the_options(store: Store) -> None:
    store.subscribe(Subscription("T1", "C1", components=("Queue API",)))
    replaced = store.subscribe(Subscription("T1", "C1", min_level="major_outage", maintenance=False))
    assert replaced.min_level == "major_outage"
    assert replaced.maintenance is False
    assert replaced.components == ()
    assert len(store.subscriptions("T1")) == 1


def test_subscriptions_are_scoped_by_team(store: Store) -> None:
    store.subscribe(Subscription("T1", "C1"))
    store.subscribe(Subscription("T2", "C1"))
    assert [s.team_id for s in store.subscriptions("T1")] == ["T1"]
    assert store.unsubscribe("T1", "C1") is True
    assert store.unsubscribe("T1", "C1") is False
    assert store.subscription("T2", "C1") is not None


def test_disabled_subscription_is_kept_with_its_reason(store: Store) -> None:
    store.subscribe(Subscription("T1", "C1"))
    store.disable_subscription("T1", "C1", "is_archived")
    assert store.subscriptions("T1", active_only=True) == []
    (row,) = store.subscriptions("T1")
    assert (row.active, row.disabled_reason) == (False, "is_archived")
    # Subscribing again re-enables it.
    assert store.subscribe(Subscription("T1", "C1")).active is True


def test_an_event_id_is_processed_once_and_forgotten_after_a_day(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = Store(tmp_path / "bot.db", clock=lambda: now[0])
    assert store.mark_event_processed("Ev1", "T1") is True
    assert store.mark_event_processed("Ev1", "T1") is False
    assert Store(tmp_path / "bot.db", clock=lambda: now[0]).mark_event_processed("Ev1") is False
    now[0] += PROCESSED_EVENT_TTL_SECONDS + 1
    store.mark_event_processed("Ev2")  # prunes old ids
    assert store.mark_event_processed("Ev1") is True


def test_feedback_counts_votes_per_entry(store: Store) -> None:
    store.record_feedback("T1", "U1", "billing-account-locked", "up")
    store.record_feedback("T1", "U2", "billing-account-locked", "down")
    store.record_feedback("T1", "U2", "billing-account-locked", "up")
    assert store.feedback_counts() == {"billing-account-locked": {"up": 2, "down": 1}}


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.table("feedback").insert(
            {"team_id": "T", "user_id": "U", "entry_id": "e", "vote": "up", "created_at": 1.0}
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


def test_rows_carry_team_id(store: Store) -> None:
    for table in ("subscriptions", "processed_events", "feedback", "teams"):
        columns = {row[1] for row in store.db.conn.execute(f"PRAGMA table_info({table})")}
        assert "team_id" in columns, table


def test_team_sending_can_be_stopped_and_resumed(store: Store) -> None:
    assert store.team_sending_enabled("T1") is True
    store.set_team_sending("T1", False, "token_revoked")
    assert store.team_sending_enabled("T1") is False
    store.set_team_sending("T1", True)
    assert store.team_sending_enabled("T1") is True


def test_database_file_is_plain_sqlite(store: Store) -> None:
    store.subscribe(Subscription("T1", "C1"))
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT count(*) FROM subscriptions").fetchone()[0] == 1
