"""The judge against labelled samples: how much of what it accepts is good, precision and recall of its doubts
(reject or flag) for bad samples, and thresholds chosen on a dev split for the best recall of bad samples at a
required precision, to be checked on a held-out split."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from curation.calibrate import agreement, doubts
from curation.records import Verdict
from generation.records import Sample
from kgraph.records import Fact

# score -> the JudgeConfig field whose threshold catches (flags or rejects) a sample below it
THRESHOLDS = {
    "entailment": "accept_entailment",
    "term_support": "reject_term_support",
    "fluency": "accept_fluency",
    "fluency_worst": "accept_fluency_worst",
    "question_fit": "accept_question_fit",
    "grounding": "accept_grounding",
    "similarity": "accept_similarity",
}
# reasons that only those thresholds produce: the rest (contradiction, cites_source, rules) do not move with them
THRESHOLD_REASONS = {
    "ungrounded",
    "weak_grounding",
    "off_topic",
    "weak_similarity",
    "unsupported_claim",
    "weak_entailment",
    "disfluent",
    "weak_fluency",
    "weak_question",
    "audit",
}


@dataclass
class Labelled:
    sample: Sample
    facts: list[Fact]
    bad: bool
    reason: str = ""


def read_labelled(path: Path) -> list[Labelled]:
    """Rows of `bench/quality_draw.py` once labelled: the sample, its facts, `label` good|bad and `reason`;
    unlabelled rows are skipped."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("label") not in ("good", "bad"):
            continue
        sample = Sample.model_validate(row["sample"])
        facts = [Fact.model_validate(f) for f in row.get("facts", [])]
        rows.append(Labelled(sample, facts, row["label"] == "bad", row.get("reason", "")))
    return rows


def quality(caught: list[bool], bad: list[bool]) -> dict:
    """Accepted share, share of accepted that are good, and precision / recall of the judge's doubts for bad."""
    n = len(bad)
    accepted = n - sum(caught)
    accepted_good = sum(not c and not b for c, b in zip(caught, bad))
    doubts_of_bad = agreement(caught, bad)
    return {
        "samples": n,
        "bad": sum(bad),
        "accepted_share": round(accepted / n, 3) if n else None,
        "accepted_good": round(accepted_good / accepted, 3) if accepted else None,
        "precision": doubts_of_bad["precision"],
        "recall": doubts_of_bad["recall"],
    }


def caught_with(verdict: Verdict, cuts: dict[str, float]) -> bool:
    """Would the judge doubt this sample with these thresholds (score -> catch below it)?"""
    fixed = [r for r in verdict.reasons if r.split(":")[0] not in THRESHOLD_REASONS]
    return bool(fixed) or any(verdict.scores.get(name, 1e9) < cut for name, cut in cuts.items())


def choose_thresholds(verdicts: list[Verdict], bad: list[bool], min_precision: float = 0.8) -> dict:
    """Greedy search on a dev split: raise one score's threshold at a time to the cut that adds the most recall of
    bad samples while precision stays at `min_precision` or above; stop when no cut adds any."""
    names = [n for n in THRESHOLDS if any(n in v.scores for v in verdicts)]
    start = {n: min((v.scores[n] for v in verdicts if n in v.scores), default=0.0) for n in names}
    cuts = dict(start)

    def measure(trial: dict[str, float]) -> dict:
        return quality([caught_with(v, trial) for v in verdicts], bad)

    best = measure(cuts)
    while True:
        step = None
        for name in names:
            values = sorted({v.scores[name] for v in verdicts if name in v.scores})
            # a cut halfway to the next value: rounding keeps it, and it does not sit on any sample's score
            for cut in [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 0.001]:
                if cut <= cuts[name]:
                    continue
                trial = measure({**cuts, name: cut})
                if (trial["precision"] or 0) >= min_precision and (trial["recall"] or 0) > (
                    step[2]["recall"] if step else best["recall"] or 0
                ):
                    step = (name, cut, trial)
        if step is None:
            break
        cuts[step[0]], best = step[1], step[2]
    # only the thresholds the search raised: a score left at its floor catches nothing and sets nothing
    return {"thresholds": {n: round(c, 4) for n, c in cuts.items() if c > start[n]}, "dev": best}


def config_update(thresholds: dict[str, float]) -> dict[str, float]:
    """The JudgeConfig fields that apply chosen thresholds (catching below them means flag, or reject for term_support)."""
    return {THRESHOLDS[name]: round(cut, 3) for name, cut in thresholds.items()}


def quality_report(dev: list[tuple[Verdict, bool]], test: list[tuple[Verdict, bool]], min_precision: float) -> dict:
    """The judge as configured on both splits, and thresholds chosen on dev then measured on test."""
    report = {
        "configured": {
            "dev": quality([doubts(v) for v, _ in dev], [b for _, b in dev]),
            "test": quality([doubts(v) for v, _ in test], [b for _, b in test]),
        }
    }
    if dev:
        chosen = choose_thresholds([v for v, _ in dev], [b for _, b in dev], min_precision)
        cuts = chosen["thresholds"]
        report["calibrated"] = {
            "thresholds": config_update(cuts),
            "dev": chosen["dev"],
            "test": quality([caught_with(v, cuts) for v, _ in test], [b for _, b in test]),
        }
    return report
