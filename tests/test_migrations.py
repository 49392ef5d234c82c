"""Schema migrations on both engines: an upgrade keeps the data a released version wrote, several
processes starting at once take turns, both engines end with the same tables and columns, and
`fal-bot db status` / `fal-bot db upgrade` say and do what operators need."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from bot.alerts.outbox import Outbox
from bot.database.migrations import apply_pending, as_migration, migrate_postgres
from bot.store import MIGRATIONS, Store, Subscription
from tests.conftest import FIXTURES, REPO

# Written by fal-bot 0.1.0 (main at d71c0f9, schema version 5) through its own Store and
# AlertEngine tables: subscriptions (one with options, one disabled), a stopped team, a processed
# event, two votes, a gap, a seen request, engine state, a sent and a pending outbox row, a thread.
RELEASED_DB = FIXTURES / "db" / "release-0.1.0-schema5.db"


def db_env(location: Path | str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FAL_"))}
    env["FAL_BOT_DB"] = str(location)
    return env


def fal_bot_db(location: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "db", *args],
        env=db_env(location),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_database_written_by_the_released_version_opens_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "fal-bot.db"
    shutil.copy(RELEASED_DB, path)
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    c1 = store.subscription("T1", "C1")
    assert c1 is not None and (c1.min_level, c1.components, c1.created_by) == (
        "partial_outage",
        ("Queue API",),
        "U1",
    )
    assert [(s.channel_id, s.active, s.disabled_reason) for s in store.subscriptions("T1")] == [
        ("C1", True, None),
        ("C2", False, "is_archived"),
    ]
    assert store.team_sending_enabled("T2") is False
    assert store.mark_event_processed("Ev1") is False  # still remembered (the fixture's clock is in 2027)
    assert store.feedback_counts() == {"billing-account-locked": {"up": 1, "down": 1}}
    assert [g["text"] for g in store.gaps(10**10)] == ["some paste nobody matched"]
    outbox = Outbox(store)
    assert [(r.event_key, r.status) for r in outbox.rows()] == [("open", "sent"), ("u:1", "pending")]
    assert outbox.thread_ts("T1", "C1", "inc:i1") == "1800000000.000100"
    # and it keeps working: the new code writes into the old file
    store.subscribe(Subscription("T3", "C3"))
    assert Store(path).subscription("T3", "C3") is not None


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_older_schema_is_upgraded_without_losing_rows(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    location: Path | str = tmp_path / "bot.db"
    if engine == "postgresql":
        location = str(request.getfixturevalue("postgres_url"))
        with psycopg.connect(str(location), autocommit=True) as conn, conn.transaction():
            from bot.database import PostgresSession

            apply_pending(PostgresSession(conn), MIGRATIONS[:4])
    else:
        store = Store(location, migrate=False)
        with store.transaction() as tx:
            apply_pending(tx, MIGRATIONS[:4])
        store.close()
    old = Store(location, migrate=False)
    assert old.schema_version() == 4
    with old.transaction() as tx:
        tx.execute(
            "INSERT INTO feedback (team_id, user_id, entry_id, vote, created_at) VALUES (?, ?, ?, ?, ?)",
            ("T1", "U1", "e", "up", 1.0),
        )
    old.close()
    upgraded = Store(location)
    assert upgraded.schema_version() == len(MIGRATIONS) and upgraded.pending_migrations() == []
    assert upgraded.feedback_votes()[0] | {"created_at": 0} == {
        "team_id": "T1",
        "user_id": "U1",
        "entry_id": "e",
        "vote": "up",
        "answer": None,
        "created_at": 0,
    }
    upgraded.close()


def test_every_migration_has_a_postgresql_form() -> None:
    """A migration added for SQLite alone (a bare sqlite-utils function) fails here, by name."""
    missing = [as_migration(entry).name for entry in MIGRATIONS if as_migration(entry).postgres is None]
    assert missing == []


def test_a_sqlite_only_migration_is_refused_on_postgresql_by_name(postgres_url: str) -> None:
    def _migration_9_sqlite_only(db: object) -> None:
        raise AssertionError("never run on PostgreSQL")

    with pytest.raises(RuntimeError, match="_migration_9_sqlite_only has no PostgreSQL form"):
        migrate_postgres(postgres_url, [*MIGRATIONS, _migration_9_sqlite_only])
    # nothing of the failed run is left: the schema is at the last good version
    store = Store(postgres_url, migrate=False)
    assert store.schema_version() == 0  # all in one transaction
    store.close()


def test_both_engines_have_the_same_tables_and_columns(tmp_path: Path, postgres_url: str) -> None:
    sqlite_store = Store(tmp_path / "bot.db")
    tables = [
        row[0]
        for row in sqlite_store.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    sqlite_columns = {
        table: sorted(row[1] for row in sqlite_store.query(f"PRAGMA table_info({table})")) for table in tables
    }
    pg = Store(postgres_url)
    pg_columns: dict[str, list[str]] = {}
    for table, column in pg.query(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
    ):
        pg_columns.setdefault(table, []).append(column)
    assert {table: sorted(columns) for table, columns in pg_columns.items()} == sqlite_columns
    pg.close()


@pytest.mark.slow
def test_processes_starting_at_once_migrate_once(postgres_url: str) -> None:
    """Four `fal-bot db upgrade` processes and four stores opening together on an empty database:
    the advisory lock makes them take turns; one migrates, the others find nothing to do."""
    with ThreadPoolExecutor(8) as pool:
        runs = [pool.submit(fal_bot_db, postgres_url, "upgrade") for _ in range(4)]
        opens = [pool.submit(Store, postgres_url) for _ in range(4)]
        results = [run.result() for run in runs]
        stores = [opened.result() for opened in opens]
    assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]
    assert all(store.schema_version() == len(MIGRATIONS) for store in stores)
    assert stores[0].query("SELECT count(*) FROM schema_version") == [(1,)]
    upgraded = [r.stdout for r in results if "upgraded from schema version 0" in r.stdout]
    assert len(upgraded) <= 1
    for store in stores:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_db_status_and_upgrade(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    location: Path | str = tmp_path / "bot.db"
    if engine == "postgresql":
        location = str(request.getfixturevalue("postgres_url"))
    before = fal_bot_db(location, "status", "--json")
    assert before.returncode == 1, before.stderr
    assert json.loads(before.stdout)["pending"] == [as_migration(m).name for m in MIGRATIONS]
    if engine == "sqlite":
        assert not Path(location).exists()  # status never creates the file
    upgrade = fal_bot_db(location, "upgrade")
    assert upgrade.returncode == 0 and f"to {len(MIGRATIONS)}" in upgrade.stdout
    after = fal_bot_db(location, "status")
    assert after.returncode == 0 and "pending: none" in after.stdout
    assert f"schema version {len(MIGRATIONS)} of {len(MIGRATIONS)}" in after.stdout


@pytest.mark.slow
def test_db_commands_name_an_unreachable_server_without_its_password() -> None:
    result = fal_bot_db("postgresql://falbot:s3cret-pw@127.0.0.1:9/none", "status")
    assert result.returncode == 3
    assert "postgresql://falbot@127.0.0.1:9/none" in result.stderr and "s3cret-pw" not in result.stderr


def test_doctor_checks_a_postgresql_database_without_migrating_it(postgres_url: str) -> None:
    from bot.runtime.doctor import check_database

    before = check_database(postgres_url)
    assert not before.ok and "fal-bot db upgrade" in before.fix
    Store(postgres_url).close()
    after = check_database(postgres_url)
    assert after.ok and f"schema version {len(MIGRATIONS)}" in after.detail
    unreachable = check_database("postgresql://falbot:s3cret@127.0.0.1:9/none")
    assert not unreachable.ok and "s3cret" not in unreachable.detail + unreachable.fix
