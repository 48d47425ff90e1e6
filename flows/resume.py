"""The loop after training. `kgsynth generate --focus-missed` writes more samples, asked in forms not used before,
for the facts the latest version of adapter NAME got wrong; after `curate` and `export`, `kgsynth train --resume`
trains that adapter further on them (with replay and general rows) into a new version NAME-vN, evaluates it and
compares it with the version it continued."""

from __future__ import annotations

import json
from pathlib import Path

from flows.config import ConfigError, KgsynthConfig
from flows.stages import finish_generate, graph_index, llm_cache_path, run_samples, training_rows
from flows.stages.generate import RecordedBatch
from flows.stats import StageStats, Stopwatch, stage_stats
from flows.workspace import Workspace, WorkspaceError, write_jsonl
from generation.focus import focus_jobs
from generation.generate import run_jobs, split
from generation.offline import OfflineGenerator
from generation.records import Sample
from kgraph.graph import graph_facts, load_graph
from kgraph.llm import OpenAICompatible, llm_from_config, run_llm
from kgraph.records import Rejection
from training.records import METRICS_FILE, Metrics, read_record
from training.resume import compare_evaluations, missed_facts, read_evaluation
from training.sft import TrainingError


def latest_adapter(ws: Workspace, name: str) -> tuple[int, Path]:
    """The newest version of adapter NAME: (its number, its folder)."""
    versions = ws.model_versions(name)
    if not versions:
        raise WorkspaceError(
            f"no adapter {name} in {ws.models}: run `kgsynth train --workspace {ws.root} --name {name}` first"
        )
    return versions[-1]


def missed_by(ws: Workspace, name: str) -> tuple[Path, list[str]]:
    """The newest version of NAME and the facts its last evaluation found it answering wrong."""
    _, model_dir = latest_adapter(ws, name)
    try:
        missed = missed_facts(read_evaluation(model_dir))
    except TrainingError as err:
        raise WorkspaceError(str(err)) from err
    if not missed:
        raise WorkspaceError(
            f"{model_dir} answered every trained and paraphrase question of its evaluation right: nothing missed "
            "to focus on (raise [evaluate] questions_per_set to ask more)"
        )
    return model_dir, missed


def check_resume_inputs(ws: Workspace, base_model: str | None, name: str, method: str) -> None:
    """What --resume needs, checked before any orchestration starts: an SFT adapter, its evaluation, missed facts."""
    if method != "sft":
        raise ConfigError(f"--resume continues an SFT adapter: leave out --method {method}")
    if base_model:
        raise ConfigError(
            "--base-model does not apply to --resume: the adapter continues on the base it was trained on"
        )
    missed_by(ws, name)


def read_rounds(path: Path) -> dict[str, int]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def question_of(sample: Sample) -> str:
    return " ".join(next(m.content for m in sample.messages if m.role == "user").lower().split())


def drop_repeats(samples: list[Sample], earlier: list[Sample]) -> tuple[list[Sample], list[Rejection]]:
    """Leave out a sample whose question an earlier sample of its fact already asked (two framings can read the
    same): a focus round brings new forms, never copies."""
    asked = {(fact_id, question_of(s)) for s in earlier for fact_id in s.fact_ids}
    kept, repeated = [], []
    for sample in samples:
        keys = {(fact_id, question_of(sample)) for fact_id in sample.fact_ids}
        if keys & asked:
            repeated.append(Rejection(item_id=sample.id, stage="generate", reason="repeated_question"))
        else:
            kept.append(sample)
            asked |= keys
    return kept, repeated


def generate_focus(ws: Workspace, cfg: KgsynthConfig, name: str) -> StageStats:
    """A new run with the next round of samples for the missed facts; `kgsynth curate` then checks, dedups and judges
    them like any run's."""
    clock = Stopwatch()
    model_dir, missed = missed_by(ws, name)
    index = graph_index(ws.graph, cfg.generation.min_confidence)
    facts = [index.by_id[i] for i in missed if i in index.by_id]
    rounds = read_rounds(ws.focus_rounds)
    jobs, skipped = focus_jobs(facts, index, cfg.generation, cfg.focus, rounds)
    llm = llm_from_config(cfg.llm, llm_cache_path(ws)) or OfflineGenerator()
    samples, rejections = split(run_llm(llm, run_jobs(jobs, llm))) if jobs else ([], [])
    samples, repeated = drop_repeats(samples, [s for run in ws.runs.glob("*") for s in run_samples(run)])
    rejections += repeated
    run = ws.create().new_run()
    write_jsonl(run / "samples.jsonl", samples)
    write_jsonl(run / "rejections.jsonl", skipped + rejections)
    planned = {job.seed.id for job in jobs}
    rounds |= {i: rounds.get(i, 0) + 1 for i in planned}
    aside = ws.focus_rounds.with_suffix(".partial")
    aside.write_text(json.dumps(rounds, indent=1), encoding="utf-8")
    aside.replace(ws.focus_rounds)  # whole or not at all
    usage = llm.usage.report(cfg.llm) if isinstance(llm, OpenAICompatible) else {}
    batch = RecordedBatch(sorted(planned), len(samples), rejections, usage, pending=0)
    stats = finish_generate(run, len(facts), [batch], clock, skipped)
    return stats.with_counters(adapter=str(model_dir), missed_facts=len(missed), facts_focused=len(planned))


def resume_workspace(ws: Workspace, cfg: KgsynthConfig, base_model: str | None, name: str) -> StageStats:
    """Train the newest version of NAME further into NAME-vN+1, evaluate it, and compare with the version before on
    the same questions (WS/models/NAME-vN+1/resume.json)."""
    from training.evaluate import evaluate_model
    from training.resume import resume_lora
    from training.tiny import from_scratch_config

    clock = Stopwatch()
    check_resume_inputs(ws, base_model, name, "sft")
    prior, missed = missed_by(ws, name)
    number, _ = latest_adapter(ws, name)
    out = ws.models / f"{name}-v{number + 1}"
    rows = training_rows(ws)
    base = read_record(prior / METRICS_FILE, Metrics).base_model  # missed_by found an evaluated, trained adapter
    # The workspace's random tiny base needs the from-scratch settings its first training had.
    tiny = Path(base).resolve() == (ws.models / "tiny-base").resolve()
    train_cfg = from_scratch_config(cfg.train) if tiny else cfg.train
    metrics = resume_lora(rows, prior, out, missed, train_cfg)
    evaluation = evaluate_model(out, rows, graph_facts(load_graph(ws.graph)), cfg.evaluate)
    comparison = compare_evaluations(read_evaluation(prior), evaluation, missed)
    (out / "resume.json").write_text(
        json.dumps({"resumed_from": str(prior), "missed_facts": missed, **comparison}, indent=1), encoding="utf-8"
    )
    return stage_stats(
        "train-resume",
        len(rows),
        metrics["new_rows"],
        clock=clock,
        adapter=str(out),
        resumed_from=prior.name,
        new_rows=metrics["new_rows"],
        replay_rows=metrics["replay_rows"],
        general_rows=metrics["general_rows"],
        steps=metrics["steps"],
        **{group: change(row) for group, row in comparison.items()},
    )


def change(row: dict) -> str:
    """'12% -> 40% (25 questions)', the before and after of one group."""
    if row["before"] is None or row["after"] is None:
        return f"- ({row['questions']} questions)"
    return f"{row['before']:.0%} -> {row['after']:.0%} ({row['questions']} questions)"
