"""Extraction cost: the full offline extraction over a corpus versus raw `nlp.pipe` on the same text, in the
same run (goal: at most 1.2x), with spaCy given the default 50,000 characters at once and 1,000,000 (memory grows
with it, about 3.3 MB per 1,000). Prints a table of medians.

    .venv/bin/python bench/extract.py [CORPUS] [--repeat 3] [--copies 4]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from timing import seconds

from kgraph.corpus import read_corpus
from kgraph.extract import extract_corpus, facts_from_parsed, load_nlp
from kgraph.parse import PARSE_CHARS
from kgraph.records import Document, content_id


def corpus_documents(corpus: Path, copies: int) -> list[Document]:
    """The corpus, repeated with distinct ids so there is enough text to time."""
    documents, _ = read_corpus(corpus)
    return [d.model_copy(update={"id": content_id(d.id, copy)}) for copy in range(copies) for d in documents]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default="data/examples", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()
    nlp = load_nlp()
    documents = corpus_documents(args.corpus, args.copies)
    texts = [d.text for d in documents]
    words = sum(len(t.split()) for t in texts)
    parsed = list(nlp.pipe(texts, batch_size=32))
    runs = {
        ("raw nlp.pipe (baseline)", "32 docs"): lambda: list(nlp.pipe(texts, batch_size=32)),
        ("extract_corpus", f"{PARSE_CHARS:,}"): lambda: extract_corpus(documents, nlp),
        ("extract_corpus", "1,000,000"): lambda: extract_corpus(documents, nlp, 1_000_000),
        ("rules only (pre-parsed)", "-"): lambda: [facts_from_parsed(d, p) for d, p in zip(documents, parsed)],
    }
    # Interleaved rounds, so a busy machine slows every row alike rather than whichever ran last.
    times: dict = {key: [] for key in runs}
    for _ in range(args.repeat):
        for key, action in runs.items():
            times[key].append(seconds(action))
    medians = {key: statistics.median(values) for key, values in times.items()}
    baseline = medians[("raw nlp.pipe (baseline)", "32 docs")]

    print(f"{len(documents)} documents, {words} words, median of {args.repeat} interleaved rounds")
    print(f"{'what':<26}{'parse batch':>12}{'seconds':>10}{'words/s':>10}{'x baseline':>12}")
    for (name, batch), value in medians.items():
        print(f"{name:<26}{batch:>12}{value:>10.2f}{words / value:>10.0f}{value / baseline:>12.2f}")


if __name__ == "__main__":
    main()
