"""The judge's quality on labelled samples: re-judge bench/quality/labels/{dev,test}.jsonl with the judge as it is now
and print, per split, the accepted share, the share of accepted samples that are good, and the precision and recall
of the judge's doubts (reject or flag) for bad samples; then the thresholds chosen on dev (best recall of bad at the
precision floor) and what they give on test. The baseline in the same run: accept everything.

    .venv/bin/python bench/quality.py [--labels bench/quality/labels] [--dev dev.jsonl ...] [--test test.jsonl ...]
        [--min-precision 0.8] [--fluency-model none|auto|PATH] [--no-embeddings]

--dev and --test name files in --labels, one or more each (e.g. --dev dev-gen4.jsonl dev-gen5.jsonl --test
test-gen4.jsonl: samples of this round's generator, labelled blind).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from curation.calibrate_judge import quality, quality_report, read_labelled
from curation.judge import JudgeConfig, judge_offline

COLUMNS = ("samples", "bad", "accepted_share", "accepted_good", "precision", "recall")


def judged(paths: list[Path], cfg: JudgeConfig) -> tuple[list, float]:
    for path in paths:
        if not path.is_file():
            raise SystemExit(f"{path}: no such labelled file")
    rows = [row for path in paths for row in read_labelled(path)]
    facts = {f.id: f for r in rows for f in r.facts}
    start = time.perf_counter()
    verdicts = judge_offline([r.sample for r in rows], facts, cfg)
    return list(zip(verdicts, [r.bad for r in rows])), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, default=Path("bench/quality/labels"))
    parser.add_argument(
        "--dev", nargs="+", default=["dev.jsonl"], help="the split thresholds are chosen on, in --labels"
    )
    parser.add_argument("--test", nargs="+", default=["test.jsonl"], help="the held-out split, in --labels")
    parser.add_argument("--min-precision", type=float, default=0.8)
    parser.add_argument("--fluency-model", default="none", help="none (rules only, the default), auto or a checkpoint")
    parser.add_argument("--no-embeddings", action="store_true", help="judge without the sentence encoder")
    args = parser.parse_args()
    cfg = JudgeConfig(audit_share=0, fluency_model=args.fluency_model, embeddings=not args.no_embeddings)
    dev, dev_s = judged([args.labels / name for name in args.dev], cfg)
    test, test_s = judged([args.labels / name for name in args.test], cfg)
    if not dev and not test:
        raise SystemExit(f"no labelled rows (label good or bad) in {args.dev} or {args.test} under {args.labels}")
    judge = sorted({v.judge for v, _ in dev + test})
    print(f"judge {', '.join(judge)}: {len(dev) / max(dev_s, 1e-9):.1f} samples/s on dev (incl. model loads)")
    report = quality_report(dev, test, args.min_precision)
    lines = ["| judge | split | " + " | ".join(COLUMNS) + " |", "|" + "---|" * (len(COLUMNS) + 2)]
    rows = [("accept all (baseline)", split, quality([False] * len(p), [b for _, b in p])) for split, p in
            (("dev", dev), ("test", test))]  # fmt: skip
    rows += [("as configured", split, report["configured"][split]) for split in ("dev", "test")]
    if "calibrated" in report:
        rows += [(f"calibrated on dev (precision >= {args.min_precision})", s, report["calibrated"][s]) for s in
                 ("dev", "test")]  # fmt: skip
    for name, split, q in rows:
        lines.append(f"| {name} | {split} | " + " | ".join(str(q.get(c)) for c in COLUMNS) + " |")
    print("\n".join(lines))
    if "calibrated" in report:
        print("thresholds chosen on dev (JudgeConfig fields):", report["calibrated"]["thresholds"])


if __name__ == "__main__":
    main()
