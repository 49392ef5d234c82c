"""How fast and how big `fal-bot diagnose` is. Run by hand, not by CI:

    .venv/bin/python benchmarks/diagnose.py [--pastes 300] [--big 30]

Measures, against the real console script:
- per-paste time in `--jsonl` batch mode, startup excluded: the time between the first and the
  last answer, divided by the pastes after the first (targets: <= 2 ms typical, <= 50 ms for 40 KB);
- crafted pastes (tests/support/adversarial.py: the outside attack's inputs and their families,
  each one piece repeated) at 40 KB and 1 MB, one `--jsonl` run each, the worst of them beside the
  typical 40 KB log measured in the same run (targets: <= 50 ms at 40 KB, < 2 s at 1 MB), and the
  worst first sighting: a crafted paste's first reading in a new batch, which pays for whatever
  the process meets for the first time;
- CLI startup: `fal-bot --help` and one `fal-bot diagnose --json` (load the knowledge base, answer);
- peak memory: the batch process's max RSS (getrusage) and, in this process, tracemalloc's peak
  while building the Diagnoser and diagnosing one 40 KB paste.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAL_BOT = Path(sys.executable).with_name("fal-bot")

FAL_ERRORS = [
    "fal_client.client.FalClientHTTPError: No user found for Key ID and Secret",
    '{"detail": "User is locked. Reason: Exhausted balance. Top up at fal.ai/dashboard/billing"}',
    "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://queue.fal.run/fal-ai/flux/dev'",
    "Error: getaddrinfo ENOTFOUND queue.fal.ai",
    '503 {"detail":"Runner disconnected","error_type":"runner_disconnected"} from https://queue.fal.run/fal-ai/x',
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached', 'param': None}}",
]


def typical_pastes(count: int) -> list[str]:
    """Knowledge-base examples and not_examples (real pastes, a few hundred characters each)."""
    sys.path.insert(0, str(ROOT))
    from bot.diagnosis import load_knowledge

    texts = [ex.text for entry in load_knowledge() for ex in (*entry.examples, *entry.not_examples)]
    texts += FAL_ERRORS
    rng = random.Random(1)
    return [rng.choice(texts) for _ in range(count)]


def big_paste(seed: int, size: int = 40_000) -> str:
    """A 40 KB log dump with one fal error somewhere in it."""
    rng = random.Random(seed)
    lines: list[str] = []
    while sum(len(line) + 1 for line in lines) < size:
        level = rng.choice(["INFO", "INFO", "INFO", "DEBUG", "WARN"])
        lines.append(
            f"2026-11-24T08:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(999)}Z {level} "
            f"worker-{rng.randrange(9)} job={rng.randrange(10**6)} status=ok took={rng.random():.3f}s "
            f"queue=images retries={rng.randrange(3)} error=null"
        )
    lines.insert(rng.randrange(len(lines)), "ERROR " + rng.choice(FAL_ERRORS))
    return "\n".join(lines)[:size]


def batch_ms_per_paste(texts: list[str]) -> tuple[float, float, int, float]:
    """(ms per paste after the first, total seconds, max RSS KB, ms of the second paste alone) for
    one `diagnose --jsonl` run."""
    payload = "".join(json.dumps(text) + "\n" for text in texts).encode()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(FAL_BOT), "diagnose", "--jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert process.stdin and process.stdout
    stdin = process.stdin

    def feed() -> None:  # in a thread, so answers are read as they come, not after all input is written
        stdin.write(payload)
        stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    first = process.stdout.readline()
    first_at = time.perf_counter()
    answers = 1 if first else 0
    second_at = first_at
    for _line in process.stdout:
        answers += 1
        if answers == 2:
            second_at = time.perf_counter()
    last_at = time.perf_counter()
    process.wait()
    writer.join()
    assert answers == len(texts), f"{answers} answers for {len(texts)} pastes"
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    per_paste = (last_at - first_at) / max(1, len(texts) - 1) * 1000
    return per_paste, last_at - started, rss_kb, (second_at - first_at) * 1000


def crafted_worst_ms(size: int, repeats: int = 5) -> tuple[tuple[float, str], tuple[float, str]]:
    """(ms, piece) of the slowest crafted paste of `size` characters: each piece in its own batch, a
    warm-up paste then the crafted one `repeats` times, so the figure is that paste's own time; and
    (ms, piece) of the slowest first sighting (the crafted paste's first reading in its batch)."""
    sys.path.insert(0, str(ROOT))
    from tests.support.adversarial import KNOWN_BAD, knowledge_literals, literal_soup, repeat

    crafted = [(f"{unit!r} repeated", repeat(unit, size)) for unit in KNOWN_BAD]
    literals = knowledge_literals()
    crafted += [
        (f"entry regexes' literals, seed {seed}", literal_soup(literals, size, seed)) for seed in range(3)
    ]
    worst = worst_first = (0.0, "")
    for label, text in crafted:
        per_paste, _, _, first_ms = batch_ms_per_paste([FAL_ERRORS[0]] + [text] * repeats)
        worst = max(worst, (per_paste, label))
        worst_first = max(worst_first, (first_ms, label))
    return worst, worst_first


def startup_ms(args: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(FAL_BOT), *args], capture_output=True, check=False)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def in_process_peak_mb() -> tuple[float, float]:
    """(tracemalloc peak MB building the Diagnoser, peak MB diagnosing one 40 KB paste)."""
    sys.path.insert(0, str(ROOT))
    from bot.diagnosis import Diagnoser, load_knowledge

    tracemalloc.start()
    diagnoser = Diagnoser(load_knowledge())
    build_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    diagnoser.diagnose(big_paste(99))
    diagnose_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return build_peak / 2**20, diagnose_peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pastes", type=int, default=300, help="typical pastes in the batch")
    parser.add_argument("--big", type=int, default=30, help="40 KB pastes in the batch")
    args = parser.parse_args()

    typical_ms, typical_total, _, _ = batch_ms_per_paste(typical_pastes(args.pastes))
    big_ms, big_total, rss_kb, _ = batch_ms_per_paste([big_paste(seed) for seed in range(args.big)])
    (crafted_ms, crafted_unit), (first_ms, first_unit) = crafted_worst_ms(40_000)
    (crafted_mb_ms, crafted_mb_unit), _ = crafted_worst_ms(1_000_000, repeats=2)
    help_ms = startup_ms(["--help"])
    one_ms = startup_ms(["diagnose", "--json", FAL_ERRORS[0]])
    build_mb, diagnose_mb = in_process_peak_mb()

    rows = [
        ("typical paste, --jsonl, startup excluded", f"{typical_ms:.2f} ms", "<= 2 ms", typical_ms <= 2),
        ("40 KB paste, --jsonl, startup excluded", f"{big_ms:.2f} ms", "<= 50 ms", big_ms <= 50),
        (
            f"worst crafted 40 KB paste ({crafted_unit})",
            f"{crafted_ms:.2f} ms",
            "<= 50 ms",
            crafted_ms <= 50,
        ),
        (
            f"worst first sighting of a crafted 40 KB paste ({first_unit})",
            f"{first_ms:.2f} ms",
            "<= 50 ms",
            first_ms <= 50,
        ),
        (
            f"worst crafted 1 MB paste ({crafted_mb_unit})",
            f"{crafted_mb_ms:.0f} ms",
            "< 2000 ms",
            crafted_mb_ms < 2000,
        ),
        ("startup: fal-bot --help", f"{help_ms:.0f} ms", "", None),
        ("startup + one answer: fal-bot diagnose --json", f"{one_ms:.0f} ms", "", None),
        ("peak RSS of the batch process", f"{rss_kb / 1024:.1f} MB", "", None),
        ("tracemalloc peak: load KB + build Diagnoser", f"{build_mb:.1f} MB", "", None),
        ("tracemalloc peak: diagnose one 40 KB paste", f"{diagnose_mb:.1f} MB", "", None),
    ]
    width = max(len(name) for name, *_ in rows)
    print(f"{'measure'.ljust(width)}  {'value':>10}  target")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{name.ljust(width)}  {value:>10}  {target} {mark}".rstrip())
    print(
        f"({args.pastes} typical pastes in {typical_total:.2f} s, {args.big} big pastes in "
        f"{big_total:.2f} s, wall times including startup)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
