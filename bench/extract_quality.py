"""Extraction quality: precision and recall of the offline extractor's facts against a gold file (one JSON line
per sentence: domain, text, facts; see bench/quality/GOLD.md), for all facts and at a few confidence thresholds
(generation's is 0.7); --errors prints every wrong and missed fact at --min-confidence.

    .venv/bin/python bench/extract_quality.py bench/quality/gold/test.jsonl [--min-confidence 0.7] [--errors]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kgraph.extract import extract_facts, load_nlp
from kgraph.quality import read_gold, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", default="tests/kgraph/gold.jsonl", type=Path)
    parser.add_argument("--min-confidence", type=float, default=0.7, help="the generation threshold to report too")
    parser.add_argument("--errors", action="store_true", help="print every wrong or missed fact")
    args = parser.parse_args()
    nlp = load_nlp()
    rows = read_gold(args.gold)
    cache: dict[str, list] = {}

    def extract(doc):
        if doc.text not in cache:
            cache[doc.text] = extract_facts(doc, nlp)
        return cache[doc.text]

    print(f"{args.gold}: {len(rows)} sentences, {sum(len(r['facts']) for r in rows)} gold facts")
    print("| facts | predicted | precision | recall |\n|---|---|---|---|")
    thresholds = sorted({0.5, 0.6, 0.8, 0.9, args.min_confidence})
    for label, threshold in (("all", 0.0), *((f"confidence >= {t}", t) for t in thresholds)):
        result = score(rows, extract, threshold)
        print(f"| {label} | {result.predicted} | {result.precision:.3f} | {result.recall:.3f} |")
    if args.errors:
        print("\n".join(score(rows, extract, args.min_confidence).errors))


if __name__ == "__main__":
    main()
