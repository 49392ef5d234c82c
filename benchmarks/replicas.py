"""PostgreSQL and two replicas against SQLite and one process, measured in the same run (by hand).

    .venv/bin/python benchmarks/replicas.py [--channels 500] [--concurrency 50] [--rounds 5]

1. Fan-out: N subscribed channels; page change (an incident opens) -> the last channel's alert
   accepted by the fake Slack. SQLite with one `fal-bot run`, then PostgreSQL with two `fal-bot run`
   processes (whichever leads sends). Target: poll interval + 10 s.
2. Ack: bursts of 50 concurrent signed `/fal status` (new connection each) to one process on SQLite,
   then to one of two replicas on PostgreSQL (its replay record is then read from the database for
   every request). Target: PostgreSQL's p99 within 20 ms of SQLite's.
PostgreSQL: FAL_BOT_TEST_POSTGRES_URL, or a throwaway cluster (tests/support/postgres.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.ack import burst, percentile, wait_for_snapshot  # noqa: E402
from benchmarks.fanout import measure  # noqa: E402
from bot.store import Store, Subscription  # noqa: E402
from tests.support.fake_slack import FakeSlack  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402
from tests.support.postgres import Cluster, start_cluster  # noqa: E402
from tests.support.process import UNSET, BotProcess, bot_env  # noqa: E402
from tests.support.status_page import FakeStatusPage  # noqa: E402

POLL_SECONDS = 1
TEAM = "T111"


def start(
    fake: FakeSlack, page: FakeStatusPage, db: str, count: int, logs: Path, **env: str
) -> list[BotProcess]:
    bots = [
        BotProcess(
            bot_env(fake, db, page.url, LOG_LEVEL="WARNING", **env), "--mode", "http", log=logs / f"{n}.log"
        )
        for n in range(count)
    ]
    for bot in bots:
        bot.start()
    for bot in bots:
        bot.wait_until_serving()
    return bots


def fanout(fake: FakeSlack, db: str, channels: int, replicas: int, logs: Path, name: str) -> float:
    store = Store(db)
    for number in range(channels):
        store.subscribe(Subscription(TEAM, f"C{number:04d}"))
    store.close()
    page = FakeStatusPage(LoopbackServer, flavour="instatus")
    bots = start(fake, page, db, replicas, logs, FAL_BOT_POLL_SECONDS=str(POLL_SECONDS))
    try:
        deadline = time.monotonic() + 30
        while not any(
            bot.health()[1].get("leader") and bot.health()[1]["level"] != "unknown" for bot in bots
        ):
            if time.monotonic() > deadline:
                raise SystemExit("no replica leads")
            time.sleep(0.1)
        time.sleep(2 * POLL_SECONDS)
        return measure(fake, page, name, channels)
    finally:
        for bot in bots:
            bot.terminate(timeout=20)
        page.server.stop()


def acks(fake: FakeSlack, db: str, replicas: int, concurrency: int, rounds: int, logs: Path) -> list[float]:
    page = FakeStatusPage(LoopbackServer, flavour="instatus")
    page.open_incident(id="bench", name="Queue API slow", impact="degraded", components=["Queue API"])
    bots = start(fake, page, db, replicas, logs, FAL_BOT_POLL_SECONDS=UNSET)
    try:
        target = bots[-1]  # on PostgreSQL, whichever replica; it answers from its own cache
        wait_for_snapshot(target.port)
        burst(target.port, fake, 5, keep_alive=False)  # warm-up
        samples: list[float] = []
        for _ in range(rounds):
            samples += burst(target.port, fake, concurrency, keep_alive=False)
            time.sleep(0.2)
        return [s * 1000 for s in samples]
    finally:
        for bot in bots:
            bot.terminate(timeout=20)
        page.server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-fanout", action="store_true", help="measure the acks only")
    args = parser.parse_args()
    given = os.environ.get("FAL_BOT_TEST_POSTGRES_URL")
    cluster = Cluster(given) if given else start_cluster()
    results: dict[str, object] = {"poll_seconds": POLL_SECONDS}
    try:
        with tempfile.TemporaryDirectory() as tmp, FakeSlack(team_id=TEAM) as fake:
            logs = Path(tmp)
            if not args.skip_fanout:
                sqlite_fanout = fanout(fake, str(logs / "fanout.db"), args.channels, 1, logs, "sqlite")
                pg_fanout = fanout(fake, cluster.new_database(), args.channels, 2, logs, "postgres")
            results["fanout_seconds_to_last_channel"] = (
                None
                if args.skip_fanout
                else {
                    "channels": args.channels,
                    "sqlite_one_process": round(sqlite_fanout, 2),
                    "postgresql_two_replicas": round(pg_fanout, 2),
                    "target": POLL_SECONDS + 10,
                }
            )
            sqlite_ms = acks(fake, str(logs / "ack.db"), 1, args.concurrency, args.rounds, logs)
            pg_ms = acks(fake, cluster.new_database(), 2, args.concurrency, args.rounds, logs)
            results["ack_ms_new_connection_each"] = {
                "requests": len(sqlite_ms),
                "sqlite_p50_p99": [
                    round(statistics.median(sqlite_ms), 1),
                    round(percentile(sqlite_ms, 0.99), 1),
                ],
                "postgresql_p50_p99": [round(statistics.median(pg_ms), 1), round(percentile(pg_ms, 0.99), 1)],
                "target": "postgresql p99 <= sqlite p99 + 20 ms",
            }
    finally:
        cluster.stop()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
