"""How each stage's cost grows with the corpus: extract, generate, curate and export (no training, offline, plain
stage calls without Prefect) over corpora of 1x, 4x and 16x a base size, each stage in its own process so its
peak memory is its own. Prints seconds and peak memory per stage and size, and the growth exponent k of each
stage (the least-squares slope of log cost against log size: k = 1 is linear).

    python bench/scale.py --base-docs 6 --factors 1 4 16
    python bench/scale.py --stages extract --baseline c14eb60 --join 8      # this tree beside a baseline commit
    python bench/scale.py --stages extract generate --runners direct threads dask   # Prefect runners side by side

`--runners`: direct is the plain stage call (what `kgsynth extract|generate` do); threads and dask run the stage's
Prefect flow (what `kgsynth run` does) with Prefect's thread pool or a LocalCluster of two worker processes (its
peak memory is the flow's process; the workers' largest peak is shown beside it). Curate and export have no task
runner, so they always run direct. `--join K` writes K shipped documents into each corpus file: long documents,
where a batch of documents is a lot of text.

The corpora are built from the text the project ships (data/examples and bench/quality/corpus). A size past the
shipped text repeats it with names and numbers changed per copy (vowels of long and capitalised words rotated,
numbers shifted), so later copies give new facts and samples rather than duplicates that dedup drops. Models are
loaded before a stage's clock starts: k measures the work, not a constant start-up."""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# a child measuring a baseline commit imports that tree's code (KGSYNTH_TREE), the parent this one's
sys.path.insert(0, os.environ.get("KGSYNTH_TREE") or str(ROOT))

from bench.curate import shipped_corpus  # noqa: E402

STAGES = ("extract", "generate", "curate", "export")
RUNNERS = ("direct", "threads", "dask")
FLOW_STAGES = ("extract", "generate")  # the stages with tasks on a task runner
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


def build_corpus(documents: list[Path], count: int, folder: Path, join: int = 1) -> int:
    """`count` files of `join` documents each, cycling through the shipped ones with a new variation each round;
    returns the words."""
    folder.mkdir(parents=True)
    words = 0
    for n in range(count):
        parts = []
        for m in range(n * join, (n + 1) * join):
            source = documents[m % len(documents)]
            parts.append(vary(source.read_text(encoding="utf-8"), m // len(documents)))
        text = "\n\n".join(parts)
        (folder / f"{n:05d}_{documents[n * join % len(documents)].name}").write_text(text, encoding="utf-8")
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


def run_stage(stage: str, ws_dir: Path, corpus: Path, runner: str) -> dict:
    """One stage over the workspace in this process: seconds, peak resident memory and the stage's counts."""
    from flows.config import KgsynthConfig
    from flows.workspace import Workspace

    ws, cfg = Workspace(ws_dir), KgsynthConfig()
    warm_models(stage)
    with stage_call(stage, ws, cfg, corpus, runner) as (call, workers_peak_mb):
        started, cpu = time.perf_counter(), time.process_time()
        stats = call()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        worker_mb = workers_peak_mb()
    row = stats if isinstance(stats, dict) else stats.row()  # a --baseline commit may predate StageStats
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mb": peak_mb,
        "worker_peak_mb": worker_mb,
        "in": row["in"],
        "kept": row["kept"],
    }


@contextmanager
def stage_call(stage: str, ws, cfg, corpus: Path, runner: str) -> Iterator[tuple]:
    """The stage as a call to time, and how to read the largest Dask worker's peak MB afterwards (0 without Dask).
    Prefect's server and the Dask workers (with their models loaded) start before the call."""
    from flows.direct import curate_direct, extract_direct, generate_direct
    from flows.stages import export_workspace

    direct = {
        "extract": lambda: extract_direct(corpus, ws, cfg),
        "generate": lambda: generate_direct(ws, cfg),
        "curate": lambda: curate_direct(ws, cfg),
        "export": lambda: export_workspace(ws)[0],
    }
    if runner == "direct" or stage not in FLOW_STAGES:
        yield direct[stage], lambda: 0.0
        return
    from prefect import flow

    from flows.pipeline import extract_flow, generate_flow
    from flows.runners import FlowsConfig, shared_cluster, task_runner

    flow(name="kgsynth-bench-warm")(lambda: None)()  # starts the ephemeral server before the clock
    with shared_cluster(FlowsConfig(runner=runner)) as flows_cfg:
        client = dask_client(flows_cfg.dask_address, stage)
        cfg = cfg.model_copy(update={"flows": flows_cfg})
        stage_flow = (extract_flow if stage == "extract" else generate_flow).with_options(
            task_runner=task_runner(flows_cfg)
        )
        call = (lambda: stage_flow(corpus, ws, None, cfg)) if stage == "extract" else lambda: stage_flow(ws, cfg)
        yield call, lambda: max(client.run(peak_rss_mb).values()) if client else 0.0
        if client:
            client.close()


def dask_client(address: str | None, stage: str):
    """A client of the run's cluster with the stage's models loaded on every worker, or None off Dask."""
    if not address:
        return None
    from distributed import Client

    client = Client(address)
    client.run(warm_models, stage)
    return client


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(stage: str, ws_dir: Path, corpus: Path, runner: str, tree: Path) -> dict:
    """The stage in a child process (its own peak memory), importing the code of `tree`."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "KGSYNTH_TREE": str(tree),
        "TOKENIZERS_PARALLELISM": "false",
        "PREFECT_HOME": str(ws_dir.parent / "prefect-home"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", stage, str(ws_dir), str(corpus), runner]
    done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{stage} ({runner}, {tree}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def tree_at(ref: str, folder: Path) -> Path:
    """The files of commit `ref` (git archive: no worktree to clean up)."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def growth(sizes: list[float], costs: list[float]) -> float:
    """Least-squares slope of log cost against log size."""
    return float(np.polyfit(np.log(sizes), np.log(np.maximum(costs, 1e-3)), 1)[0])


def report(factors: list[int], words: list[int], rows: dict) -> str:
    """Per stage, code and runner, and size: wall seconds, CPU seconds of the stage's process (steadier on a shared
    machine; Dask workers' CPU is not in it), peak MB, items in; then the growth exponents of wall time, CPU time
    and memory against corpus words."""
    heads = [f"{f}x: {w:,} words" for f, w in zip(factors, words)]
    lines = [
        "| stage | code, runner | " + " | ".join(heads) + " | k wall | k CPU | k memory |",
        "|---" * (len(factors) + 5) + "|",
    ]
    for (stage, code, runner), got in rows.items():
        runner = runner if stage in FLOW_STAGES or runner == "direct" else f"direct (after {runner})"
        cells = [
            f"{r['seconds']:.1f} s, {r['cpu_seconds']:.1f} CPU s, {r['peak_mb']:.0f} MB"
            + (f" (workers {r['worker_peak_mb']:.0f} MB)" if r["worker_peak_mb"] else "")
            + f", {r['in']:,} in"
            for r in got
        ]
        ks = [growth(words, [r[key] for r in got]) for key in ("seconds", "cpu_seconds", "peak_mb")]
        lines.append(f"| {stage} | {code}, {runner} | " + " | ".join(cells) + "".join(f" | {k:.2f}" for k in ks) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-docs", type=int, default=6, help="documents (files) in the 1x corpus")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES), help="stages to measure")
    parser.add_argument("--runners", nargs="+", choices=RUNNERS, default=["direct"], help="task runners to compare")
    parser.add_argument("--baseline", metavar="COMMIT", help="also measure this commit's code, on the same corpora")
    parser.add_argument("--join", type=int, default=1, help="shipped documents per corpus file (long documents)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stage, ws_dir, corpus, runner = args.child
        print(json.dumps(run_stage(stage, Path(ws_dir), Path(corpus), runner)))
        return
    stages = [s for s in STAGES if s in args.stages]  # in pipeline order: each reads what the one before wrote
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kgsynth-bench-scale-") as tmp:
        tmp = Path(tmp)
        trees = {
            "this tree": ROOT,
            **({args.baseline: tree_at(args.baseline, tmp / "baseline")} if args.baseline else {}),
        }
        # in an order that mixes the domains, so every size has medical and legal text
        shipped = sorted(
            shipped_corpus(tmp / "shipped").iterdir(), key=lambda p: hashlib.sha1(p.name.encode()).digest()
        )
        words, rows = [], {}
        for factor in args.factors:
            corpus = tmp / f"corpus-{factor}x"
            words.append(build_corpus(shipped, args.base_docs * factor, corpus, args.join))
            for (code, tree), runner in itertools.product(reversed(trees.items()), args.runners):
                ws_dir = tmp / f"ws-{factor}x-{runner}-{code.replace(' ', '-')}"
                for stage in stages:
                    result = measure(stage, ws_dir, corpus, runner, tree)
                    rows.setdefault((stage, code, runner), []).append(result)
                    print(f"{factor}x {stage} {code} {runner}: {result}", file=sys.stderr, flush=True)
    print(report(args.factors, words, rows))
    print(
        f"{os.cpu_count()} cores, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
        f"base {args.base_docs} files of {args.join} documents; 'in': documents, facts, samples, accepted samples"
    )


if __name__ == "__main__":
    main()
