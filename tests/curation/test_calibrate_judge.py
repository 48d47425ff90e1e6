from pathlib import Path

from curation.calibrate_judge import choose_thresholds, config_update, quality, quality_report, read_labelled
from curation.judge import JudgeConfig, judge_offline
from curation.records import Verdict

LABELLED = Path(__file__).parent / "data" / "labelled_judge.jsonl"


def verdict(i, entailment, reasons=()):
    decision = "flag" if reasons else "accept"
    return Verdict(sample_id=f"s{i}", scores={"entailment": entailment}, decision=decision, reasons=list(reasons),
                   judge="j")  # fmt: skip


def test_quality_on_a_known_table():
    # caught: 3 bad + 1 good; missed: 1 bad; accepted good: 5
    caught = [True, True, True, True, False] + [False] * 5
    bad = [True, True, True, False, True] + [False] * 5
    assert quality(caught, bad) == {
        "samples": 10, "bad": 4, "accepted_share": 0.6, "accepted_good": 0.833, "precision": 0.75, "recall": 0.75,
    }  # fmt: skip


def test_thresholds_maximise_recall_of_bad_at_the_required_precision():
    scores = [0.2, 0.3, 0.5, 0.55, 0.7, 0.8, 0.9, 0.95]
    bad = [True, True, True, False, True, False, False, False]
    verdicts = [verdict(i, s) for i, s in enumerate(scores)]
    verdicts.append(verdict(8, 1.0, ["cites_source"]))  # caught whatever the thresholds
    chosen = choose_thresholds(verdicts, bad + [True], min_precision=0.8)
    # catching up to 0.7 takes one good sample (0.55) with the five bad ones: precision 0.833, recall 1.0
    assert 0.7 < chosen["thresholds"]["entailment"] < 0.8 and chosen["dev"]["recall"] == 1.0
    assert chosen["dev"]["precision"] >= 0.8
    assert config_update(chosen["thresholds"]) == {"accept_entailment": round(chosen["thresholds"]["entailment"], 3)}


def test_labelled_set_judged_end_to_end():
    rows = read_labelled(LABELLED)
    assert len(rows) == 12 and sum(r.bad for r in rows) == 7
    facts = {f.id: f for r in rows for f in r.facts}
    verdicts = judge_offline([r.sample for r in rows], facts, JudgeConfig(fluency_model="none", audit_share=0))
    pairs = list(zip(verdicts, [r.bad for r in rows]))
    report = quality_report(pairs[::2], pairs[1::2], min_precision=0.8)
    configured = report["configured"]
    for split in ("dev", "test"):
        assert configured[split]["recall"] >= 0.8 and configured[split]["precision"] >= 0.8, configured
    assert report["calibrated"]["test"]["samples"] == 6
