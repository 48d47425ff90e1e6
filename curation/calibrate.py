"""Does the judge agree with people? On the samples people reviewed: precision and recall of the judge's doubts
against people's rejections, Cohen's kappa, and per score the threshold that would have agreed best."""

from __future__ import annotations

from curation.records import Review, Verdict


def doubts(verdict: Verdict) -> bool:
    """The judge would not have let the sample through: it rejected it, or flagged it for more than the audit."""
    return verdict.decision == "reject" or (verdict.decision == "flag" and verdict.reasons != ["audit"])


def agreement(predicted: list[bool], actual: list[bool]) -> dict:
    """Precision and recall of predicted rejections, and Cohen's kappa (agreement beyond chance)."""
    n = len(actual)
    tp = sum(p and a for p, a in zip(predicted, actual))
    fp = sum(p and not a for p, a in zip(predicted, actual))
    fn = sum(a and not p for p, a in zip(predicted, actual))
    tn = n - tp - fp - fn
    observed = (tp + tn) / n if n else 0.0
    chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n) if n else 0.0
    return {
        "reviewed": n,
        "people_reject": tp + fn,
        "judge_doubts": tp + fp,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "kappa": round((observed - chance) / (1 - chance), 3) if n and chance < 1 else None,
    }


def suggest_threshold(scores: list[float], actual: list[bool]) -> dict:
    """The cut (reject below it) over one score with the best kappa against people, with its agreement."""
    best = {"threshold": None, "kappa": None}
    for cut in sorted(set(scores)) + [max(scores) + 1e-9]:
        result = agreement([s < cut for s in scores], actual)
        if result["kappa"] is not None and (best["kappa"] is None or result["kappa"] > best["kappa"]):
            best = {"threshold": round(cut, 3), **result}
    return best


def calibration_report(verdicts: list[Verdict], reviews: list[Review]) -> dict:
    """Agreement of the judge's current decisions with each sample's latest review, and suggested thresholds."""
    latest = {r.sample_id: r for r in sorted(reviews, key=lambda r: r.at)}
    judged = {v.sample_id: v for v in verdicts}
    pairs = [(judged[i], latest[i].action == "reject") for i in latest if i in judged]
    actual = [rejected for _, rejected in pairs]
    report = {
        "judge": sorted({v.judge for v, _ in pairs}),
        "unmatched_reviews": len(latest) - len(pairs),
        "current": agreement([doubts(v) for v, _ in pairs], actual),
        "suggested": {},
    }
    for name in sorted({k for v, _ in pairs for k in v.scores}):
        scored = [(v.scores[name], rejected) for v, rejected in pairs if name in v.scores]
        if len(scored) >= 2 and any(r for _, r in scored) and not all(r for _, r in scored):
            report["suggested"][name] = suggest_threshold([s for s, _ in scored], [r for _, r in scored])
    return report
