"""Fit the matcher's feature weights on the knowledge base. Run by hand after the knowledge changes:

    .venv/bin/python benchmarks/fit_weights.py [--knowledge DIR] [--write] [--use]

Training texts are the knowledge base's own: every example and symptom (label: its entry) and every
declined not_example (label: none of them). Each text's features are computed by a Diagnoser built
without that text's fold (5 folds), so a text never matches itself and the fit sees what an unseen
paste looks like. The model is a conditional logit: an entry's utility is the weighted sum of its
features, "none of them" has a utility of its own, a softmax over them gives probabilities; the
weights minimise the log loss plus an L2 penalty. Pure Python (no numpy): a few thousand vectors.

`--write` stores the weights in bot/diagnosis/weights.json (start-up only reads that file);
`--use` marks them to be used instead of the hand-set weights.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.diagnosis import KnowledgeBase, load_knowledge  # noqa: E402
from bot.diagnosis.diagnose import FEATURES, HAND_WEIGHTS, WEIGHTS_FILE, Diagnoser, Weights  # noqa: E402

FOLDS = 5
L2 = 0.01
STEPS = 400
SEED = 11
CATEGORY: list[str] = []  # each entry's category, in knowledge-base order


def training_rows(kb: KnowledgeBase) -> list[tuple[int | None, list[tuple[float, ...]]]]:
    """(label entry index or None, feature vectors in knowledge-base order) per training text."""
    texts: list[tuple[int | None, str, str, int]] = []  # (label, kind, text, position)
    for index, entry in enumerate(kb.entries):
        texts += [(index, "examples", t.text, i) for i, t in enumerate(entry.examples)]
        texts += [(index, "symptoms", t.text, i) for i, t in enumerate(entry.symptoms)]
        texts += [(None, "not_examples", t.text, i) for i, t in enumerate(entry.not_examples) if t.declined]
    rng = random.Random(SEED)
    folds = [rng.randrange(FOLDS) for _ in texts]
    order = {entry.id: i for i, entry in enumerate(kb.entries)}
    rows: list[tuple[int | None, list[tuple[float, ...]]]] = []
    hand = Weights(HAND_WEIGHTS)
    for fold in range(FOLDS):
        held = {
            (owner, kind, position)
            for (label, kind, _, position), owner, f in zip(texts, _owners(kb, texts), folds, strict=True)
            if f == fold
        }
        entries = []
        for index, entry in enumerate(kb.entries):
            update = {
                kind: [t for i, t in enumerate(getattr(entry, kind)) if (index, kind, i) not in held]
                for kind in ("examples", "symptoms", "not_examples")
            }
            entries.append(entry.model_copy(update=update))
        diagnoser = Diagnoser(KnowledgeBase(entries=entries, directory=kb.directory), hand)
        for (label, _, text, _), f in zip(texts, folds, strict=True):
            if f != fold:
                continue
            _, scored = diagnoser.features(text)
            vectors: list[tuple[float, ...]] = [()] * len(kb.entries)
            for entry_id, features in scored:
                vectors[order[entry_id]] = features
            rows.append((label, vectors))
    return rows


def _owners(kb: KnowledgeBase, texts: list[tuple[int | None, str, str, int]]) -> list[int]:
    """The entry each text sits in (a declined not_example's label is None, its owner is not)."""
    owners = []
    cursor = 0
    for index, entry in enumerate(kb.entries):
        count = len(entry.examples) + len(entry.symptoms) + sum(t.declined for t in entry.not_examples)
        owners += [index] * count
        cursor += count
    assert cursor == len(texts)
    return owners


def loss_and_gradient(
    rows: list[tuple[int | None, list[tuple[float, ...]]]], weights: list[float], none: float
) -> tuple[float, list[float], float]:
    size = len(weights)
    gradient = [0.0] * size
    none_gradient = 0.0
    loss = 0.0
    for label, vectors in rows:
        utilities = [sum(w * x for w, x in zip(weights, v, strict=True) if x) for v in vectors]
        top = max([*utilities, none])
        exps = [math.exp(u - top) for u in utilities]
        exp_none = math.exp(none - top)
        total = sum(exps) + exp_none
        # the likelihood of the right family (entries of one family may share the probability):
        # d(-log P(family))/dw = E[f] - E[f | family]
        family = [i for i in range(len(vectors)) if label is not None and CATEGORY[i] == CATEGORY[label]]
        family_total = sum(exps[i] for i in family) if family else exp_none
        loss -= math.log(family_total / total)
        for e, v in zip(exps, vectors, strict=True):
            p = e / total
            if p > 1e-9:
                for k, x in enumerate(v):
                    if x:
                        gradient[k] += p * x
        none_gradient += exp_none / total
        if label is None:
            none_gradient -= 1.0
        else:
            for i in family:
                q = exps[i] / family_total
                for k, x in enumerate(vectors[i]):
                    if x:
                        gradient[k] -= q * x
    count = len(rows)
    loss = loss / count + L2 * sum(w * w for w in weights)
    gradient = [g / count + 2 * L2 * w for g, w in zip(gradient, weights, strict=True)]
    return loss, gradient, none_gradient / count


def fit(rows: list[tuple[int | None, list[tuple[float, ...]]]]) -> tuple[list[float], float, float]:
    """Adam on the log loss; starts from the hand weights scaled to utilities."""
    weights = [w / 10.0 for w in HAND_WEIGHTS]
    none = 4.0
    m = [0.0] * (len(weights) + 1)
    v = [0.0] * (len(weights) + 1)
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    loss = float("inf")
    for step in range(1, STEPS + 1):
        loss, gradient, none_gradient = loss_and_gradient(rows, weights, none)
        grads = [*gradient, none_gradient]
        params = [*weights, none]
        for k, g in enumerate(grads):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            params[k] -= rate * (m[k] / (1 - beta1**step)) / (math.sqrt(v[k] / (1 - beta2**step)) + 1e-8)
        weights, none = params[:-1], params[-1]
        if step % 100 == 0:
            print(f"step {step}: loss {loss:.4f}", file=sys.stderr)
    return weights, none, loss


def first_family_right(rows: list[tuple[int | None, list[tuple[float, ...]]]], weights: list[float]) -> int:
    """Texts of an entry whose best-scoring entry is of the same family."""
    right = 0
    for label, vectors in rows:
        if label is None:
            continue
        utilities = [sum(w * x for w, x in zip(weights, v, strict=True)) for v in vectors]
        right += CATEGORY[max(range(len(vectors)), key=utilities.__getitem__)] == CATEGORY[label]
    return right


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, help="knowledge folder (default: the packaged one)")
    parser.add_argument("--write", action="store_true", help=f"write {WEIGHTS_FILE.name}")
    parser.add_argument("--use", action="store_true", help="mark the fitted weights to be used")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="where --write writes")
    parser.add_argument("--l2", type=float, default=0.01, help="L2 penalty")
    args = parser.parse_args()
    global L2
    L2 = args.l2  # one run, one penalty
    kb = load_knowledge(args.knowledge)
    CATEGORY[:] = [entry.category for entry in kb.entries]
    rows = training_rows(kb)
    weights, none, loss = fit(rows)
    positives = sum(label is not None for label, _ in rows)
    print(
        f"{len(rows)} texts ({positives} examples and symptoms); log loss {loss:.4f}; "
        f"cross-validated first family right: fitted {first_family_right(rows, weights)}/{positives}, "
        f"hand-set {first_family_right(rows, list(HAND_WEIGHTS))}/{positives}"
    )
    for name, weight in zip(FEATURES, weights, strict=True):
        print(f"  {name:16} {weight:8.3f}")
    print(f"  {'(none)':16} {none:8.3f}")
    if args.write:
        data = {
            "use": bool(args.use),
            "features": list(FEATURES),
            "weights": [round(w, 4) for w in weights],
            "none": round(none, 4),
            "fitted_on": {"texts": len(rows), "examples_and_symptoms": positives, "folds": FOLDS, "l2": L2},
        }
        args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
