"""How well the matcher generalises. Run by hand, not by CI:

    .venv/bin/python benchmarks/accuracy.py [-v] [--no-loso] [--json]

Prints, separately for the `tune` and `holdout` splits of the independent evaluation set
(tests/data/eval_pastes.yml: real pastes that are NOT in the knowledge base):
- fal items: share whose first match has the expected category;
- declined items (another service's error): share with no match;
- generic items (`generic:<category>`, a text naming no service): share answered with
  `"generic": true` and the expected category first (the engine may not return `generic` yet: read
  with `.get`);
- vague items (about fal, undecidable): share recognised as fal-related (`fal_related` true, or a
  follow-up question when the engine offers one);
- accuracy per score band of the first match (>= 80, 60-80, 40-60, < 40): how many answers, how many
  right (an answer is right when its category is the expected one; any answer to a declined item is
  wrong; vague items are left out).
Then leave-one-source-out over the knowledge base's own examples and symptoms: all texts from one
source are removed together (from every entry) and diagnosed by a Diagnoser built without them, so
they must be recognised like unseen pastes. Results are cached by the content of the knowledge base,
the engine and the fold, so a re-run with nothing changed is instant.
`-v` lists every tune miss; holdout misses are only counted. Holdout items must never be used for
tuning.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.diagnosis import (  # noqa: E402
    CATEGORIES,
    Diagnoser,
    KnowledgeBase,
    load_knowledge,
)

EVAL_FILE = ROOT / "tests" / "data" / "eval_pastes.yml"
SPLITS = ("tune", "holdout")
BANDS = ((80.0, 101.0, ">= 80"), (60.0, 80.0, "60-80"), (40.0, 60.0, "40-60"), (-1.0, 40.0, "< 40"))
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "fal-bot-accuracy"


def load_eval_items(path: Path = EVAL_FILE) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["items"])


def expect_kind(expect: str) -> str:
    """`fal` (a category), `declined`, `generic` or `vague`."""
    if expect in CATEGORIES:
        return "fal"
    if expect.startswith("generic:"):
        return "generic"
    if expect in ("declined", "vague"):
        return expect
    raise ValueError(f"unknown expect value {expect!r}")


def judge(item: dict[str, Any], answer: dict[str, Any]) -> bool:
    """Whether the diagnosis (`diagnose --json` shape) is what the item expects."""
    expect = item["expect"]
    kind = expect_kind(expect)
    matches = answer.get("matches") or []
    first = matches[0]["category"] if matches else None
    if kind == "fal":
        return first == expect
    if kind == "declined":
        return not matches
    if kind == "generic":
        return bool(answer.get("generic")) and first == expect.split(":", 1)[1]
    # vague: recognised as about fal, or the bot asks a follow-up question
    return bool(answer.get("fal_related") or answer.get("follow_up"))


def score_eval(diagnoser: Diagnoser, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Per split: rates per kind of item, score bands, and the rows (for -v)."""
    rows = []
    for item in items:
        answer = diagnoser.diagnose(item["text"]).to_json()
        matches = answer.get("matches") or []
        rows.append(
            {
                "split": item.get("split", "tune"),
                "expect": item["expect"],
                "kind": expect_kind(item["expect"]),
                "got": matches[0]["category"] if matches else "declined",
                "score": matches[0]["score"] if matches else None,
                # no answer, only the closest problem (`guess`): never counted as right above
                "guess": (answer.get("guess") or {}).get("category"),
                "generic": bool(answer.get("generic")),
                "fal_related": bool(answer.get("fal_related")),
                "right": judge(item, answer),
                "source": item["source"],
                "text": item["text"],
            }
        )
    result: dict[str, Any] = {"rows": rows}
    for split in (*SPLITS, "all"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        per_kind = {}
        for kind in ("fal", "declined", "generic", "vague"):
            of_kind = [r for r in chosen if r["kind"] == kind]
            per_kind[kind] = {"total": len(of_kind), "right": sum(r["right"] for r in of_kind)}
        per_kind["fal"]["unmatched"] = sum(r["got"] == "declined" for r in chosen if r["kind"] == "fal")
        guessed = [r for r in chosen if r["kind"] == "fal" and r["guess"]]
        per_kind["fal"]["guesses"] = len(guessed)
        per_kind["fal"]["guesses_right"] = sum(r["guess"] == r["expect"] for r in guessed)
        bands = []
        for low, high, name in BANDS:
            answered = [
                r
                for r in chosen
                if r["score"] is not None and low <= r["score"] < high and r["kind"] != "vague"
            ]
            right = sum(
                r["got"] == r["expect"].split(":", 1)[-1] for r in answered if r["kind"] != "declined"
            )
            bands.append({"band": name, "answers": len(answered), "right": right})
        result[split] = {"kinds": per_kind, "bands": bands}
    return result


# -- leave one source out ------------------------------------------------------------------------


def _fingerprint(kb: KnowledgeBase) -> str:
    """Changes whenever the knowledge base or the engine changes."""
    digest = hashlib.sha256()
    for path in sorted(kb.directory.glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in sorted((ROOT / "bot" / "diagnosis").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def leave_one_source_out(kb: KnowledgeBase, use_cache: bool = True) -> dict[str, Any]:
    """All examples and symptoms from one source, diagnosed by a Diagnoser built without them."""
    by_source: dict[str, list[tuple[int, str, str]]] = defaultdict(list)  # source -> (entry, field, text)
    for index, entry in enumerate(kb.entries):
        for field in ("examples", "symptoms"):
            for text in getattr(entry, field):
                by_source[text.source].append((index, field, text.text))
    cache_file = CACHE_DIR / f"loso-{_fingerprint(kb)}.json"
    cache: dict[str, list[list[Any]]] = {}
    if use_cache and cache_file.exists():
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    rows = []
    for source, held in sorted(by_source.items()):
        if source not in cache:
            entries = []
            for entry in kb.entries:
                update = {
                    field: [t for t in getattr(entry, field) if t.source != source]
                    for field in ("examples", "symptoms")
                }
                entries.append(entry.model_copy(update=update))
            diagnoser = Diagnoser(KnowledgeBase(entries=entries, directory=kb.directory))
            answers = []
            for _, _, text in held:
                best = diagnoser.diagnose(text).best
                answers.append([best.category if best else "declined", best.score if best else None])
            cache[source] = answers
        for (index, field, text), (got, score) in zip(held, cache[source], strict=True):
            expect = kb.entries[index].category
            rows.append({"field": field, "expect": expect, "got": got, "score": score, "text": text})
    if use_cache:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(cache), encoding="utf-8")
    summary: dict[str, Any] = {"sources": len(by_source), "rows": rows}
    for field in ("examples", "symptoms"):
        chosen = [r for r in rows if r["field"] == field]
        summary[field] = {
            "total": len(chosen),
            "right": sum(r["got"] == r["expect"] for r in chosen),
            "unmatched": sum(r["got"] == "declined" for r in chosen),
        }
    # a second calibration set that no tuning of the gates looked at: how often each band is right
    summary["bands"] = []
    for low, high, name in BANDS:
        answered = [r for r in rows if r["score"] is not None and low <= r["score"] < high]
        right = sum(r["got"] == r["expect"] for r in answered)
        summary["bands"].append({"band": name, "answers": len(answered), "right": right})
    return summary


# -- printing ------------------------------------------------------------------------------------


def _pct(right: int, total: int) -> str:
    return f"{right}/{total} = {100 * right / total:.1f}%" if total else "0/0"


def _short(text: str) -> str:
    return " ".join(text.split())[:110]


def print_split(name: str, part: dict[str, Any]) -> None:
    kinds = part["kinds"]
    print(f"[{name}]")
    print(
        f"  fal items, right category first: {_pct(kinds['fal']['right'], kinds['fal']['total'])}"
        f" (no match: {kinds['fal']['unmatched']}, of which a guess: {kinds['fal']['guesses']},"
        f" right {kinds['fal']['guesses_right']})"
    )
    print(
        f"  declined, no match:              {_pct(kinds['declined']['right'], kinds['declined']['total'])}"
    )
    print(f"  generic, generic + category:     {_pct(kinds['generic']['right'], kinds['generic']['total'])}")
    print(f"  vague, recognised as fal:        {_pct(kinds['vague']['right'], kinds['vague']['total'])}")
    bands = ", ".join(f"{b['band']}: {b['right']}/{b['answers']} right" for b in part["bands"])
    print(f"  score bands (answers): {bands}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every tune miss")
    parser.add_argument("--no-loso", action="store_true", help="skip leave-one-source-out")
    parser.add_argument("--no-cache", action="store_true", help="recompute leave-one-source-out")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    kb = load_knowledge()
    items = load_eval_items()
    result = score_eval(Diagnoser(kb), items)
    loso = None if args.no_loso else leave_one_source_out(kb, use_cache=not args.no_cache)
    if args.json:
        figures = {split: result[split] for split in (*SPLITS, "all")}
        if loso is not None:
            figures["leave_one_source_out"] = {k: v for k, v in loso.items() if k != "rows"}
        print(json.dumps(figures, indent=2))
        return 0
    counts = Counter((item.get("split", "tune"), expect_kind(item["expect"])) for item in items)
    print(
        f"eval set: {len(items)} items; " + ", ".join(f"{s}/{k} {n}" for (s, k), n in sorted(counts.items()))
    )
    for split in SPLITS:
        print_split(split, result[split])
        confusion = Counter(
            (r["expect"], r["got"]) for r in result["rows"] if r["split"] == split and not r["right"]
        )
        for (expect, got), count in confusion.most_common(12):
            print(f"    {expect:>22} -> {got:<16} x{count}")
    print_split("all", result["all"])
    if args.verbose:
        # tune misses only: holdout texts are counted, never read (reading one is the first step to
        # tuning on it)
        for row in result["rows"]:
            if not row["right"] and row["split"] == "tune":
                print(f"  MISS [tune] {row['expect']} -> {row['got']}: {_short(row['text'])}")
        hidden = sum(1 for row in result["rows"] if not row["right"] and row["split"] == "holdout")
        print(f"  ({hidden} holdout misses not listed)")
    if loso is not None:
        print(f"leave-one-source-out over {loso['sources']} sources:")
        for field in ("examples", "symptoms"):
            part = loso[field]
            print(
                f"  {field}: right category {_pct(part['right'], part['total'])},"
                f" no match {part['unmatched']}"
            )
        bands = ", ".join(f"{b['band']}: {b['right']}/{b['answers']} right" for b in loso["bands"])
        print(f"  score bands (answers): {bands}")
        if args.verbose:
            for row in loso["rows"]:
                if row["got"] != row["expect"]:
                    print(
                        f"  LOSO MISS {row['field']} {row['expect']} -> {row['got']}: {_short(row['text'])}"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
