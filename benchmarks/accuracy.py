"""How well the matcher generalises. Run by hand, not by CI:

    .venv/bin/python benchmarks/accuracy.py [-v]

Prints two figures:
- the independent evaluation set (tests/data/eval_pastes.yml: real pastes that are NOT in the
  knowledge base): share of fal pastes whose first match has the right category, and share of
  other vendors' pastes that get no match;
- leave-one-out over the knowledge base's own examples: each example is removed from its entry
  (and from the fuzzy index) and diagnosed against the rest, so it has to be recognised from the
  entry's signals and its other examples, like an unseen paste.
`-v` lists every miss.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.diagnosis import (  # noqa: E402
    Diagnoser,
    KnowledgeBase,
    load_knowledge,
)

EVAL_FILE = ROOT / "tests" / "data" / "eval_pastes.yml"


def load_eval_items(path: Path = EVAL_FILE) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["items"])


def score_eval(diagnoser: Diagnoser, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Per item: what the matcher said; plus the two headline rates."""
    rows = []
    for item in items:
        best = diagnoser.diagnose(item["text"]).best
        got = best.category if best else "declined"
        rows.append({"expect": item["expect"], "got": got, "source": item["source"], "text": item["text"]})
    fal = [r for r in rows if r["expect"] != "declined"]
    other = [r for r in rows if r["expect"] == "declined"]
    return {
        "rows": rows,
        "fal_total": len(fal),
        "fal_right": sum(r["got"] == r["expect"] for r in fal),
        "fal_unmatched": sum(r["got"] == "declined" for r in fal),
        "declined_total": len(other),
        "declined_right": sum(r["got"] == "declined" for r in other),
    }


def leave_one_out(kb: KnowledgeBase) -> dict[str, Any]:
    """Each example diagnosed by a Diagnoser built without it."""
    right = unmatched = total = 0
    misses = []
    for entry_index, entry in enumerate(kb.entries):
        for example_index, example in enumerate(entry.examples):
            reduced_examples = [e for i, e in enumerate(entry.examples) if i != example_index]
            reduced = entry.model_copy(update={"examples": reduced_examples})
            entries = list(kb.entries)
            entries[entry_index] = reduced
            best = (
                Diagnoser(KnowledgeBase(entries=entries, directory=kb.directory)).diagnose(example.text).best
            )
            total += 1
            if best is None:
                unmatched += 1
                misses.append((entry.category, "declined", example.text))
            elif best.category == entry.category:
                right += 1
            else:
                misses.append((entry.category, best.category, example.text))
    return {"total": total, "right": right, "unmatched": unmatched, "misses": misses}


def _short(text: str) -> str:
    return " ".join(text.split())[:110]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument("--no-loo", action="store_true", help="skip the (slower) leave-one-out run")
    args = parser.parse_args()

    kb = load_knowledge()
    result = score_eval(Diagnoser(kb), load_eval_items())
    print(
        f"eval set: {result['fal_total']} fal pastes, {result['declined_total']} other vendors' pastes\n"
        f"  fal, right category: {result['fal_right']}/{result['fal_total']}"
        f" = {100 * result['fal_right'] / max(1, result['fal_total']):.1f}%"
        f" (no match: {result['fal_unmatched']})\n"
        f"  others, declined:    {result['declined_right']}/{result['declined_total']}"
        f" = {100 * result['declined_right'] / max(1, result['declined_total']):.1f}%"
    )
    confusion = Counter((r["expect"], r["got"]) for r in result["rows"] if r["expect"] != r["got"])
    for (expect, got), count in confusion.most_common():
        print(f"    {expect:>16} -> {got:<16} x{count}")
    if args.verbose:
        for row in result["rows"]:
            if row["expect"] != row["got"]:
                print(f"  MISS {row['expect']} -> {row['got']}: {_short(row['text'])}")
    if not args.no_loo:
        loo = leave_one_out(kb)
        print(
            f"leave-one-out over {loo['total']} KB examples: right category"
            f" {100 * loo['right'] / max(1, loo['total']):.1f}%,"
            f" no match {100 * loo['unmatched'] / max(1, loo['total']):.1f}%"
        )
        if args.verbose:
            for expect, got, text in loo["misses"]:
                print(f"  LOO MISS {expect} -> {got}: {_short(text)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
