"""The train, evaluate and probe stages: a LoRA fine-tune on the export and what it learned."""

from __future__ import annotations

from pathlib import Path

from flows.config import KgsynthConfig
from flows.stats import StageStats, Stopwatch, stage_stats
from flows.workspace import Workspace, WorkspaceError, read_jsonl
from kgraph.graph import (
    graph_facts,
    load_graph,
)
from kgraph.records import Document


def training_rows(ws: Workspace) -> list[dict]:
    """Chat rows for SFT, read from the exported HF dataset (what a user would hand to any trainer)."""
    from datasets import load_from_disk

    if not (ws.export / "hf").exists():
        raise WorkspaceError(f"no export in {ws.root}: run `kgsynth export --workspace {ws.root}` first")
    return list(load_from_disk(str(ws.export / "hf")))


def ensure_base_model(ws: Workspace, base_model: str | None) -> str:
    """The given base model, or the workspace's tiny model (built once from the corpus's documents)."""
    if base_model:
        return base_model
    from training.tiny import save_tiny_base

    tiny = ws.models / "tiny-base"
    if not (tiny / "config.json").exists():
        texts = [d.text for run in sorted(ws.runs.glob("*")) for d in read_jsonl(run / "documents.jsonl", Document)]
        if not texts:
            raise WorkspaceError("no documents in the workspace to train a tokenizer on: run `kgsynth extract` first")
        save_tiny_base(texts, tiny)
    return str(tiny)


def train_workspace(ws: Workspace, cfg: KgsynthConfig, base_model: str | None, name: str) -> StageStats:
    """Fine-tune a LoRA adapter on the accepted samples into WS/models/<name>."""
    from training.sft import train_lora
    from training.tiny import from_scratch_config

    clock = Stopwatch()
    rows = training_rows(ws)
    if not rows:
        raise WorkspaceError(f"the export in {ws.root} is empty: run `kgsynth export --workspace {ws.root}` again")
    base = ensure_base_model(ws, base_model)
    sources = sorted({d.path for run in ws.runs.glob("*") for d in read_jsonl(run / "documents.jsonl", Document)})
    train_cfg = cfg.train if base_model else from_scratch_config(cfg.train)  # the random tiny base needs more
    metrics = train_lora(rows, base, ws.models / name, train_cfg, sources)
    return stage_stats(
        "train",
        len(rows),
        metrics["split"]["train"]["samples"],
        clock=clock,
        held_out=len(rows) - metrics["split"]["train"]["samples"],
        general_rows=metrics["general_rows"],
        steps=metrics["steps"],
        first_loss=round(metrics["first_loss"], 3),
        last_loss=round(metrics["last_loss"], 3),
    )


def evaluate_workspace(ws: Workspace, cfg: KgsynthConfig, model_dir: Path) -> StageStats:
    """Closed-book QA of a fine-tune before and after, on the questions its split held out (and some it trained on)."""
    from training.evaluate import evaluate_model

    clock = Stopwatch()
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: the facts to score against come from it")
    result = evaluate_model(model_dir, training_rows(ws), graph_facts(load_graph(ws.graph)), cfg.evaluate)
    notes = {f"{name}_after": f"{row.after:.0%} (before {row.before:.0%})" for name, row in result.sets.items()}
    asked = sum(row.questions for row in result.sets.values())
    return stage_stats("evaluate", asked, asked, clock=clock, **notes)


def probe_workspace(ws: Workspace, base_model: str, known_quota: float) -> StageStats:
    """Which facts the base model already knows; writes WS/state/fact_quota.json, which generation reads."""
    from training.probe import probe_model

    clock = Stopwatch()
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: run `kgsynth extract CORPUS --workspace {ws.root}` first")
    result = probe_model(base_model, graph_facts(load_graph(ws.graph)), ws.fact_quota, known_quota)
    return stage_stats("probe", result["facts"], result["facts"], clock=clock, **result)
