"""The export stage: the accepted and reviewed samples into WS/export, swapped in whole."""

from __future__ import annotations

import shutil
from pathlib import Path

from curation.review_store import reviewed_samples
from flows.config import KgsynthConfig
from flows.stats import StageStats, Stopwatch, stage_stats
from flows.workspace import Workspace, WorkspaceError, read_jsonl, write_jsonl
from generation.records import Sample
from training.export import export_samples


def accepted_samples(ws: Workspace) -> list[Sample]:
    """Every accepted sample of every run, once each, as people reviewed it: their edits win, their rejections go."""
    reviewed, rejected = reviewed_samples(ws.review_db)
    samples = {s.id: s for s in read_jsonl(ws.accepted, Sample)} | {s.id: s for s in reviewed}
    return [s for s in samples.values() if s.id not in rejected]


def export_workspace(ws: Workspace, cfg: KgsynthConfig | None = None) -> list[StageStats]:
    """Write WS/export from all accepted samples, with the outputs [export] asks for and the dataset card; a summary
    row for each output."""
    from flows.eval_sets import export_eval_sets
    from flows.export_card import write_export_card  # it reads the verdicts through this module
    from flows.preference import export_preference

    clock, cfg = Stopwatch(), cfg or KgsynthConfig()
    samples = accepted_samples(ws)
    if not samples:
        raise WorkspaceError(f"no accepted samples in {ws.root}: run `kgsynth curate`, or review flagged samples")
    # Written aside, then swapped in: a kill leaves the old export or the new one, never half of one.
    partial, old = ws.root / "export.partial", ws.root / "export.old"
    for folder in (partial, old):
        shutil.rmtree(folder, ignore_errors=True)
    counts = export_samples(samples, partial)
    rows = [stage_stats("export", len(samples), counts["sharegpt"], clock=clock)]
    if cfg.export.preference:
        rows.append(export_preference(ws, cfg, samples, partial))
    if cfg.export.eval_sets:
        rows.append(export_eval_sets(ws, cfg, samples, partial))
    if cfg.generation.reasoning or any(s.reasoning for s in samples):
        rows.append(export_reasoning(ws, cfg, samples, partial))
    write_export_card(ws, samples, partial, cfg.export)
    if ws.export.exists():
        ws.export.rename(old)
    partial.rename(ws.export)
    shutil.rmtree(old, ignore_errors=True)
    return rows


def export_reasoning(ws: Workspace, cfg: KgsynthConfig, samples: list[Sample], export_dir: Path) -> StageStats:
    """reasoning.jsonl and its LLaMA-Factory entry from the accepted samples whose reasoning passes its checks; the
    rest are counted by reason in reasoning_rejections.jsonl."""
    from kgraph.graph import graph_facts, load_graph
    from training.reasoning import REJECTIONS_FILE, checked_reasoning, write_reasoning

    clock = Stopwatch()
    facts = {f.id: f for f in graph_facts(load_graph(ws.graph))}
    kept, rejections = checked_reasoning(samples, facts, cfg.judge)
    write_reasoning(kept, export_dir)
    write_jsonl(export_dir / REJECTIONS_FILE, rejections, append=False)
    return stage_stats("reasoning", len(samples), len(kept), rejections, clock=clock)


def export_complete(ws: Workspace, cfg: KgsynthConfig | None = None) -> bool:
    """Whether WS/export holds a finished export with every output [export] asks for (it is swapped in whole, so
    its files mean it finished)."""
    from training.lm_eval_task import TASK_DIR
    from training.preference import DPO_FILE
    from training.reasoning import REASONING_FILE

    cfg = cfg or KgsynthConfig()
    wanted = ["dataset_info.json", "hf"] + [DPO_FILE] * cfg.export.preference + [TASK_DIR] * cfg.export.eval_sets
    wanted += [REASONING_FILE] * cfg.generation.reasoning
    return all((ws.export / name).exists() for name in wanted)


def push_export(folder: Path, repo: str | None, private: bool, dry_run: bool) -> StageStats:
    """`kgsynth export --push-to-hub`: the push as a line of the command's summary (`upload` lists the files)."""
    from training.hub import push_folder

    clock = Stopwatch()
    result = push_folder(folder, repo, private, dry_run)
    stage = "push (dry run)" if dry_run else "push"
    return stage_stats(stage, result["files"], result["files"], clock=clock, **result)
