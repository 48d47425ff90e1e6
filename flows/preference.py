"""Preference data over a workspace: the pairs the export writes (`[export] preference`) and the DPO step of
`kgsynth train --method dpo`, which continues the SFT adapter WS/models/NAME into WS/models/NAME-dpo."""

from __future__ import annotations

from pathlib import Path

from curation.llm_judge import judge_samples
from flows.config import ConfigError, KgsynthConfig
from flows.stages import graph_index, judge_llm
from flows.stats import StageStats, Stopwatch, stage_stats
from flows.workspace import Workspace, WorkspaceError, write_jsonl
from generation.records import Sample
from kgraph.records import Rejection
from training.preference import DPO_FILE, preference_pairs, read_pairs, write_preference
from training.split import is_control

REJECTIONS_FILE = "dpo_rejections.jsonl"


def export_preference(ws: Workspace, cfg: KgsynthConfig, samples: list[Sample], export_dir: Path) -> StageStats:
    """dpo.jsonl, dpo_alpaca.json and its dataset_info.json entry from the accepted samples, judged by the same
    judge as curation; pairs on control facts are left out, as `kgsynth train` never trains on those facts and
    the evaluation sets ask about them. The reasons a sample got no pair go to dpo_rejections.jsonl."""
    clock = Stopwatch()
    index = graph_index(ws.graph, cfg.generation.min_confidence)
    llm = judge_llm(cfg)
    # Left out before judging, so no judge call is spent on a pair that would not be written.
    held = {
        s.id
        for s in samples
        if s.kind == "qa"
        and len(s.fact_ids) == 1
        and is_control(s.fact_ids[0], cfg.train.control_ratio, cfg.train.seed)
    }
    kept = [s for s in samples if s.id not in held]
    pairs, rejections = preference_pairs(kept, index, lambda batch: judge_samples(batch, index.by_id, cfg.judge, llm))
    rejections += [Rejection(item_id=i, stage="preference", reason="held_out_fact") for i in sorted(held)]
    counts = write_preference(pairs, export_dir)
    write_jsonl(Path(export_dir) / REJECTIONS_FILE, rejections)
    errors = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "-"
    return stage_stats("preference", len(pairs) + len(rejections), len(pairs), rejections, clock, errors=errors)


def dpo_name(name: str) -> str:
    return f"{name}-dpo"


def check_dpo_inputs(ws: Workspace, base_model: str | None, name: str) -> None:
    """What DPO needs, checked before any orchestration starts: the SFT adapter to continue and the pairs."""
    sft_dir = ws.models / name
    if base_model:
        raise ConfigError("--base-model does not apply to --method dpo: it continues the SFT adapter on that base")
    if not (sft_dir / "adapter_config.json").exists():
        raise WorkspaceError(
            f"no SFT adapter in {sft_dir}: run `kgsynth train --workspace {ws.root} --name {name}` first"
        )
    if not (ws.export / DPO_FILE).exists():
        raise WorkspaceError(
            f"no {DPO_FILE} in {ws.export}: run `kgsynth export --workspace {ws.root} --preference` first"
        )


def train_dpo_workspace(ws: Workspace, cfg: KgsynthConfig, base_model: str | None, name: str) -> StageStats:
    """DPO on WS/export/dpo.jsonl, continuing the SFT adapter WS/models/NAME; the margin between the chosen and
    the rejected answers before and after is the figure to watch."""
    from training.dpo import train_dpo

    clock = Stopwatch()
    check_dpo_inputs(ws, base_model, name)
    sft_dir = ws.models / name
    pairs = read_pairs(ws.export / DPO_FILE)
    out = ws.models / dpo_name(name)
    metrics = train_dpo(pairs, sft_dir, out, cfg.dpo)
    return stage_stats(
        "train-dpo",
        len(pairs),
        metrics["pairs"],
        clock=clock,
        adapter=str(out),
        held_out=len(pairs) - metrics["pairs"],
        steps=metrics["steps"],
        margin_before=round(metrics["margin_before"], 3),
        margin_after=round(metrics["margin_after"], 3),
        **held_out_margin(metrics),
    )


def held_out_margin(metrics: dict) -> dict:
    """The margin on pairs of questions the SFT run held out, when there were any."""
    if not metrics["held_out_pairs"]:
        return {}
    before, after = metrics["held_out_margin_before"], metrics["held_out_margin_after"]
    return {"held_out_margin": f"{before:.3f} -> {after:.3f} ({metrics['held_out_pairs']} pairs)"}
