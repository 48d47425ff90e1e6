"""Evaluation sets over a workspace (`[export] eval_sets`): the accepted questions about the control facts, which
`kgsynth train` holds out whole, as an lm-evaluation-harness task and in the EvalScope and OpenCompass layouts."""

from __future__ import annotations

from pathlib import Path

from flows.config import KgsynthConfig
from flows.stages import graph_index
from flows.stats import StageStats, Stopwatch, stage_stats
from flows.workspace import Workspace
from generation.records import Sample
from training.eval_layouts import write_eval_layouts
from training.export import to_chat
from training.lm_eval_task import TASK_DIR, eval_items, write_task


def export_eval_sets(ws: Workspace, cfg: KgsynthConfig, samples: list[Sample], export_dir: Path) -> StageStats:
    """WS/export/lm_eval/, evalscope/ and opencompass/ from the rows the SFT export holds, split with the training
    settings ([train] control_ratio and seed), so `kgsynth evaluate` asks about the same facts."""
    clock = Stopwatch()
    rows = [to_chat(s) for s in samples]
    index = graph_index(ws.graph, cfg.generation.min_confidence)
    mc, short, rejections = eval_items(rows, index, cfg.train.control_ratio, cfg.train.seed)
    (Path(export_dir) / TASK_DIR).mkdir(parents=True, exist_ok=True)  # even empty: the export asked for it is done
    write_task(mc, short, export_dir)
    write_eval_layouts(mc, short, export_dir)
    notes = {"multiple_choice": len(mc), "short_answer": len(short)}
    if not short:
        notes["note"] = "no closed-book question on a control fact: raise [train] control_ratio"
    return stage_stats("eval sets", len(short) + len(rejections), len(short), rejections, clock, **notes)
