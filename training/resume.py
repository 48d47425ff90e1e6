"""`kgsynth train --resume`: an adapter trained further on new samples for the facts it still answers wrong, mixed
with a replay share of the samples it learned before and the general rows, so it catches up on those facts
without forgetting the rest; then the same questions before and after."""

from __future__ import annotations

from pathlib import Path

from training.mix import mix_general
from training.records import (
    EVALUATION_FILE,
    METRICS_FILE,
    SPLIT_FILE,
    Evaluation,
    Metrics,
    Split,
    SplitPart,
    read_record,
)
from training.sft import (
    TrainConfig,
    TrainingError,
    build_trainer,
    finish_training,
    general_rows,
    kinds_of,
)
from training.split import draw, row_id

TRAINED_SETS = ("trained", "paraphrase")  # facts the fine-tune was taught; control facts never are


def read_evaluation(model_dir: Path) -> Evaluation:
    """The adapter's evaluation.json, with the per-question results missed facts are read from."""
    path = Path(model_dir) / EVALUATION_FILE
    evaluation = read_record(path, Evaluation)
    if evaluation is None:
        raise TrainingError(f"{model_dir} has no {EVALUATION_FILE}: run `kgsynth evaluate --model {model_dir}` first")
    if any(row.questions and not row.items for row in evaluation.sets.values()):
        raise TrainingError(f"{path} predates per-question results: run `kgsynth evaluate --model {model_dir}` again")
    return evaluation


def missed_facts(evaluation: Evaluation) -> list[str]:
    """Facts the fine-tune was trained on (its trained questions and held-out paraphrases) and answered wrong at
    least once, in the evaluation's order. Control facts stay out: training on them would spoil the control set."""
    sets = [evaluation.sets[name] for name in TRAINED_SETS if name in evaluation.sets]
    return list({item.fact_id: None for row in sets for item in row.items if not item.after})


def read_split(model_dir: Path) -> Split:
    split = read_record(Path(model_dir) / SPLIT_FILE, Split)
    if split is None:
        raise TrainingError(f"{model_dir} has no {SPLIT_FILE}: it was not trained by `kgsynth train`")
    return split


def resume_parts(rows: list[dict], split: Split, missed: set[str], replay_ratio: float, seed: int) -> dict:
    """{'new', 'replay', 'held'}: rows no earlier version saw that touch a missed fact (and no control fact), earlier
    trained rows drawn so they make `replay_ratio` of the domain rows, and the held-out rows for the held-out loss."""
    ids = {name: set(part.ids) for name, part in split}
    known = set().union(*ids.values())
    controls = {f for r in rows if row_id(r) in ids.get("control", set()) for f in r.get("fact_ids") or []}
    new = [
        r
        for r in rows
        if row_id(r) not in known and set(r.get("fact_ids") or []) & missed
        and not set(r.get("fact_ids") or []) & controls
    ]  # fmt: skip
    trained = ids.get("train", set()) | ids.get("resume", set())
    pool = sorted((r for r in rows if row_id(r) in trained), key=lambda r: draw(seed, "replay", row_id(r)))
    wanted = round(len(new) * replay_ratio / (1 - replay_ratio))
    held = ids.get("paraphrase", set()) | ids.get("control", set())
    return {"new": new, "replay": pool[:wanted], "held": [r for r in rows if row_id(r) in held]}


def resume_lora(rows: list[dict], prior_dir: Path, output_dir: Path, missed: list[str], cfg: TrainConfig) -> dict:
    """Train the adapter in `prior_dir` further (its weights, not a fresh LoRA) into `output_dir`, which gets the
    earlier split plus a 'resume' part listing the new rows, so later evaluations ask the same questions."""
    prior_dir, output_dir = Path(prior_dir), Path(output_dir)
    prior = read_record(prior_dir / METRICS_FILE, Metrics)
    if prior is None:
        raise TrainingError(f"{prior_dir} has no {METRICS_FILE}: it was not trained by `kgsynth train`")
    split = read_split(prior_dir)
    parts = resume_parts(rows, split, set(missed), cfg.replay_ratio, cfg.seed)
    if not parts["new"]:
        raise TrainingError(
            f"the export holds no new sample for the {len(missed)} facts {prior_dir.name} missed: run "
            "`kgsynth generate --focus-missed`, `kgsynth curate` and `kgsynth export` first"
        )
    domain = parts["new"] + parts["replay"]
    mixed = mix_general(domain, general_rows(cfg), cfg.general_ratio, cfg.seed)
    trainer, device = build_trainer(mixed, prior.base_model, output_dir, cfg, parts["held"], adapter=prior_dir)
    earlier = split.resume.ids
    resumed = [*earlier, *(row_id(r) for r in parts["new"])]
    facts = {f for r in rows if row_id(r) in set(resumed) for f in r.get("fact_ids") or []}
    summary = split.model_copy(update={"resume": SplitPart(samples=len(resumed), facts=len(facts), ids=resumed)})
    data = {
        "resumed_from": str(prior_dir),
        "samples": len(rows),
        "trained_rows": len(mixed),
        "new_rows": len(parts["new"]),
        "replay_rows": len(parts["replay"]),
        "general_rows": len(mixed) - len(domain),
        "missed_facts": len(missed),
        "kinds": kinds_of(domain),
        "held_out_rows": len(parts["held"]),
        "sources": getattr(prior, "sources", None) or [],
        "device": device,
    }
    return finish_training(trainer, prior.base_model, output_dir, cfg, summary, data)


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def compare_evaluations(before: Evaluation, after: Evaluation, missed: list[str]) -> dict:
    """Accuracy (and word recall, the partial credit) of the earlier and the resumed fine-tune on the same
    questions, in three groups: the missed facts, the other trained facts (what forgetting would lower) and the
    control facts; and the everyday questions."""

    def answers(evaluation: Evaluation) -> dict:
        return {
            (name, item.fact_id, item.question): (float(item.after), item.recall_after)
            for name, row in evaluation.sets.items()
            for item in row.items
        }

    earlier, now, missed = answers(before), answers(after), set(missed)
    groups: dict[str, list[tuple]] = {"missed": [], "rest": [], "control": []}
    for key in sorted(earlier.keys() & now.keys()):
        name, fact_id, _ = key
        group = "control" if name not in TRAINED_SETS else "missed" if fact_id in missed else "rest"
        groups[group].append((*earlier[key], *now[key]))
    result = {
        name: {
            "questions": len(rows),
            "before": mean([r[0] for r in rows]),
            "after": mean([r[2] for r in rows]),
            "recall_before": mean([r[1] for r in rows]),
            "recall_after": mean([r[3] for r in rows]),
        }
        for name, rows in groups.items()
    }
    result["general"] = {
        "questions": after.general.questions if after.general else 0,
        "before": before.general.after if before.general else None,
        "after": after.general.after if after.general else None,
    }
    return result
