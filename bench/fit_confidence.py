"""Can a learned model rank extracted facts better than the checks' penalties (kgraph.checks.confidence)? Fits an
L2 logistic regression on the dev gold over what the extractor knows about each fact (the checks it failed, its
relation, argument and sentence lengths, how many facts its sentence gave, the penalty score itself), labelled by
whether the fact matches a gold fact, and prints precision-recall tables at a few thresholds: the penalty score
(baseline), the model with each document held out (the honest figure), and the model in-sample. Dev gold only.

    .venv/bin/python bench/fit_confidence.py bench/quality/gold/dev.jsonl [--out weights.json]
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from kgraph.checks import MODAL_PREFIXES, PREPOSITIONS, confidence
from kgraph.extract import extract_facts, load_nlp
from kgraph.quality import fact_key, gold_alternatives, read_gold, row_document
from kgraph.records import Fact
from kgraph.relations import CANONICAL

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
PENALTIES = (0.3, 1.0, 3.0, 10.0)  # L2 strengths tried; the one with the best held-out log-loss is kept
MIN_COUNT = 3  # a feature seen on fewer facts gets no weight


def log_count(n: int) -> float:
    return math.log1p(max(n, 0))


def word_position(sentence: list[str], text: str) -> int | None:
    """Index of the first sentence word that starts the argument's first word (plurals and case folded)."""
    first = text.lower().split()[0] if text.split() else ""
    stem = first[:-1] if len(first) > 4 and first.endswith("s") else first
    return next((i for i, word in enumerate(sentence) if stem and word.startswith(stem)), None)


def fact_features(fact: Fact, sentence_facts: int) -> dict[str, float]:
    """The features the model reads, named so the weights say what they weigh."""
    sentence = fact.evidence[0].sentence.lower().split() if fact.evidence else []
    surface = fact.surface_relation.split()
    features = {f"check:{check}": 1.0 for check in fact.checks}
    features["rules"] = confidence(fact.checks)  # the checks' penalty score: the model refines it
    features |= {
        "relation:canonical": float(fact.relation in CANONICAL),
        "relation:is_a": float(fact.relation == "is_a"),
        "relation:includes": float(fact.relation == "includes"),
        "relation:modal": float(fact.relation.startswith(MODAL_PREFIXES)),
        "relation:preposition": float(bool(surface) and surface[-1] in PREPOSITIONS),
        "relation:passive": float("be" in surface[:3] and len(surface) > 1),
        "negated": float(fact.negated),
        "domain:legal": float(fact.domain == "legal"),
        "subject_words": log_count(len(fact.subject.split())),
        "object_words": log_count(len(fact.object.split())),
        "sentence_words": log_count(len(sentence)),
        "sentence_facts": log_count(sentence_facts),
    }
    start, end = word_position(sentence, fact.subject), word_position(sentence, fact.object)
    if start is not None and end is not None:
        features["argument_distance"] = log_count(abs(end - start))
        features["object_first"] = float(end < start)
    return features


def sentence_features(facts: list[Fact]) -> list[dict[str, float]]:
    """Features of the facts of one sentence (a sentence that gives many facts is often misread)."""
    count = len({fact.id for fact in facts})
    return [fact_features(fact, count) for fact in facts]


def labelled_facts(rows: list[dict], nlp) -> list[dict]:
    """One item per distinct extracted fact of a gold row: its features, whether it is right, its row and key."""
    items = []
    for index, row in enumerate(rows):
        every_gold = set().union(*gold_alternatives(row)) if row["facts"] else set()
        by_sentence = defaultdict(list)
        for fact in extract_facts(row_document(row), nlp):
            by_sentence[fact.evidence[0].start].append(fact)
        seen = set()
        for facts in by_sentence.values():
            for fact, features in zip(facts, sentence_features(facts)):
                key = fact_key(fact.subject, fact.relation, fact.object, fact.negated, fact.hedged)
                if key not in seen:
                    seen.add(key)
                    items.append({"row": index, "doc": row.get("doc", ""), "key": key, "features": features,
                                  "label": float(key in every_gold)})  # fmt: skip
    return items


def design(items: list[dict], names: list[str]) -> np.ndarray:
    """The feature matrix, with a constant column first for the bias."""
    matrix = np.zeros((len(items), len(names) + 1))
    matrix[:, 0] = 1.0
    column = {name: i + 1 for i, name in enumerate(names)}
    for row, item in enumerate(items):
        for name, value in item["features"].items():
            if name in column:
                matrix[row, column[name]] = value
    return matrix


def fit(matrix: np.ndarray, labels: np.ndarray, penalty: float) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method (the bias is not penalised)."""
    weights = np.zeros(matrix.shape[1])
    ridge = penalty * np.eye(matrix.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-matrix @ weights))
        gradient = matrix.T @ (p - labels) + ridge @ weights
        hessian = matrix.T @ (matrix * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def predict(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-matrix @ weights))


def held_out(items: list[dict], names: list[str], penalty: float) -> np.ndarray:
    """Each fact's probability from a model fitted without its document (leave one document out)."""
    matrix, labels = design(items, names), np.array([i["label"] for i in items])
    docs = np.array([i["doc"] for i in items])
    out = np.zeros(len(items))
    for doc in sorted(set(docs)):
        test = docs == doc
        out[test] = predict(matrix[test], fit(matrix[~test], labels[~test], penalty))
    return out


def matched(scores: np.ndarray, counts: list[int]) -> list[float]:
    """Thresholds that keep the same number of facts as another score did: rankings compared at equal size."""
    ranked = sorted(scores, reverse=True)
    return [float(ranked[k - 1]) if k else float("inf") for k in counts]


def table(rows: list[dict], items: list[dict], scores: np.ndarray, thresholds=THRESHOLDS) -> list[str]:
    """Precision and recall against the gold at each threshold (recall counts gold facts any kept fact matches)."""
    lines = ["| threshold | kept | precision | recall |", "|---|---|---|---|"]
    expected = sum(len(r["facts"]) for r in rows)
    for threshold in thresholds:
        kept = [(i["row"], i["key"]) for i, s in zip(items, scores) if s >= threshold]
        correct = sum(1 for i, s in zip(items, scores) if s >= threshold and i["label"])
        found = sum(
            1 for index, row in enumerate(rows) for keys in gold_alternatives(row) if keys & {k for r, k in kept if r == index}
        )  # fmt: skip
        lines.append(
            f"| {threshold:.3g} | {len(kept)} | {correct / max(len(kept), 1):.3f} | {found / max(expected, 1):.3f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path, help="the dev gold (never the test gold)")
    parser.add_argument("--out", type=Path, help="write the fitted weights here (JSON)")
    args = parser.parse_args()
    if "test" in args.gold.name:
        parser.error("fit on the dev gold only: the test gold is held out")
    rows = read_gold(args.gold)
    items = labelled_facts(rows, load_nlp())
    counts = defaultdict(int)
    for item in items:
        for name in item["features"]:
            counts[name] += 1
    names = sorted(name for name, n in counts.items() if n >= MIN_COUNT)
    labels = np.array([i["label"] for i in items])

    def log_loss(p: np.ndarray) -> float:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))

    losses = {penalty: log_loss(held_out(items, names, penalty)) for penalty in PENALTIES}
    penalty = min(losses, key=losses.get)
    weights = fit(design(items, names), labels, penalty)
    print(f"{args.gold}: {len(items)} facts, {int(labels.sum())} right; held-out log-loss by L2 {losses}")
    rules = np.array([i["features"]["rules"] for i in items])
    counts = [int((rules >= t).sum()) for t in THRESHOLDS]
    print("\nbaseline, the checks' penalty score (kgraph.checks.confidence):\n" + "\n".join(table(rows, items, rules)))
    for label, scores in (
        ("model, each document held out (honest on dev)", held_out(items, names, penalty)),
        ("model, in-sample (optimistic)", predict(design(items, names), weights)),
    ):
        lines = table(rows, items, scores, matched(scores, counts))
        print(f"\n{label}, keeping as many facts as the baseline:\n" + "\n".join(lines))
    model = {
        "trained_on": str(args.gold),
        "facts": len(items),
        "right": int(labels.sum()),
        "l2": penalty,
        "bias": round(float(weights[0]), 4),
        "weights": {name: round(float(w), 4) for name, w in sorted(zip(names, weights[1:]), key=lambda x: -abs(x[1]))},
    }
    if args.out:
        args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
