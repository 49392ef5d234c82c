"""Generalisation: real pastes the knowledge base has never seen (tests/data/eval_pastes.yml).

The floors are generous so the test is not flaky, but it fails when a change makes the matcher
clearly worse at unseen fal errors or starts answering other vendors' errors.
Run with `-s` to see the confusion summary; benchmarks/accuracy.py prints the same plus
leave-one-out figures.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from rapidfuzz import fuzz

from bot.diagnosis import CATEGORIES, Diagnoser, load_knowledge
from bot.diagnosis.normalize import fuzz_text, normalize

EVAL_FILE = Path(__file__).parent / "data" / "eval_pastes.yml"
FAL_FLOOR = 0.85
DECLINED_FLOOR = 0.95


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return list(yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))["items"])


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser(load_knowledge())


def _outcomes(diagnoser: Diagnoser, items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    results = []
    for item in items:
        best = diagnoser.diagnose(item["text"]).best
        results.append((item["expect"], best.category if best else "declined"))
    return results


def test_every_item_is_labelled_and_sourced(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 100
    for item in items:
        assert item["expect"] in (*CATEGORIES, "declined"), item
        assert len(item["source"]) >= 10, item
        assert len(item["text"].strip()) >= 8, item
    declined = sum(item["expect"] == "declined" for item in items)
    assert 0.3 <= declined / len(items) <= 0.6  # a real mix of fal errors and look-alikes


def test_no_item_is_a_copy_of_a_knowledge_text(items: list[dict[str, Any]]) -> None:
    """An eval text that is (nearly) an example or not_example measures memory, not generalisation."""
    known = [
        fuzz_text(normalize(text.text))
        for entry in load_knowledge()
        for text in (*entry.examples, *entry.not_examples)
    ]
    for item in items:
        paste = fuzz_text(normalize(item["text"]))
        for text in known:
            assert fuzz.ratio(paste, text) < 80, (item["source"], text[:80])
            if len(paste) < len(text):
                assert fuzz.partial_ratio(paste, text) < 97, (item["source"], text[:80])


def test_unseen_pastes_meet_the_floors(diagnoser: Diagnoser, items: list[dict[str, Any]]) -> None:
    outcomes = _outcomes(diagnoser, items)
    fal = [(expect, got) for expect, got in outcomes if expect != "declined"]
    others = [(expect, got) for expect, got in outcomes if expect == "declined"]
    fal_rate = sum(expect == got for expect, got in fal) / len(fal)
    declined_rate = sum(got == "declined" for _, got in others) / len(others)
    print(
        f"\nfal right category: {fal_rate:.1%} of {len(fal)};"
        f" others declined: {declined_rate:.1%} of {len(others)}"
    )
    for (expect, got), count in Counter(pair for pair in outcomes if pair[0] != pair[1]).most_common():
        print(f"  {expect:>16} -> {got:<16} x{count}")
    assert fal_rate >= FAL_FLOOR
    assert declined_rate >= DECLINED_FLOOR


def _first_category(diagnoser: Diagnoser, text: str) -> str:
    best = diagnoser.diagnose(text).best
    return best.category if best else "declined"


def test_the_wrapping_a_paste_arrives_in_does_not_change_the_answer(
    diagnoser: Diagnoser, items: list[dict[str, Any]]
) -> None:
    """Slack's &lt;-escaping, terminal colours and code fences are peeled off before matching; a
    paste that arrives as a JSON string (a log line) keeps its answer almost always."""
    changed_json = []
    for item in items:
        text = item["text"]
        plain = _first_category(diagnoser, text)
        slack = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        coloured = "\x1b[31m" + text.replace("\n", "\x1b[0m\n\x1b[31m") + "\x1b[0m"
        fenced = "```\n" + text + "\n```"
        for variant in (slack, coloured, fenced):
            assert _first_category(diagnoser, variant) == plain, (item["source"], variant[:80])
        if _first_category(diagnoser, json.dumps(text)) != plain:
            changed_json.append(item["source"])
    assert len(changed_json) <= 2, changed_json


def _quiet_log(rng: random.Random, lines: int) -> list[str]:
    """Log records with no error in them, including numbers that look like statuses (step 429)."""
    shapes = [
        "2026-05-01 12:00:{s:02d} INFO worker: step {n} done in 0.{d}s",
        "2026-05-01 12:01:{s:02d} WARNING urllib3: Retrying (Retry(total=2)) after connection broken",
        "DEBUG cache miss for key user:{n}",
        "INFO GET /health 200 {d}ms",
        "[12:00:{s:02d}] starting batch {n}",
        "Processing item {d} of {n}",
    ]
    return [
        rng.choice(shapes).format(s=rng.randrange(60), n=rng.randrange(2000), d=rng.randrange(10))
        for _ in range(lines)
    ]


def test_a_paste_buried_in_a_long_log_keeps_its_answer(
    diagnoser: Diagnoser, items: list[dict[str, Any]]
) -> None:
    """The error-looking lines are found in a ~35 KB log and matched as if pasted alone (a weak,
    borderline answer may flip; more than two means the line extraction is losing errors)."""
    rng = random.Random(7)
    changed = []
    for item in items:
        log = _quiet_log(rng, 700)
        at = rng.randrange(len(log))
        buried = "\n".join([*log[:at], item["text"], *log[at:]])
        if _first_category(diagnoser, buried) != _first_category(diagnoser, item["text"]):
            changed.append(item["source"])
    assert len(changed) <= 2, changed
