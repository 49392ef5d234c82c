"""Generalisation: real pastes the knowledge base has never seen (tests/data/eval_pastes.yml).

The floors sit a little below today's figures on the whole set (tune + holdout), so the test is not
flaky, but it fails when a change makes the matcher clearly worse at unseen fal errors or starts
answering other services' errors. The holdout split (a third of the sources) is printed separately:
nothing may be tuned by looking at it. Run with `-s` to see the figures; benchmarks/accuracy.py
prints the same per split, with score bands and leave-one-source-out figures.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from typing import Any

import pytest
from rapidfuzz import fuzz

from bot.diagnosis import CATEGORIES, Diagnoser, load_knowledge
from bot.diagnosis.normalize import fuzz_text, normalize

# Measured 2026-12-06 on 383 items, before the engine's verdicts and symptoms: fal 63.2% (tune
# 76.8%, holdout 47.1%), generic 0%; after: fal 82.2% (tune 90.2%, holdout 72.9%), declined 98.1%,
# generic 64.3%, vague 86.7%. The floors sit a little below, so the test is not flaky.
# 2026-12-07, 796 items: three rounds added look-alikes chosen for sharing fal's vocabulary (queues,
# 422 detail lists, balance and credits wording), and declined fell to 95.1% (tune 97.7%, held-out
# 87.5%) with the code that declined 97.7% of the 633 items before them. The floor follows the set.
FAL_FLOOR = 0.78  # measured 82.2% (2026-12-06); 92.7% (2026-12-07)
DECLINED_FLOOR = 0.93  # measured 98.1% (2026-12-06); 95.1% (2026-12-07, harder look-alikes)
VAGUE_FLOOR = 0.80  # measured 86.7%
GENERIC_FLOOR = 0.55  # measured 64.3%
KINDS = ("prose", "log", "mixed", "json_body", "traceback")


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser(load_knowledge())


def _kind(expect: str) -> str:
    if expect in CATEGORIES:
        return "fal"
    if expect.startswith("generic:"):
        return "generic"
    return expect


def _right(item: dict[str, Any], answer: dict[str, Any]) -> bool:
    """The same rule as benchmarks/accuracy.py's judge()."""
    matches = answer.get("matches") or []
    first = matches[0]["category"] if matches else None
    kind = _kind(item["expect"])
    if kind == "fal":
        return first == item["expect"]
    if kind == "declined":
        return not matches
    if kind == "generic":
        return bool(answer.get("generic")) and first == item["expect"].split(":", 1)[1]
    return bool(answer.get("fal_related") or answer.get("follow_up"))


@pytest.fixture(scope="module")
def outcomes(
    diagnoser: Diagnoser, eval_items: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(item, diagnoser.diagnose(item["text"]).to_json()) for item in eval_items]


def _rate(
    outcomes: list[tuple[dict[str, Any], dict[str, Any]]], kind: str, split: str | None = None
) -> float:
    chosen = [(i, a) for i, a in outcomes if _kind(i["expect"]) == kind and split in (None, i["split"])]
    return sum(_right(i, a) for i, a in chosen) / max(1, len(chosen))


def test_every_item_is_labelled_and_sourced(eval_items: list[dict[str, Any]]) -> None:
    assert len(eval_items) >= 300
    for item in eval_items:
        expect = item["expect"]
        assert expect in (*CATEGORIES, "declined", "vague") or (
            expect.startswith("generic:") and expect.split(":", 1)[1] in CATEGORIES
        ), item
        assert item["split"] in ("tune", "holdout"), item
        assert item["kind"] in KINDS, item
        assert len(item["lang"]) == 2, item
        assert len(item["source"]) >= 10, item
        assert len(item["text"].strip()) >= 8, item
    declined = sum(item["expect"] == "declined" for item in eval_items)
    assert 0.3 <= declined / len(eval_items) <= 0.6  # a real mix of fal errors and look-alikes
    kinds = Counter(_kind(item["expect"]) for item in eval_items)
    assert min(kinds.values()) >= 10, kinds


def test_the_holdout_is_a_third_of_the_sources_and_keeps_each_source_whole(
    eval_items: list[dict[str, Any]],
) -> None:
    holdout = sum(item["split"] == "holdout" for item in eval_items) / len(eval_items)
    assert 0.25 <= holdout <= 0.45
    splits: dict[str, set[str]] = {}
    for item in eval_items:
        splits.setdefault(item["source"], set()).add(item["split"])
    assert all(len(found) == 1 for found in splits.values())
    for kind in ("fal", "declined", "generic"):
        assert any(_kind(i["expect"]) == kind and i["split"] == "holdout" for i in eval_items), kind


# Repositories with items in both splits, from rounds that hashed an item's full URL rather than its
# repository: kept as they are (moving a tuned-on item into the holdout would spoil it), and no more.
SPLIT_BEFORE_THE_RULE = frozenset(
    [
        "berriai/litellm",
        "cherryhq/cherry-studio",
        "cline/cline",
        "comfy-org/comfyui",
        "continuedev/continue",
        "danny-avila/librechat",
        "fal-ai/fal",
        "fal-ai/fal-js",
        "gitlawb/openclaude",
        "heyputer/puter",
        "huggingface/transformers",
        "jeffstric/zjt",
        "langchain-ai/langchain",
        "langgenius/dify",
        "luminarylane/fal-mcp-server",
        "pollinations/pollinations",
    ]
)


def test_a_repository_is_in_one_split(eval_items: list[dict[str, Any]]) -> None:
    """A repository's texts resemble each other: one in each split would let tuning on one reach the
    other. A new text from a repository already in the set takes that repository's split."""
    splits: dict[str, set[str]] = {}
    for item in eval_items:
        found = re.match(r"https://github\.com/([^/\s#?]+/[^/\s#?]+)", item["source"])
        if found:
            splits.setdefault(found.group(1).lower(), set()).add(item["split"])
    both = {repo for repo, seen in splits.items() if len(seen) > 1}
    assert both <= SPLIT_BEFORE_THE_RULE, sorted(both - SPLIT_BEFORE_THE_RULE)


def test_no_item_is_a_copy_of_a_knowledge_text(eval_items: list[dict[str, Any]]) -> None:
    """An eval text that is (nearly) an example, symptom or not_example measures memory, not
    generalisation."""
    known = [
        fuzz_text(normalize(text.text))
        for entry in load_knowledge()
        for text in (*entry.examples, *entry.symptoms, *entry.not_examples)
    ]
    for item in eval_items:
        paste = fuzz_text(normalize(item["text"]))
        for text in known:
            assert fuzz.ratio(paste, text) < 80, (item["source"], text[:80])
            if len(paste) < len(text):
                assert fuzz.partial_ratio(paste, text) < 97, (item["source"], text[:80])


def test_unseen_pastes_meet_the_floors(outcomes: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for split in (None, "tune", "holdout"):
        print(
            f"\n[{split or 'all'}] fal right category: {_rate(outcomes, 'fal', split):.1%};"
            f" declined: {_rate(outcomes, 'declined', split):.1%};"
            f" generic: {_rate(outcomes, 'generic', split):.1%};"
            f" vague recognised: {_rate(outcomes, 'vague', split):.1%}"
        )
    misses = Counter(
        (item["expect"], (answer["matches"] or [{"category": "declined"}])[0]["category"])
        for item, answer in outcomes
        if not _right(item, answer)
    )
    for (expect, got), count in misses.most_common():
        print(f"  {expect:>22} -> {got:<16} x{count}")
    assert _rate(outcomes, "fal") >= FAL_FLOOR
    assert _rate(outcomes, "declined") >= DECLINED_FLOOR
    assert _rate(outcomes, "vague") >= VAGUE_FLOOR


def test_vendor_neutral_pastes_get_a_generic_answer(
    outcomes: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    assert _rate(outcomes, "generic") >= GENERIC_FLOOR


def _first_category(diagnoser: Diagnoser, text: str) -> str:
    best = diagnoser.diagnose(text).best
    return best.category if best else "declined"


def test_the_wrapping_a_paste_arrives_in_does_not_change_the_answer(
    diagnoser: Diagnoser, eval_items: list[dict[str, Any]]
) -> None:
    """Slack's &lt;-escaping, terminal colours and code fences are peeled off before matching; a
    paste that arrives as a JSON string (a log line) keeps its answer almost always."""
    changed_json = []
    for item in eval_items:
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


def _buried_changes(diagnoser: Diagnoser, items: list[dict[str, Any]]) -> list[str]:
    """Items whose answer a surrounding log changes, except a no-answer turned into the label's
    own category (the log lent a weak paste context; nothing was lost)."""
    rng = random.Random(7)
    changed = []
    for item in items:
        log = _quiet_log(rng, 700)
        at = rng.randrange(len(log))
        buried = "\n".join([*log[:at], item["text"], *log[at:]])
        alone, in_log = _first_category(diagnoser, item["text"]), _first_category(diagnoser, buried)
        if in_log != alone and not (alone == "declined" and in_log == item["expect"].split(":")[-1]):
            changed.append(item["source"])
    return changed


def test_a_paste_buried_in_a_long_log_keeps_its_answer(
    diagnoser: Diagnoser, eval_items: list[dict[str, Any]]
) -> None:
    """The error-looking lines are found in a ~35 KB log and matched as if pasted alone (a weak,
    borderline answer may flip; more than 3% means the line extraction is losing errors)."""
    shaped = [item for item in eval_items if item["kind"] in ("log", "json_body", "traceback")]
    changed = _buried_changes(diagnoser, shaped)
    assert len(changed) <= max(2, 0.03 * len(shaped)), changed


def test_prose_buried_in_a_long_log_keeps_its_answer(
    diagnoser: Diagnoser, eval_items: list[dict[str, Any]]
) -> None:
    """A person's sentences about fal are kept when a long log is cut to its error-looking lines
    (15 of 124 prose items changed before they counted; 6 now, mostly short texts whose weak
    answer shifts with the log's numbers). The bound is 6%, looser than for error lines."""
    prose = [item for item in eval_items if item["kind"] in ("prose", "mixed")]
    changed = _buried_changes(diagnoser, prose)
    assert len(changed) <= max(2, 0.06 * len(prose)), changed
