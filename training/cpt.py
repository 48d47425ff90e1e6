"""Continued pretraining on plain text with TRL's SFTTrainer and a LoRA adapter: causal-LM loss on every token of
the passages (no chat template, no assistant mask), packed with overflow split rather than cut, so no text is lost."""

from __future__ import annotations

from pathlib import Path

from training.base import absolute_base
from training.records import METRICS_FILE, Metrics, write_record
from training.sft import (
    TrainConfig,
    TrainingError,
    load_base,
    load_tokenizer,
    lora_config,
    pick_device,
    progress_callback,
    run_figures,
    sft_config,
    train_and_save_adapter,
)


def build_text_trainer(texts: list[str], base_model: str, output_dir: Path, cfg: TrainConfig):
    """An SFTTrainer over a `text` dataset with the loss on all tokens."""
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl import SFTTrainer

    device = pick_device(cfg)
    tokenizer, model = load_base(base_model, cfg, device, chat=False)
    args = sft_config(
        cfg,
        Path(output_dir),
        device,
        dataset_text_field="text",
        assistant_only_loss=False,
        completion_only_loss=False,
        packing_strategy="bfd_split",  # a passage longer than max_length goes on in the next row
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list([{"text": t} for t in texts]),
        processing_class=tokenizer,
        peft_config=lora_config(cfg),
        callbacks=[progress_callback()],
    )
    trainer.remove_callback(PrinterCallback)
    return trainer, device


def train_cpt(texts: list[str], base_model: str, output_dir: Path, cfg: TrainConfig) -> dict:
    """Train a LoRA adapter on the texts; save it with the tokenizer, metrics.json and the loss curve."""
    from training.card import loss_history, plot_losses

    texts = [t for t in texts if t.strip()]
    if not texts:
        raise TrainingError("no continued-pretraining text: export it first (`kgsynth export --cpt`)")
    output_dir = Path(output_dir)
    base_model = absolute_base(base_model)
    trainer, device = build_text_trainer(texts, base_model, output_dir, cfg)
    result, seconds, base = train_and_save_adapter(trainer, base_model, output_dir)
    load_tokenizer(base_model, chat=False).save_pretrained(output_dir)
    history = loss_history(trainer.state.log_history)
    losses = [row["loss"] for row in history]
    metrics = {
        "method": "cpt",
        "base_model": base_model,
        "base": base,
        "passages": len(texts),
        **run_figures(trainer, result, losses, seconds),
        "device": device,
        "config": cfg.model_dump(),
    }
    write_record(output_dir / METRICS_FILE, Metrics.model_validate(metrics))
    plot_losses(history, output_dir / "loss.png")
    return metrics
