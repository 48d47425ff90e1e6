from datetime import datetime, timedelta

from curation.calibrate import agreement, calibration_report
from curation.records import Review, Verdict

T0 = datetime(2026, 1, 1)


def verdict(i, decision, grounding, reasons=("weak_grounding",)):
    return Verdict(
        sample_id=f"s{i}", scores={"grounding": grounding}, decision=decision, reasons=list(reasons), judge="j"
    )


def review(i, action, minutes=0):
    return Review(sample_id=f"s{i}", reviewer="ann", action=action, at=T0 + timedelta(minutes=minutes))


def test_kappa_precision_and_recall_on_a_known_table():
    # 2x2 table: tp=4, fp=1, fn=2, tn=3 -> observed 0.7, chance 0.5, kappa 0.4
    predicted = [True] * 4 + [True] + [False] * 2 + [False] * 3
    actual = [True] * 4 + [False] + [True] * 2 + [False] * 3
    assert agreement(predicted, actual) == {
        "reviewed": 10, "people_reject": 6, "judge_doubts": 5, "precision": 0.8, "recall": 0.667, "kappa": 0.4,
    }  # fmt: skip


def test_report_uses_latest_review_and_suggests_a_threshold():
    verdicts = [
        verdict(0, "flag", 0.2),
        verdict(1, "flag", 0.35),
        verdict(2, "flag", 0.5),
        verdict(3, "flag", 0.55),
        verdict(4, "accept", 0.9, reasons=["audit"]),  # audit: the judge let it through
        verdict(5, "accept", 0.8, reasons=["audit"]),
    ]
    reviews = [
        review(0, "reject"),
        review(1, "reject"),
        review(2, "accept"),
        review(3, "reject", 0),
        review(3, "edit", 5),  # the later decision counts
        review(4, "accept"),
        review(5, "accept"),
        review(9, "reject"),  # no verdict for it
    ]
    report = calibration_report(verdicts, reviews)
    assert report["unmatched_reviews"] == 1
    assert report["current"]["precision"] == 0.5 and report["current"]["recall"] == 1.0
    best = report["suggested"]["grounding"]
    assert best["threshold"] == 0.5 and best["kappa"] == 1.0  # rejecting below 0.5 matches people exactly
