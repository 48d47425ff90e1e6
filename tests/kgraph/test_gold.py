"""Precision and recall of the offline extractor on the team's gold set, guarded against regression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgraph.extract import extract_facts, load_nlp
from kgraph.graph import entity_key
from kgraph.records import Document, content_id

GOLD = Path(__file__).with_name("gold.jsonl")
# Floors set at what the extractor reaches (see the printed figures); raise them when it improves.
PRECISION_FLOOR = 0.92
RECALL_FLOOR = 0.92


def gold_rows() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def key(subject: str, relation: str, obj: str, negated: bool, hedged: bool) -> tuple:
    """A fact as compared: entities canonicalised, polarity and hedging included (a lost 'not' is wrong)."""
    return entity_key(subject), relation, entity_key(obj), negated, hedged


def gold_keys(row: dict) -> set[tuple]:
    return {key(s, r, o, "negated" in flags, "hedged" in flags) for s, r, o, *flags in row["facts"]}


def predicted_keys(row: dict, nlp) -> set[tuple]:
    doc = Document(id=content_id(row["text"]), path="gold", text=row["text"], domain=row["domain"])
    return {key(f.subject, f.relation, f.object, f.negated, f.hedged) for f in extract_facts(doc, nlp)}


def score(nlp) -> tuple[float, float, list[str]]:
    """Micro precision and recall over all sentences, and a line per wrong or missed fact."""
    true_pos = predicted = expected = 0
    errors = []
    for row in gold_rows():
        gold, found = gold_keys(row), predicted_keys(row, nlp)
        true_pos += len(gold & found)
        predicted += len(found)
        expected += len(gold)
        errors += [f"missed {g} in {row['text']!r}" for g in sorted(gold - found)]
        errors += [f"wrong  {f} in {row['text']!r}" for f in sorted(found - gold)]
    return true_pos / max(predicted, 1), true_pos / max(expected, 1), errors


def test_gold_set_is_big_enough():
    rows = gold_rows()
    domains = [r["domain"] for r in rows]
    assert len(rows) >= 80 and domains.count("medical") >= 30 and domains.count("legal") >= 30
    flags = [flag for r in rows for _, _, _, *fl in r["facts"] for flag in fl]
    assert flags.count("negated") >= 10 and flags.count("hedged") >= 10


def test_offline_extractor_precision_and_recall():
    precision, recall, errors = score(load_nlp())
    print(f"\ngold set: precision {precision:.3f} recall {recall:.3f} ({len(gold_rows())} sentences)")
    print("\n".join(errors))
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall)


if __name__ == "__main__":
    pytest.main([__file__, "-q", "-s", "-k", "precision"])
