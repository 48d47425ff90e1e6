"""Splits by fact, so evaluation can tell learning a fact from memorising a sentence.

Control facts are held out whole (no sample that mentions them is trained on); for each trained fact that has
several single-fact QA samples, one is held out as a paraphrase of something the model did learn."""

from __future__ import annotations

import hashlib
import json

from training.records import Split


def draw(seed: int, *keys: str) -> float:
    """A stable pseudo-random number in [0, 1) per key, so splits repeat across runs."""
    digest = hashlib.sha1("|".join([str(seed), *keys]).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def row_id(row: dict) -> str:
    """The exported sample id, or a hash of the messages for rows that come without one."""
    return row.get("id") or hashlib.sha1(json.dumps(row["messages"], sort_keys=True).encode()).hexdigest()[:16]


def is_control(fact_id: str, control_ratio: float, seed: int = 0) -> bool:
    """Whether a fact is held out whole: drawn per fact, so every output (SFT split, preference pairs, evaluation
    sets) agrees on it whatever else the export holds."""
    return draw(seed, "control", fact_id) < control_ratio


def single_fact_qa(row: dict) -> bool:
    return row.get("kind") == "qa" and len(row.get("fact_ids") or []) == 1


def split_rows(rows: list[dict], control_ratio: float, hold_paraphrases: bool, seed: int = 0) -> dict[str, list[dict]]:
    """{'train', 'paraphrase', 'control'}: every row lands in exactly one, or in 'excluded' when it mixes a
    control fact with trained ones (a dialogue that walks across both)."""
    qa_facts = sorted({r["fact_ids"][0] for r in rows if single_fact_qa(r)})
    controls = {f for f in qa_facts if is_control(f, control_ratio, seed)}
    by_fact: dict[str, list[dict]] = {}
    for row in rows:
        if single_fact_qa(row) and row["fact_ids"][0] not in controls:
            by_fact.setdefault(row["fact_ids"][0], []).append(row)
    held = set()
    if hold_paraphrases:
        for fact_rows in by_fact.values():
            if len(fact_rows) > 1:
                held.add(row_id(min(fact_rows, key=lambda r: draw(seed, "paraphrase", row_id(r)))))
    split: dict[str, list[dict]] = {"train": [], "paraphrase": [], "control": [], "excluded": []}
    for row in rows:
        touched = set(row.get("fact_ids") or []) & controls
        if row_id(row) in held:
            split["paraphrase"].append(row)
        elif touched and single_fact_qa(row):
            split["control"].append(row)
        elif touched:
            split["excluded"].append(row)
        else:
            split["train"].append(row)
    return split


def split_summary(split: dict[str, list[dict]]) -> Split:
    """Counts and ids, written beside the adapter so `kgsynth evaluate` asks the same questions later."""
    parts = {
        name: {
            "samples": len(rows),
            "facts": len({f for r in rows for f in r.get("fact_ids") or []}),
            "ids": [row_id(r) for r in rows],
        }
        for name, rows in split.items()
    }
    return Split.model_validate(parts)
