"""Ack latency of `fal-bot run --mode http` under 50 concurrent signed `/fal status` requests.

Run by hand from the repo root (not part of CI):

    .venv/bin/python benchmarks/ack.py [--concurrency 50] [--rounds 5]

It starts the real process against loopback fakes (Slack's Web API, an Instatus status page), waits
until the status monitor has a snapshot (so `/fal status` answers from it, as in production), then
fires `--rounds` bursts of `--concurrency` simultaneous requests, released together by a barrier.
Latency is measured from sending the request to having read the whole answer. Two connection styles:
- `new conn`: keep-alive off, a fresh TCP connection per request (connect time included);
- `keep-alive`: each client thread connects first, so only the request itself is timed.
Reports p50 / p99 / max and the process's memory (VmRSS now, VmHWM peak, from /proc/<pid>/status).
Target: p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path
from tempfile import TemporaryDirectory

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.fake_slack import FakeSlack  # noqa: E402
from tests.support.loopback import LoopbackServer  # noqa: E402
from tests.support.process import UNSET, BotProcess, bot_env  # noqa: E402
from tests.support.signing import slash_command  # noqa: E402
from tests.support.status_page import FakeStatusPage  # noqa: E402


def memory_kib(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


def wait_for_snapshot(port: int, timeout: float = 30.0) -> None:
    import json

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if json.loads(answer.read())["level"] != "unknown":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("fal-bot never reported a status level")


def burst(port: int, fake: FakeSlack, concurrency: int, keep_alive: bool) -> list[float]:
    """One burst: `concurrency` threads send one signed /fal status each, released together."""
    barrier = threading.Barrier(concurrency)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        request = slash_command("status", response_url=fake.new_response_url())
        headers = {**request.headers(), "Content-Length": str(len(request.body))}
        if not keep_alive:
            headers["Connection"] = "close"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if keep_alive:
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            barrier.wait()
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=request.body, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            took = time.perf_counter() - started
            if answer.status != 200 or b"fal" not in body.lower():
                raise RuntimeError(f"HTTP {answer.status}: {body[:120]!r}")
            with lock:
                latencies.append(took)
        except Exception as exc:
            with lock:
                failures.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with TemporaryDirectory() as tmp, FakeSlack() as fake:
        page = FakeStatusPage(LoopbackServer, flavour="instatus")
        page.open_incident(id="bench", name="Queue API slow", impact="degraded", components=["Queue API"])
        # The default poll interval, as in production: the bursts are answered from the cache.
        env = bot_env(fake, Path(tmp) / "bench.db", page.url, LOG_LEVEL="WARNING", FAL_BOT_POLL_SECONDS=UNSET)
        bot = BotProcess(env, "--mode", "http").start()
        try:
            wait_for_snapshot(bot.port)
            burst(bot.port, fake, 5, keep_alive=False)  # warm-up: imports, first connections
            baseline = memory_kib(bot.process.pid)
            rows = []
            for keep_alive in (False, True):
                samples: list[float] = []
                for _ in range(args.rounds):
                    samples += burst(bot.port, fake, args.concurrency, keep_alive)
                    time.sleep(0.2)
                rows.append(("keep-alive" if keep_alive else "new conn", samples))
            memory = memory_kib(bot.process.pid)
        finally:
            bot.terminate(timeout=15)
        page.server.stop()

    print()
    print(
        f"fal-bot run --mode http: {args.rounds} bursts of {args.concurrency} concurrent signed /fal status"
    )
    print(f"{'connections':<12} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8}")
    for label, samples in rows:
        ms = [s * 1000 for s in samples]
        print(
            f"{label:<12} {len(ms):>8} {statistics.median(ms):>8.1f} {percentile(ms, 0.99):>8.1f} "
            f"{max(ms):>8.1f} {statistics.fmean(ms):>8.1f}"
        )
    print(
        f"memory: VmRSS {memory['VmRSS'] / 1024:.1f} MiB after the bursts "
        f"({baseline['VmRSS'] / 1024:.1f} MiB before), peak VmHWM {memory['VmHWM'] / 1024:.1f} MiB"
    )
    worst = max(percentile([s * 1000 for s in samples], 0.99) for _, samples in rows)
    print(f"target p99 < 100 ms: {'met' if worst < 100 else 'NOT met'} (worst p99 {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
