"""How each stage's cost grows with the corpus: extract, generate, curate and export (no training, offline, plain
stage calls without Prefect) over corpora of 1x, 4x and 16x a base size, each stage in its own process so its
peak memory is its own. Prints seconds and peak memory per stage and size, and the growth exponent k of each
stage (the least-squares slope of log cost against log size: k = 1 is linear).

    python bench/scale.py --base-docs 6 --factors 1 4 16

The corpora are built from the text the project ships (data/examples and bench/quality/corpus). A size past the
shipped text repeats it with names and numbers changed per copy (vowels of long and capitalised words rotated,
numbers shifted), so later copies give new facts and samples rather than duplicates that dedup drops. Models are
loaded before a stage's clock starts: k measures the work, not a constant start-up."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.curate import shipped_corpus  # noqa: E402

STAGES = ("extract", "generate", "curate", "export")
VOWELS = "aeiou"
NAME = re.compile(r"\b(?:[A-Z][a-z]{4,}|[a-z]{9,})\b")
NUMBER = re.compile(r"\d+")


def rotate_vowels(word: str, copy: int) -> str:
    """The word with each vowel after its first letter moved `copy` places along a-e-i-o-u: the same word maps to
    the same new word throughout a copy, so entities still recur across sentences and documents."""
    return word[0] + "".join(VOWELS[(VOWELS.index(c) + copy) % 5] if c in VOWELS else c for c in word[1:])


def vary(text: str, copy: int) -> str:
    """Copy 0 is the text itself; later copies have other names and numbers."""
    if copy == 0:
        return text
    text = NAME.sub(lambda m: rotate_vowels(m.group(), copy), text)
    return NUMBER.sub(lambda m: str(int(m.group()) + copy * 7), text)


def build_corpus(documents: list[Path], count: int, folder: Path) -> int:
    """`count` documents, cycling through the shipped ones with a new variation each round; returns the words."""
    folder.mkdir(parents=True)
    words = 0
    for n in range(count):
        source = documents[n % len(documents)]
        text = vary(source.read_text(encoding="utf-8"), n // len(documents))
        (folder / f"{n:05d}_{source.name}").write_text(text, encoding="utf-8")
        words += len(text.split())
    return words


def warm_models(stage: str) -> None:
    """Import and load what a stage loads (the spaCy model once more for extraction: from a warm file cache),
    before its clock starts."""
    if stage == "extract":
        from kgraph.extract import load_nlp

        load_nlp()
    elif stage == "generate":
        import generation.generate  # noqa: F401
    elif stage == "curate":
        from curation.embed import load_encoder
        from kgraph.extract import load_nlp

        load_nlp(), load_encoder()
    else:
        import datasets  # noqa: F401


def run_stage(stage: str, ws_dir: Path, corpus: Path) -> dict:
    """One stage over the workspace in this process: seconds, peak resident memory and the stage's counts."""
    from flows.config import KgsynthConfig
    from flows.direct import curate_direct, extract_direct, generate_direct
    from flows.stages import export_workspace
    from flows.workspace import Workspace

    ws, cfg = Workspace(ws_dir), KgsynthConfig()
    warm_models(stage)
    started, cpu = time.perf_counter(), time.process_time()
    if stage == "extract":
        stats = extract_direct(corpus, ws, cfg)
    elif stage == "generate":
        stats = generate_direct(ws, cfg)
    elif stage == "curate":
        stats = curate_direct(ws, cfg)
    else:
        stats = export_workspace(ws)[0]
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mb": peak_mb,
        "in": stats.seen,
        "kept": stats.kept,
    }


def measure(stage: str, ws_dir: Path, corpus: Path) -> dict:
    """The stage in a child process (its own peak memory)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", stage, str(ws_dir), str(corpus)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def growth(sizes: list[float], costs: list[float]) -> float:
    """Least-squares slope of log cost against log size."""
    return float(np.polyfit(np.log(sizes), np.log(np.maximum(costs, 1e-3)), 1)[0])


def report(factors: list[int], words: list[int], rows: dict) -> str:
    """Per stage and size: wall seconds, CPU seconds (steadier on a shared machine), peak MB, items in; then the
    growth exponents of wall time, CPU time and memory against corpus words."""
    heads = [f"{f}x: {w:,} words" for f, w in zip(factors, words)]
    lines = [
        "| stage | " + " | ".join(heads) + " | k wall | k CPU | k memory |",
        "|---" * (len(factors) + 4) + "|",
    ]
    for stage in STAGES:
        got = rows[stage]
        cells = [
            f"{r['seconds']:.1f} s, {r['cpu_seconds']:.1f} CPU s, {r['peak_mb']:.0f} MB, {r['in']:,} in" for r in got
        ]
        ks = [growth(words, [r[key] for r in got]) for key in ("seconds", "cpu_seconds", "peak_mb")]
        lines.append(f"| {stage} | " + " | ".join(cells) + "".join(f" | {k:.2f}" for k in ks) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-docs", type=int, default=6, help="documents in the 1x corpus")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stage, ws_dir, corpus = args.child
        print(json.dumps(run_stage(stage, Path(ws_dir), Path(corpus))))
        return
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kgsynth-bench-scale-") as tmp:
        tmp = Path(tmp)
        # in an order that mixes the domains, so every size has medical and legal text
        shipped = sorted(
            shipped_corpus(tmp / "shipped").iterdir(), key=lambda p: hashlib.sha1(p.name.encode()).digest()
        )
        words, rows = [], {stage: [] for stage in STAGES}
        for factor in args.factors:
            corpus = tmp / f"corpus-{factor}x"
            words.append(build_corpus(shipped, args.base_docs * factor, corpus))
            for stage in STAGES:
                rows[stage].append(measure(stage, tmp / f"ws-{factor}x", corpus))
                print(f"{factor}x {stage}: {rows[stage][-1]}", file=sys.stderr, flush=True)
    print(report(args.factors, words, rows))
    print(
        f"{os.cpu_count()} cores, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
        f"base {args.base_docs} documents; 'in': documents, facts, samples, accepted samples"
    )


if __name__ == "__main__":
    main()
