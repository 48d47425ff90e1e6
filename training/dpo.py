"""DPO on the exported preference pairs with TRL's DPOTrainer, on top of the SFT adapter: the SFT adapter is trained
further and a frozen copy of it is the reference, so DPO moves the fine-tune rather than the base model. The
margin (log-probability of the chosen answer minus the rejected one) is measured before and after."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from training.records import METRICS_FILE, SPLIT_FILE, Metrics, Split, read_record, write_record
from training.sft import (
    TrainConfig,
    TrainingError,
    load_base,
    load_tokenizer,
    pick_device,
    progress_callback,
    run_settings,
)

# Fields of the SFT adapter's metrics.json that describe its data and base: the DPO adapter was trained on them too.
SFT_DATA = ("base", "samples", "general_rows", "general_data", "split", "kinds", "tokens_per_epoch", "sources")


class DPOSettings(BaseModel):
    """Preference training on dpo.jsonl; LoRA rank and the rest come from the SFT adapter it continues."""

    model_config = {"extra": "forbid"}
    beta: float = Field(default=0.1, gt=0, description="DPO beta: how far the policy may move from the SFT reference")
    loss_type: Literal["sigmoid", "ipo", "hinge", "robust"] = Field(
        default="sigmoid", description="TRL loss: sigmoid is DPO, ipo is IPO"
    )
    learning_rate: float = Field(default=5e-5, gt=0, description="peak learning rate of the preference step")
    epochs: float = Field(default=1.0, gt=0, description="passes over the pairs")
    max_steps: int = Field(default=-1, description="stop after this many steps (-1: use epochs)")
    batch_size: int = Field(default=4, ge=1, description="pairs per step")
    max_length: int = Field(default=512, ge=16, description="tokens of prompt plus answer")
    margin_pairs: int = Field(default=64, ge=1, description="pairs whose margin is measured before and after")


def answer_logprob(model, tokenizer, prompt: list[dict], answer: list[dict]) -> float:
    """Summed log-probability of the answer's tokens after the prompt, under the chat template."""
    import torch

    head = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False)
    full = tokenizer.apply_chat_template(prompt + answer, tokenize=False)
    ids = tokenizer(full, add_special_tokens=False, return_tensors="pt")["input_ids"].to(model.device)
    start = len(tokenizer(head, add_special_tokens=False)["input_ids"])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, :-1].float()
    picked = torch.log_softmax(logits, -1).gather(1, ids[0, 1:, None])[:, 0]
    return float(picked[start - 1 :].sum())


def preference_margin(model, tokenizer, pairs: list[dict]) -> float:
    """Mean over pairs of log p(chosen) - log p(rejected): positive when the model prefers the true answer."""
    was_training = model.training
    model.eval()
    gaps = [
        answer_logprob(model, tokenizer, p["prompt"], p["chosen"])
        - answer_logprob(model, tokenizer, p["prompt"], p["rejected"])
        for p in pairs
    ]
    model.train(was_training)
    return sum(gaps) / len(gaps)


def dpo_args(settings: DPOSettings, seed: int, output_dir: Path, device: str):
    from trl import DPOConfig

    return DPOConfig(
        output_dir=str(output_dir / "checkpoints"),
        beta=settings.beta,
        loss_type=[settings.loss_type],
        learning_rate=settings.learning_rate,
        num_train_epochs=settings.epochs,
        max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        max_length=settings.max_length,
        report_to=[],
        **run_settings(seed, device),
    )


def load_sft(sft_dir: Path, device: str):
    """The base model named in the SFT adapter's metrics.json with that adapter on top, trainable."""
    from peft import PeftModel

    sft = read_record(Path(sft_dir) / METRICS_FILE, Metrics)
    if sft is None or not (Path(sft_dir) / "adapter_config.json").exists():
        raise TrainingError(f"{sft_dir} holds no SFT adapter: run `kgsynth train` (method sft) first")
    cfg = TrainConfig.model_validate(sft.config)
    _, base = load_base(sft.base_model, cfg, device)
    return PeftModel.from_pretrained(base, sft_dir, is_trainable=True), load_tokenizer(str(sft_dir)), sft, cfg


def held_out(sft_dir: Path) -> set[str]:
    """Sample ids the SFT run held out (paraphrases, controls): their pairs would teach the evaluation's answers."""
    split = read_record(Path(sft_dir) / SPLIT_FILE, Split)
    return split.held_out_ids() if split else set()


def train_dpo(pairs: list[dict], sft_dir: Path, output_dir: Path, settings: DPOSettings) -> dict:
    """Continue the SFT adapter with DPO on the pairs; save the adapter, tokenizer and metrics.json (with the margin
    before and after) into output_dir."""
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl import DPOTrainer

    from training.card import loss_history, plot_losses, write_card

    output_dir, held = Path(output_dir), held_out(Path(sft_dir))
    unseen = [p for p in pairs if p["id"] in held][: settings.margin_pairs]
    pairs = [p for p in pairs if p["id"] not in held]
    if not pairs:
        raise TrainingError("no preference pairs on trained facts: export with `[export] preference = true` first")
    device = pick_device(TrainConfig())
    model, tokenizer, sft, cfg = load_sft(sft_dir, device)
    probe = pairs[: settings.margin_pairs]
    before = preference_margin(model, tokenizer, probe)
    # Pairs on questions the SFT run held out (paraphrases of trained facts): does the preference carry over?
    unseen_before = preference_margin(model, tokenizer, unseen) if unseen else None
    dataset = Dataset.from_list([{k: p[k] for k in ("prompt", "chosen", "rejected")} for p in pairs])
    trainer = DPOTrainer(
        model=model,
        args=dpo_args(settings, cfg.seed, output_dir, device),
        train_dataset=dataset,
        processing_class=tokenizer,
        callbacks=[progress_callback()],
    )
    trainer.remove_callback(PrinterCallback)
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    model = trainer.model
    model.set_adapter("default")  # the trained copy, not the frozen reference TRL added as "ref"
    after = preference_margin(model, tokenizer, probe)
    unseen_after = preference_margin(model, tokenizer, unseen) if unseen else None
    if (output_dir / "checkpoints").is_dir() and not any((output_dir / "checkpoints").iterdir()):
        (output_dir / "checkpoints").rmdir()
    model.save_pretrained(output_dir, selected_adapters=["default"])
    tokenizer.save_pretrained(output_dir)
    logs = trainer.state.log_history
    metrics = {
        **sft.model_dump(include=set(SFT_DATA)),  # what the model card says about the data and the base
        "method": "dpo",
        "base_model": sft.base_model,
        "sft_adapter": str(sft_dir),
        "pairs": len(pairs),
        "steps": trainer.state.global_step,
        "losses": [log["loss"] for log in logs if "loss" in log],
        "reward_margins": [log["rewards/margins"] for log in logs if "rewards/margins" in log],
        "margin_before": before,
        "margin_after": after,
        "held_out_pairs": len(unseen),
        "held_out_margin_before": unseen_before,
        "held_out_margin_after": unseen_after,
        "seconds": round(seconds, 1),
        "device": device,
        "settings": settings.model_dump(),
        "config": cfg.model_dump(),
    }
    write_record(output_dir / METRICS_FILE, Metrics.model_validate(metrics))
    if (Path(sft_dir) / SPLIT_FILE).exists():  # the same held-out sets, so `kgsynth evaluate` can score it
        shutil.copy(Path(sft_dir) / SPLIT_FILE, output_dir / SPLIT_FILE)
    plot_losses(loss_history(logs), output_dir / "loss.png")
    write_card(output_dir)
    return metrics
