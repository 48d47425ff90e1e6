"""The model card (README.md) and loss curve beside an adapter, written from the files in its folder."""

from __future__ import annotations

from pathlib import Path

from training.records import EVALUATION_FILE, METRICS_FILE, Evaluation, Metrics, read_record

MAX_EPOCH_MARKS = 8  # more boundary lines than this and their labels run into each other
CARD_FIELDS = {"license", "language", "dataset_id"}  # [train] settings that are card metadata, not hyperparameters


def smoothed(values: list[float], weight: float) -> list[float]:
    """Exponential moving average, debiased like TensorBoard's, so the first points are not pulled to zero."""
    out, mean = [], 0.0
    for i, value in enumerate(values, 1):
        mean = weight * mean + (1 - weight) * value
        out.append(mean / (1 - weight**i))
    return out


def epoch_ends(history: list[dict]) -> list[tuple[int, int]]:
    """(step, epoch) for each epoch that ended before the last step, from the fractional epoch logged per step."""
    ends, last = [], history[-1]["step"] if history else 0
    for row in history:
        finished = int(row["epoch"] + 1e-6)  # the trainer logs 0.999999... for a whole epoch
        while finished > len(ends) and row["step"] < last:
            ends.append((row["step"], len(ends) + 1))
    return ends


def loss_history(log_history: list[dict], key: str = "loss") -> list[dict]:
    """Step, epoch and loss of every trainer log that has `key` (loss, or eval_loss for the held-out rows)."""
    return [{"step": log["step"], "epoch": log["epoch"], "loss": log[key]} for log in log_history if key in log]


def plot_losses(history: list[dict], path: Path, held_out: list[dict] | None = None) -> None:
    """Training loss per step (raw, faint; smoothed, bold), epoch boundaries, and the loss on held-out rows
    where training measured it; where it did not, the picture says so."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, losses = [row["step"] for row in history], [row["loss"] for row in history]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot(steps, losses, color="#4c9be8", alpha=0.3, linewidth=1, label="training loss")
    weight = min(0.9, max(0.0, 1 - 6 / max(len(losses), 1)))
    ax.plot(steps, smoothed(losses, weight), color="#1f5fa8", linewidth=2, label=f"smoothed (EMA {weight:.2f})")
    ends = epoch_ends(history)
    for step, epoch in ends[:: -(-len(ends) // MAX_EPOCH_MARKS) or 1]:  # every k-th when there are many
        ax.axvline(step + 0.5, color="#888888", linestyle=":", linewidth=1)
        ax.annotate(f"epoch {epoch + 1}", (step + 0.5, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                    textcoords="offset points", fontsize=8, color="#555555")  # fmt: skip
    title = "LoRA fine-tune"
    if held_out:
        ax.plot([r["step"] for r in held_out], [r["loss"] for r in held_out], "o-", color="#e8684c", linewidth=1.5,
                label="held-out loss")  # fmt: skip
    else:
        title += " (no held-out loss measured: no rows were held out)"
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def evaluation_table(evaluation: Evaluation) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the before/after table, one row per question set (the card and the run report show it)."""
    header = ["set", "questions", "before", "after", "majority baseline", "word recall before → after",
              "grounding before → after"]  # fmt: skip
    rows = [
        [
            name,
            str(row.questions),
            f"{row.before:.1%}",
            f"{row.after:.1%}",
            f"{row.majority:.1%}",
            f"{row.recall_before:.2f} → {row.recall_after:.2f}",
            f"{row.grounding_before:.2f} → {row.grounding_after:.2f}",
        ]
        for name, row in evaluation.sets.items()
    ]
    return header, rows


def evaluation_section(evaluation: Evaluation | None) -> list[str]:
    if evaluation is None:
        return ["Not evaluated yet: run `kgsynth evaluate --workspace WS --model THIS_FOLDER`."]
    header, rows = evaluation_table(evaluation)
    return [
        "Closed-book QA: the answer counts when it names the fact's expected entity. The majority baseline always",
        "gives the most frequent expected answer of the set. Word recall gives partial credit (share of the",
        "entity's content words named); grounding is the offline judge's share of answer content words found in",
        "the fact's evidence.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def card_metadata(name: str, metrics: dict, evaluation: Evaluation | None) -> str:
    """The card's YAML header, built by huggingface_hub so the Hub reads it: the closed-book results after
    fine-tuning become `model-index` entries, one per question set."""
    from huggingface_hub import EvalResult, ModelCardData

    cfg = metrics.get("config", {})
    results = [
        EvalResult(
            task_type="question-answering",
            task_name="Closed-book QA on facts from the sources",
            dataset_type="kgsynth-closed-book",
            dataset_name=f"{set_name} questions",
            dataset_split=set_name,
            metric_type="accuracy",
            metric_name="answers naming the expected entity",
            metric_value=round(row.after, 4),
        )
        for set_name, row in (evaluation.sets if evaluation else {}).items()
    ]
    data = ModelCardData(
        base_model=(metrics.get("base") or {}).get("hub_id"),  # a local folder is no hub id: named in the text
        datasets=[cfg["dataset_id"]] if cfg.get("dataset_id") else None,
        language=cfg.get("language"),
        license=cfg.get("license"),
        library_name="peft",
        pipeline_tag="text-generation",
        tags=["kgsynth", "lora", metrics.get("method", "sft"), "trl"],
        model_name=name,
        eval_results=results or None,
    )
    return data.to_yaml()


def base_line(metrics: dict) -> str:
    """Which base, exactly: the hub id at its commit, or the local folder with the hash of its weights."""
    base = metrics.get("base")
    if not base:  # trained before kgsynth recorded it
        return f"`{metrics.get('base_model')}`"
    where = f"`{base['hub_id']}`" if base.get("hub_id") else f"the local folder `{base['name_or_path']}`"
    if base.get("revision"):
        where += f" at commit `{base['revision']}`"
    if base.get("sha256"):
        where += f" (sha256 of its config and weights `{base['sha256']}`)"
    return where


def held_out_line(metrics: dict) -> str:
    held = metrics.get("held_out_losses")
    if not held:
        return "No held-out loss was measured."
    return (
        f"Loss on the {metrics.get('held_out_rows')} held-out rows (paraphrases and control questions, never "
        f"trained on): {held[0]['loss']:.3f} before training → {held[-1]['loss']:.3f} after."
    )


def usage(model_dir: Path) -> list[str]:
    return [
        "```python",
        "from peft import AutoPeftModelForCausalLM",
        "from transformers import AutoTokenizer",
        "",
        f'path = "{model_dir.resolve()}"  # or the hub repository you pushed this folder to',
        "model = AutoPeftModelForCausalLM.from_pretrained(path)  # loads the base named in adapter_config.json",
        "tokenizer = AutoTokenizer.from_pretrained(path)",
        'messages = [{"role": "user", "content": "Your question about the sources"}]',
        'inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)',
        'output = model.generate(**inputs, max_new_tokens=64)[0][inputs["input_ids"].shape[1] :]',
        "print(tokenizer.decode(output, skip_special_tokens=True))",
        "```",
    ]


def training_line(metrics: dict, cfg: dict) -> str:
    """How the adapter was trained: SFT on the samples, or DPO on preference pairs continuing an SFT adapter."""
    done = f"{metrics.get('steps')} steps in {metrics.get('seconds')} s on {metrics.get('device')}"
    if metrics.get("method") == "dpo":
        return (
            f"TRL DPOTrainer on {metrics.get('pairs')} preference pairs (the accepted answer against a mistake the "
            f"graph knows), continuing the SFT adapter `{metrics.get('sft_adapter')}`; {done}. Margin "
            f"log p(chosen) − log p(rejected): {metrics.get('margin_before', 0):.2f} → "
            f"{metrics.get('margin_after', 0):.2f} nats"
            + (
                f" ({metrics['held_out_margin_before']:.2f} → {metrics['held_out_margin_after']:.2f} on "
                f"{metrics['held_out_pairs']} held-out pairs, of questions the SFT run held out)"
                if metrics.get("held_out_pairs")
                else ""
            )
            + ". The SFT settings:"
        )
    return (
        f"TRL SFTTrainer, LoRA on all linear layers, loss on assistant tokens only, packing={cfg.get('packing')}. "
        f"{done}; loss {metrics.get('first_loss', 0) or 0:.3f} → {metrics.get('last_loss', 0) or 0:.3f}. "
        f"{held_out_line(metrics)}"
    )


def resumed_line(metrics: dict) -> list[str]:
    """For a version `kgsynth train --resume` made: what it continued, and on what."""
    if "resumed_from" not in metrics:
        return []
    return [
        f"- resumed from {metrics['resumed_from']}: {metrics['new_rows']} new rows on {metrics['missed_facts']} "
        f"facts it missed, {metrics['replay_rows']} earlier rows replayed, {metrics['general_rows']} general rows"
    ]


def write_card(model_dir: Path) -> Path:
    """README.md from metrics.json, split.json and (when present) evaluation.json."""
    model_dir = Path(model_dir)
    recorded = read_record(model_dir / METRICS_FILE, Metrics)
    metrics = recorded.model_dump() if recorded else {}
    evaluation = read_record(model_dir / EVALUATION_FILE, Evaluation)
    cfg = {k: v for k, v in metrics.get("config", {}).items() if k not in CARD_FIELDS}
    split = metrics.get("split", {})
    lines = [
        "---",
        card_metadata(model_dir.name, metrics, evaluation).strip(),
        "---",
        f"# {model_dir.name}",
        "",
        f"A LoRA adapter on {base_line(metrics)}, fine-tuned by kgsynth on question-answer samples and",
        "dialogues generated from a knowledge graph of facts extracted from the sources below.",
        "",
        "## Usage",
        "",
        *usage(model_dir),
        "",
        "## Data",
        "",
        f"- samples exported: {metrics.get('samples')}; trained on {split.get('train', {}).get('samples')} "
        f"({split.get('train', {}).get('facts')} facts) plus {metrics.get('general_rows')} general rows "
        f"from {metrics.get('general_data')}",
        f"- by kind: {', '.join(f'{k} {v}' for k, v in sorted(metrics.get('kinds', {}).items()))}",
        f"- held out: {split.get('paraphrase', {}).get('samples')} paraphrases of trained facts, "
        f"{split.get('control', {}).get('samples')} questions on {split.get('control', {}).get('facts')} "
        f"control facts never trained on, {split.get('excluded', {}).get('samples')} dialogues touching both",
        *resumed_line(metrics),
        f"- tokens per epoch (padding excluded): {metrics.get('tokens_per_epoch')}",
        "",
        "## Sources",
        "",
        *([f"- {s}" for s in metrics.get("sources", [])] or ["- (not recorded)"]),
        "",
        "## Training",
        "",
        training_line(metrics, cfg),
        "",
        "| setting | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in cfg.items()],
        "",
        "![training loss](loss.png)",
        "",
        "## Evaluation",
        "",
        *evaluation_section(evaluation),
    ]
    if evaluation and evaluation.general:
        general = evaluation.general
        lines += [
            "",
            f"General-ability check ({general.questions} everyday questions): {general.before:.1%} before, "
            f"{general.after:.1%} after.",
        ]
    path = model_dir / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
