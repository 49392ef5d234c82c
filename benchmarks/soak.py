"""Soak: ack latency and memory of `fal-bot run --mode http` under a steady 20 signed requests a
second, beside a do-nothing waitress app under the same load, measured in the same run.

Run by hand from the repo root (not part of CI):

    .venv/bin/python benchmarks/soak.py [--seconds 120] [--rate 20] [--paste-every 10] [--rounds 4]

The load: signed `/fal status` commands at `--rate` per second on new connections, paced by the
clock (a slow answer does not slow the load), plus every `--paste-every`-th request a DM of a
crafted 40,000-character paste (the outside attack's `a.a.a.` paste), so diagnosis runs while acks
are measured. The baseline is a waitress server whose app answers 200 at once, with fal-bot's
waitress settings, in a process of its own like fal-bot (benchmarks/do_nothing.py), under the same
pacing. A bare Bolt app (benchmarks/bare_bolt.py: one listener that acks) is measured the same way,
so the report tells what the framework costs from what fal-bot adds. The three take turns
(`--rounds`), so other work on the machine falls on all alike. Reports p50 / p99 / max of the acks
and fal-bot's VmRSS over time (first and last tenth of the run).
Target: fal-bot's p99 within 1.5x of the baseline's, and RSS flat.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import bare_bolt, do_nothing  # noqa: E402
from benchmarks.ack import memory_kib, percentile, wait_for_snapshot  # noqa: E402
from tests.support.fake_slack import FakeSlack  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402
from tests.support.process import UNSET, BotProcess, bot_env  # noqa: E402
from tests.support.signing import SlackRequest, event, slash_command  # noqa: E402
from tests.support.status_page import FakeStatusPage  # noqa: E402


def post(port: int, request: SlackRequest) -> float:
    """Send one signed request on a new connection; seconds until its answer was read."""
    headers = {**request.headers(), "Content-Length": str(len(request.body)), "Connection": "close"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        started = time.perf_counter()
        connection.request("POST", "/slack/events", body=request.body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        took = time.perf_counter() - started
        if answer.status != 200:
            raise RuntimeError(f"HTTP {answer.status}")
        return took
    finally:
        connection.close()


def paced(
    port: int, seconds: float, rate: float, make: Callable[[int], tuple[SlackRequest, bool]]
) -> tuple[list[float], list[str]]:
    """Requests at `rate` a second for `seconds`, each on its own thread at its scheduled time; the
    latencies of those `make` marks as measured (acks), and any failures."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    threads: list[threading.Thread] = []
    start = time.monotonic()
    count = int(seconds * rate)

    def send(number: int) -> None:
        request, measured = make(number)
        try:
            took = post(port, request)
        except Exception as exc:
            with lock:
                failures.append(str(exc))
            return
        if measured:
            with lock:
                latencies.append(took)

    for number in range(count):
        delay = start + number / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=send, args=(number,), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=60)
    return latencies, failures


def summary(label: str, samples: list[float]) -> tuple[str, float]:
    ms = [s * 1000 for s in samples]
    p99 = percentile(ms, 0.99)
    line = (
        f"{label:<28} {len(ms):>6} {statistics.median(ms):>8.1f} {p99:>8.1f} {max(ms):>8.1f}"
        if ms
        else f"{label:<28} no samples"
    )
    return line, p99


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument(
        "--paste-every", type=int, default=10, help="every Nth request is a crafted DM (0: none)"
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="turns each server takes (the seconds are split among them)"
    )
    args = parser.parse_args()

    # Baseline: a do-nothing WSGI app under waitress in a process of its own (like fal-bot's: an
    # in-process server answers a client thread without a process wake-up, which flatters it),
    # same pacing, same request bodies. The two take turns, `--rounds` times, so that whatever else
    # the machine does in the meantime falls on both alike.
    crafted = "a." * 20_000
    url = "http://unused.invalid/"
    chunk = args.seconds / args.rounds
    baseline: list[float] = []
    bare: list[float] = []
    acks: list[float] = []
    base_failures: list[str] = []
    failures: list[str] = []
    with (
        TemporaryDirectory() as tmp,
        FakeSlack() as fake,
        do_nothing.serving() as base_port,
        do_nothing.serving(bare_bolt.__file__, fake.api_url) as bare_port,
    ):
        page = FakeStatusPage(LoopbackServer, flavour="instatus")
        env = bot_env(fake, Path(tmp) / "soak.db", page.url, LOG_LEVEL="WARNING", FAL_BOT_POLL_SECONDS=UNSET)
        bot = BotProcess(env, "--mode", "http").start()
        rss: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample_memory() -> None:
            while not stop.wait(1.0):
                rss.append((time.monotonic(), memory_kib(bot.process.pid)["VmRSS"]))

        sent = itertools.count()  # event ids stay unique across rounds (a repeated one is a retry)

        def make(number: int) -> tuple[SlackRequest, bool]:
            if args.paste_every and number % args.paste_every == args.paste_every - 1:
                dm = event(
                    "message_im.slack_docs.json", event={"text": crafted}, event_id=f"EvSoak{next(sent)}"
                )
                return dm, False
            return slash_command("status", response_url=fake.new_response_url()), True

        try:
            wait_for_snapshot(bot.port)
            sampler = threading.Thread(target=sample_memory, daemon=True)
            sampler.start()
            for _ in range(args.rounds):
                took, failed = paced(
                    base_port, chunk, args.rate, lambda n: (slash_command("status", response_url=url), True)
                )
                baseline += took
                base_failures += failed
                took, failed = paced(
                    bare_port, chunk, args.rate, lambda n: (slash_command("status", response_url=url), True)
                )
                bare += took
                base_failures += failed
                took, failed = paced(bot.port, chunk, args.rate, make)
                acks += took
                failures += failed
            stop.set()
        finally:
            bot.terminate(timeout=15)
        page.server.stop()

    print()
    print(
        f"{args.seconds:.0f} s for each server at {args.rate:g} requests/s (new connection each),"
        f" in {args.rounds} alternating rounds"
    )
    print(f"{'server':<28} {'acks':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    base_line, base_p99 = summary("do-nothing waitress app", baseline)
    bare_line, bare_p99 = summary("bare Bolt app (one ack)", bare)
    bot_line, bot_p99 = summary("fal-bot run (/fal status)", acks)
    print(base_line)
    print(bare_line)
    print(bot_line)
    if args.paste_every:
        print(f"  (every {args.paste_every}th request was a crafted 40,000-character DM, not timed)")
    tenth = max(1, len(rss) // 10)
    first = statistics.fmean(v for _, v in rss[:tenth]) / 1024 if rss else 0.0
    last = statistics.fmean(v for _, v in rss[-tenth:]) / 1024 if rss else 0.0
    print(f"fal-bot VmRSS: {first:.1f} MiB in the first tenth of the run, {last:.1f} MiB in the last")
    # A rise that levels off is warm-up (caches, the replay record's 5 minutes); a leak keeps rising.
    tenths = [rss[i * len(rss) // 10 : (i + 1) * len(rss) // 10] for i in range(10)]
    means = [statistics.fmean(v for _, v in part) / 1024 for part in tenths if part]
    print("fal-bot VmRSS by tenth of the run (MiB): " + " ".join(f"{m:.1f}" for m in means))
    print(f"failures: references {len(base_failures)}, fal-bot {len(failures)}")
    ratio = bot_p99 / base_p99 if base_p99 else float("inf")
    print(f"p99 ratio fal-bot / baseline: {ratio:.2f} (target <= 1.5)")
    bare_ratio = bare_p99 / base_p99 if base_p99 else float("inf")
    print(f"p99 ratio bare Bolt / baseline: {bare_ratio:.2f} (the framework's share)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
