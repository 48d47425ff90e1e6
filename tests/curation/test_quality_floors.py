"""The judge on the held-out labelled samples the project ships (bench/quality/labels/test.jsonl: drawn from a
kgsynth run on public text the rules never saw, labelled by people who saw no verdicts). Floors sit a little below
what the judge reaches today (`python bench/quality.py --fluency-model none` prints it): they pin that it keeps
beating accept-everything, and fail if a change makes it worse."""

from __future__ import annotations

from pathlib import Path

import pytest

from curation.calibrate import doubts
from curation.calibrate_judge import quality, read_labelled
from curation.judge import JudgeConfig, judge_offline

LABELS = Path(__file__).parents[2] / "bench" / "quality" / "labels"


@pytest.mark.slow
def test_judge_on_held_out_labels_beats_accepting_everything():
    rows = read_labelled(LABELS / "test.jsonl")
    assert len(rows) >= 200 and 0.3 < sum(r.bad for r in rows) / len(rows) < 0.8
    facts = {f.id: f for r in rows for f in r.facts}
    verdicts = judge_offline([r.sample for r in rows], facts, JudgeConfig(fluency_model="none", audit_share=0))
    bad = [r.bad for r in rows]
    judged = quality([doubts(v) for v in verdicts], bad)
    baseline = quality([False] * len(rows), bad)
    print(f"\nheld-out labels: accept-all good share {baseline['accepted_good']}, judge {judged}")
    assert judged["precision"] >= 0.65 and judged["recall"] >= 0.5
    assert judged["accepted_good"] >= baseline["accepted_good"] + 0.08
