"""Offline judge throughput: the judge of a baseline commit and the judge of this tree, on the same samples in the
same run, each in its own process (a git worktree of the baseline on the path), median of N repeats, and whether
they give the same decisions; and this tree's judge without the encoder (`judge.embeddings = false`), which changes
some decisions, with how many; and this tree's judge parsing every source sentence itself, as when generation ran
elsewhere and kept no parses (the workspace built here keeps them, as `kgsynth generate` does).

    python bench/curate.py                          # builds a workspace from the shipped text (no Prefect)
    python bench/curate.py --workspace WS --baseline c14eb60 --repeats 3

Models are loaded before the clock starts: the figure is the judge's steady throughput, which is what a large
curate runs at. The machine's load average is printed, since other work on the cores changes every figure."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "c14eb60"  # main before issue 16 (the judge after the first round of speed-ups)
SHIPPED = [ROOT / "data" / "examples", ROOT / "bench" / "quality" / "corpus"]


def shipped_corpus(folder: Path) -> Path:
    """The text the project ships (demo corpus and the quality bench's documents) gathered in one folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in SHIPPED:
        for path in sorted(source.rglob("*")):
            if path.suffix in (".txt", ".md", ".jsonl") and path.name not in ("README.md", "SOURCES.md"):
                shutil.copy(path, folder / f"{path.parent.name}_{path.name}")
    return folder


def build_workspace(ws_dir: Path) -> Path:
    """Extract and generate (plain stage calls, offline) over the shipped text."""
    from flows.config import KgsynthConfig
    from flows.direct import extract_direct, generate_direct
    from flows.workspace import Workspace

    ws, cfg = Workspace(ws_dir), KgsynthConfig()
    extract_direct(shipped_corpus(ws_dir.parent / "corpus"), ws, cfg)
    generate_direct(ws, cfg)
    return ws_dir


def worker(ws_dir: Path, repeats: int, limit: int | None, out: Path, embeddings: bool = True, kept: bool = True):
    """Judge the workspace's latest samples `repeats` times with whichever tree is first on the path (embeddings:
    the judge's `embeddings` setting; kept: read the parses generation kept, as the curate stage does)."""
    import resource
    import time

    from curation.embed import load_encoder
    from curation.judge import JudgeConfig, judge_offline
    from flows.workspace import Workspace
    from kgraph.graph import graph_facts, load_graph
    from kgraph.parse import load_nlp

    ws = Workspace(ws_dir)
    run = ws.latest_run()
    samples = known_samples(run)[:limit]
    facts = {f.id: f for f in graph_facts(load_graph(ws.graph))}
    cfg = JudgeConfig(fluency_model="none", embeddings=embeddings)
    load_encoder(), load_nlp()  # the judge's parser: the same pipeline in every tree
    seconds, cpu_seconds = [], []
    for _ in range(repeats):
        forget_parses()
        started, cpu = time.perf_counter(), time.process_time()
        with kept_parses(run) if kept else contextlib.nullcontext():
            verdicts = judge_offline(samples, facts, cfg)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mb": peak_mb,
        "verdicts": {v.sample_id: [v.decision, v.reasons, v.scores] for v in verdicts},
    }
    out.write_text(json.dumps(result))


def forget_parses() -> None:
    """Empty the parse cache the judge's fact checks share with generation, where the tree has one: a repeat that
    found the last one's parses would be faster than any new curate run."""
    syntax = sys.modules.get("generation.syntax")
    if hasattr(syntax, "PARSED"):
        syntax.PARSED.clear()
    elif hasattr(getattr(syntax, "parse", None), "cache_clear"):  # older trees cached with lru_cache
        syntax.parse.cache_clear()


def kept_parses(run: Path):
    """What the curate stage judges within: the parses the run's generation kept, where the tree keeps them (a
    judge reads them instead of parsing those sentences), else nothing."""
    kept = getattr(sys.modules.get("generation.syntax"), "kept_parses", None)
    return kept(run) if kept else contextlib.nullcontext()


def known_samples(run: Path) -> list:
    """The run's samples, one per id, as the tree on the path models them: a field it does not know is left out (the
    baseline predates `reasoning`), so an older judge sees what it always saw."""
    from generation.records import Sample

    rows = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines() if line.strip()]
    known = [{k: v for k, v in row.items() if k in Sample.model_fields} for row in rows]
    return list({s.id: s for s in map(Sample.model_validate, known)}.values())


def run_worker(tree: Path, ws_dir: Path, repeats: int, limit: int | None, out: Path, *flags: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(ws_dir), "--repeats", str(repeats)]
    command += ["--limit", str(limit)] if limit else []
    command += list(flags)
    subprocess.run([*command, "--out", str(out)], env=env, cwd=tree, check=True)
    return json.loads(out.read_text())


def baseline_tree(ref: str, folder: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), ref], check=True)
    return folder


def compare(base: dict, new: dict) -> dict:
    """How many samples got the same decision, the same reasons and the same scores."""
    ids = base.keys() & new.keys()
    return {
        "samples": len(ids),
        "decisions": sum(base[i][0] == new[i][0] for i in ids),
        "reasons": sum(base[i][1] == new[i][1] for i in ids),
        "scores": sum(base[i][2] == new[i][2] for i in ids),
    }


def table(rows: list[tuple[str, dict]], base: dict) -> str:
    """The baseline first; each other row with its ratios to it and how many decisions agree with it. CPU time
    (all threads of the process) is steadier than wall time on a machine others share."""
    lines = [
        "| judge | samples | median wall s | samples/s (wall) | median CPU s | samples per CPU s | ratio (wall, CPU) "
        "| peak MB | same decisions |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    first = None
    for n, (name, result) in enumerate(rows):
        count = len(result["verdicts"])
        wall, cpu = statistics.median(result["seconds"]), statistics.median(result["cpu_seconds"])
        first = first or (wall, cpu)
        agreement = compare(base["verdicts"], result["verdicts"])
        same = f"{agreement['decisions']}/{agreement['samples']}" if n else "-"
        lines.append(
            f"| {name} | {count} | {wall:.1f} | {count / wall:.1f} | {cpu:.1f} | {count / cpu:.1f} "
            f"| {first[0] / wall:.2f}x, {first[1] / cpu:.2f}x | {result['peak_mb']:.0f} | {same} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="workspace with generated samples (default: build one)")
    parser.add_argument("--baseline", default=BASELINE, help="git commit of the baseline judge")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, help="judge only the first N samples")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-embeddings", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-kept-parses", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.repeats, args.limit, args.out, not args.no_embeddings, not args.no_kept_parses)
    with tempfile.TemporaryDirectory(prefix="kgsynth-bench-curate-") as tmp:
        tmp = Path(tmp)
        ws_dir = args.workspace or build_workspace(tmp / "ws")
        load_before = os.getloadavg()
        tree = baseline_tree(args.baseline, tmp / "baseline")
        try:
            base = run_worker(tree, ws_dir, args.repeats, args.limit, tmp / "base.json")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        new = run_worker(ROOT, ws_dir, args.repeats, args.limit, tmp / "new.json")
        rules = run_worker(ROOT, ws_dir, args.repeats, args.limit, tmp / "rules.json", "--no-embeddings")
        parsing = run_worker(ROOT, ws_dir, args.repeats, args.limit, tmp / "parsing.json", "--no-kept-parses")
        rows = [(f"baseline {args.baseline}", base), ("this tree", new), ("this tree, judge.embeddings = false", rules)]
        rows += [("this tree, parsing every sentence (no kept parses)", parsing)]
        print(table(rows, base))
        agreement = compare(base["verdicts"], new["verdicts"])
        print(
            f"this tree: same reasons {agreement['reasons']}/{agreement['samples']}, same scores {agreement['scores']}/"
            f"{agreement['samples']}; {os.cpu_count()} cores, load average {load_before[0]:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after; median of {args.repeats}, models loaded before timing"
        )


if __name__ == "__main__":
    main()
