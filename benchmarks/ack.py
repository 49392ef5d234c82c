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

Two processes run side by side in the same run: one with GET /metrics and its instrumentation on
(the default), one with FAL_BOT_METRICS=0 (the baseline). Their bursts alternate, and the report
gives the p99 difference: the issue's bar is "within 5 ms". /metrics is scraped between bursts, and
the process's own falbot_ack_seconds mean is printed beside what the clients measured.
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


def server_side_acks(port: int) -> tuple[float, float]:
    """(count, mean seconds) of falbot_ack_seconds as the process itself measured them."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name in ("falbot_ack_seconds_count", "falbot_ack_seconds_sum")
    }
    count = values.get("falbot_ack_seconds_count", 0.0)
    return count, values.get("falbot_ack_seconds_sum", 0.0) / count if count else 0.0


def instrumentation_cost_us(repeat: int = 20000) -> float:
    """What the instrumentation adds to one Slack request, measured in this process: classifying
    the body, counting it, and observing its ack time (the work the Router and handler do)."""
    from bot.metrics import PrometheusMetrics
    from bot.runtime.slack_request import surface

    metrics = PrometheusMetrics(mode="http")
    request = slash_command("status", response_url="http://127.0.0.1:9/respond/1")
    started = time.perf_counter()
    for _ in range(repeat):
        metrics.request(surface(request.body, request.content_type))
        metrics.observe_ack(time.monotonic() - started)
    return (time.perf_counter() - started) / repeat * 1e6


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
        # Two processes in the same run: /metrics and its instrumentation on (the default) and off
        # (FAL_BOT_METRICS=0, the baseline). The default poll interval, as in production: the
        # bursts are answered from the cache.
        bots = {}
        for label, flag in (("metrics on", "1"), ("metrics off", "0")):
            env = bot_env(
                fake,
                Path(tmp) / f"bench-{flag}.db",
                page.url,
                LOG_LEVEL="WARNING",
                FAL_BOT_POLL_SECONDS=UNSET,
                FAL_BOT_METRICS=flag,
            )
            bots[label] = BotProcess(env, "--mode", "http").start()
        samples: dict[tuple[str, bool], list[float]] = {
            (label, keep_alive): [] for label in bots for keep_alive in (False, True)
        }
        burst_p99: dict[tuple[str, bool], list[float]] = {key: [] for key in samples}
        try:
            for bot in bots.values():
                wait_for_snapshot(bot.port)
                burst(bot.port, fake, 5, keep_alive=False)  # warm-up: imports, first connections
            on = bots["metrics on"]
            baseline = memory_kib(on.process.pid)
            labels = list(bots)
            for number in range(args.rounds):
                # Alternate which process goes first, so drift on a shared machine hits both alike.
                for label in labels if number % 2 == 0 else labels[::-1]:
                    for keep_alive in (False, True):
                        taken = burst(bots[label].port, fake, args.concurrency, keep_alive)
                        samples[label, keep_alive] += taken
                        burst_p99[label, keep_alive].append(percentile([t * 1000 for t in taken], 0.99))
                        time.sleep(0.2)
                server_side_acks(on.port)  # a Prometheus scrape between bursts, as in production
            memory = memory_kib(on.process.pid)
            acks_counted, server_mean = server_side_acks(on.port)
        finally:
            for bot in bots.values():
                bot.terminate(timeout=15)
        page.server.stop()

    print()
    print(
        f"fal-bot run --mode http: {args.rounds} bursts of {args.concurrency} concurrent signed /fal status "
        "per process and connection style, metrics on and off in the same run"
    )
    print(
        f"{'process':<12} {'connections':<12} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'mean ms':>8}"
    )
    p99: dict[tuple[str, bool], float] = {}
    for (label, keep_alive), taken in samples.items():
        ms = [s * 1000 for s in taken]
        p99[label, keep_alive] = percentile(ms, 0.99)
        print(
            f"{label:<12} {'keep-alive' if keep_alive else 'new conn':<12} {len(ms):>8} "
            f"{statistics.median(ms):>8.1f} {p99[label, keep_alive]:>8.1f} {max(ms):>8.1f} "
            f"{statistics.fmean(ms):>8.1f}"
        )
    for keep_alive in (False, True):
        style = "keep-alive" if keep_alive else "new conn"
        cost = p99["metrics on", keep_alive] - p99["metrics off", keep_alive]
        typical = statistics.median(burst_p99["metrics on", keep_alive]) - statistics.median(
            burst_p99["metrics off", keep_alive]
        )
        print(
            f"/metrics cost, {style}: p99 {cost:+.1f} ms over all requests, {typical:+.1f} ms between the "
            "median bursts' p99"
        )
    per_request = instrumentation_cost_us()
    print(
        f"instrumentation per request, in-process: {per_request:.1f} µs (count, classify, time the ack); "
        f"{args.concurrency} requests in one burst: {per_request * args.concurrency / 1000:.2f} ms of CPU "
        "at most ahead of the last one"
    )
    client_mean = statistics.fmean(
        [s * 1000 for keep_alive in (False, True) for s in samples["metrics on", keep_alive]]
    )
    print(
        f"falbot_ack_seconds (metrics on): {acks_counted:.0f} acks, mean {server_mean * 1000:.1f} ms "
        f"server-side vs {client_mean:.1f} ms seen by the clients (which add their own send and read)"
    )
    print(
        f"memory (metrics on): VmRSS {memory['VmRSS'] / 1024:.1f} MiB after the bursts "
        f"({baseline['VmRSS'] / 1024:.1f} MiB before), peak VmHWM {memory['VmHWM'] / 1024:.1f} MiB"
    )
    worst = max(p99.values())
    print(f"target p99 < 100 ms: {'met' if worst < 100 else 'NOT met'} (worst p99 {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
