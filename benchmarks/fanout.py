"""Alert latency of the real `fal-bot run --mode http` process, over loopback (run by hand, not by CI).

    .venv/bin/python benchmarks/fanout.py [--channels 500] [--trials 5]

1. Fan-out: N subscribed channels; the time from the status page changing (an incident opens) to
   the last channel's alert being accepted by the fake Slack (no rate limiting). Target: poll
   interval + 10 s.
2. One channel: the same for a single subscribed channel, over several incidents. Target: poll
   interval + 2 s.
The poll interval is 1 s (FAL_BOT_POLL_SECONDS=1), so a change waits up to 1 s to be seen.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.alerts.sender import METADATA_EVENT_TYPE  # noqa: E402
from bot.store import Store, Subscription  # noqa: E402
from tests.support.fake_slack import FakeSlack  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402
from tests.support.process import BotProcess, bot_env  # noqa: E402
from tests.support.status_page import FakeStatusPage  # noqa: E402

POLL_SECONDS = 1
TEAM = "T111"


def start_bot(fake: FakeSlack, page: FakeStatusPage, db: Path) -> BotProcess:
    env = bot_env(fake, db, page.url, LOG_LEVEL="WARNING", FAL_BOT_POLL_SECONDS=str(POLL_SECONDS))
    bot = BotProcess(env, "--mode", "http").start().wait_until_serving()
    time.sleep(2 * POLL_SECONDS)  # the first polls are done: the page is known operational
    return bot


def alert_posts(fake: FakeSlack, incident: str) -> list[float]:
    """Times (monotonic, this process) Slack accepted each top-level alert for `incident`."""
    key = f"inc:{incident}|open"
    return [
        call.at
        for call in fake.ok_calls("chat.postMessage")
        if (call.params.get("metadata") or {}).get("event_type") == METADATA_EVENT_TYPE
        and (call.params["metadata"].get("event_payload") or {}).get("key") == key
    ]


def measure(
    fake: FakeSlack, page: FakeStatusPage, incident: str, expected: int, timeout: float = 120
) -> float:
    started = time.monotonic()
    page.open_incident(
        id=incident,
        name=f"Benchmark {incident}",
        impact="major_outage",
        started=datetime.now(UTC).isoformat(),
    )
    deadline = started + timeout
    while len(posts := alert_posts(fake, incident)) < expected:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(posts)} of {expected} alerts within {timeout} s")
        time.sleep(0.01)
    return max(posts) - started


def run(channels: int, trials: int) -> dict[str, object]:
    results: dict[str, object] = {"poll_seconds": POLL_SECONDS}
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(team_id=TEAM) as fake:
        # Fan-out to N channels.
        page = FakeStatusPage(LoopbackServer, flavour="instatus")
        db = Path(tmp) / "fanout.db"
        store = Store(db)
        for number in range(channels):
            store.subscribe(Subscription(TEAM, f"C{number:04d}"))
        bot = start_bot(fake, page, db)
        try:
            fanout = measure(fake, page, "fanout", channels)
        finally:
            bot.terminate(timeout=20)
            page.server.stop()
        results["fanout"] = {
            "channels": channels,
            "seconds_to_last_channel": round(fanout, 2),
            "target_seconds": POLL_SECONDS + 10,
        }

        # One channel, several incidents.
        page = FakeStatusPage(LoopbackServer, flavour="instatus")
        db = Path(tmp) / "single.db"
        Store(db).subscribe(Subscription(TEAM, "CSOLO"))
        bot = start_bot(fake, page, db)
        latencies = []
        try:
            for trial in range(trials):
                latencies.append(measure(fake, page, f"solo{trial}", 1))
                page.resolve(f"solo{trial}")
                time.sleep(POLL_SECONDS * 2.5)  # the resolution goes out before the next trial
        finally:
            bot.terminate(timeout=20)
            page.server.stop()
        results["single_channel"] = {
            "trials": trials,
            "median_seconds": round(statistics.median(latencies), 2),
            "max_seconds": round(max(latencies), 2),
            "all_seconds": [round(value, 2) for value in latencies],
            "target_seconds": POLL_SECONDS + 2,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(run(args.channels, args.trials), indent=2))


if __name__ == "__main__":
    main()
