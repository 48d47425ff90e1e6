"""Precision and recall of extracted facts against a gold file (JSONL: domain, text, facts), shared by the gold
test and bench/extract_quality.py. A gold field may list equally right spans as 'short|longer span'."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kgraph.entities import entity_key
from kgraph.records import Document, Fact, content_id

Key = tuple[str, str, str, bool, bool]


@dataclass
class Score:
    """Micro figures over a gold file, and a line per wrong or missed fact."""

    correct: int = 0  # predicted facts that match a gold fact
    predicted: int = 0
    found: int = 0  # gold facts some prediction matches
    expected: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / max(self.predicted, 1)

    @property
    def recall(self) -> float:
        return self.found / max(self.expected, 1)


def read_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def fact_key(subject: str, relation: str, obj: str, negated: bool, hedged: bool) -> Key:
    """A fact as compared: entities canonicalised, polarity and hedging included (a lost 'not' is wrong)."""
    return entity_key(subject), relation, entity_key(obj), negated, hedged


def gold_alternatives(row: dict) -> list[set[Key]]:
    """Each gold fact as the set of keys that count as it ('renal impairment|severe renal impairment')."""
    facts = []
    for subject, relation, obj, *flags in row["facts"]:
        negated, hedged = "negated" in flags, "hedged" in flags
        facts.append(
            {
                fact_key(s, r, o, negated, hedged)
                for s in subject.split("|")
                for r in relation.split("|")
                for o in obj.split("|")
            }
        )
    return facts


def row_document(row: dict) -> Document:
    return Document(id=content_id(row["text"]), path=row.get("doc", "gold"), text=row["text"], domain=row["domain"])


def score(rows: list[dict], extract: Callable[[Document], list[Fact]], min_confidence: float = 0.0) -> Score:
    """Score the extractor on gold rows, counting only facts at or above min_confidence."""
    result = Score()
    for row in rows:
        gold = gold_alternatives(row)
        facts = [f for f in extract(row_document(row)) if f.confidence >= min_confidence]
        found = {fact_key(f.subject, f.relation, f.object, f.negated, f.hedged) for f in facts}
        every_gold = set().union(*gold)
        result.predicted += len(found)
        result.correct += len(found & every_gold)
        result.expected += len(gold)
        result.found += sum(1 for keys in gold if keys & found)
        result.errors += [f"missed {sorted(keys)[0]} in {row['text']!r}" for keys in gold if not keys & found]
        result.errors += [f"wrong  {key} in {row['text']!r}" for key in sorted(found - every_gold)]
    return result
