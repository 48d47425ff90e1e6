"""Draw samples for people to label: run kgsynth over a corpus as a user would, then pick a seeded random share
of the samples the judge saw (near-duplicates already removed), each with its facts, into a labelling file.

    .venv/bin/python bench/quality_draw.py bench/quality/corpus/dev --out bench/quality/labels/dev.jsonl --n 200

Each line: the sample, its facts (for judging later) and empty `label` ("good" or "bad") and `reason` fields for
the labeller, who never sees a verdict. Labelling rules: bench/quality/LABELLING.md.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from flows.stages import judged_samples
from flows.workspace import Workspace
from kgraph.graph import graph_facts, load_graph


def run_pipeline(corpus: Path, workspace: Path, config: Path | None) -> None:
    """`kgsynth run CORPUS --workspace WS --no-train`, the command a user runs."""
    command = [str(Path(sys.executable).with_name("kgsynth")), "run", str(corpus), "--workspace", str(workspace)]
    command += ["--no-train"] + (["--config", str(config)] if config else [])
    subprocess.run(command, check=True)


def draw(ws: Workspace, n: int, seed: int) -> list[dict]:
    """A seeded random choice among the samples that reached the judge (past dedup), with their facts."""
    facts = {f.id: f for f in graph_facts(load_graph(ws.graph))}
    pool = judged_samples(ws)
    chosen = random.Random(seed).sample(pool, min(n, len(pool)))
    return [
        {
            "sample": sample.model_dump(mode="json"),
            "facts": [facts[i].model_dump(mode="json") for i in sample.fact_ids if i in facts],
            "label": "",
            "reason": "",
        }
        for sample in chosen
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workspace", type=Path, help="reuse this workspace (default: a new temporary one)")
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.workspace or Path(tmp) / "ws"
        if not (workspace / "graph.json").exists():
            run_pipeline(args.corpus, workspace, args.config)
        rows = draw(Workspace(workspace), args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} samples to label to {args.out}")


if __name__ == "__main__":
    main()
