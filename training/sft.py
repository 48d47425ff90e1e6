"""LoRA supervised fine-tuning with TRL's SFTTrainer and peft, assistant tokens only."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field


class TrainConfig(BaseModel):
    """LoRA and optimiser settings; the defaults suit a small LoRA run."""

    model_config = {"extra": "forbid"}
    lora_r: int = Field(default=16, ge=1, description="LoRA rank")
    lora_alpha: int = Field(default=32, ge=1, description="LoRA scaling alpha")
    lora_dropout: float = Field(default=0.05, ge=0, lt=1, description="LoRA dropout")
    learning_rate: float = Field(default=2e-4, gt=0, description="peak learning rate (LoRA likes 1e-4 to 2e-4)")
    epochs: float = Field(default=1.0, gt=0, description="passes over the data")
    max_steps: int = Field(default=-1, description="stop after this many steps (-1: use epochs)")
    batch_size: int = Field(default=8, ge=1, description="per-device batch size")
    max_length: int = Field(default=512, ge=16, description="tokens per training sequence")
    seed: int = Field(default=0, description="random seed")
    cpu_threads: int = Field(
        default=1, ge=1, description="torch threads on CPU (1 is fastest for small models on 2 cores)"
    )


def set_cpu_threads(cfg: TrainConfig) -> str:
    """Pick the device; on CPU pin the thread count, since small models run slower with more threads."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    torch.set_num_threads(cfg.cpu_threads)
    return "cpu"


def load_base(base_model: str):
    """Tokenizer and model from a local folder or hub id; a missing chat template is a clear error."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    if tokenizer.chat_template is None:
        raise ValueError(f"{base_model} has no chat template: use an instruct/chat model or add one to its tokenizer")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(base_model)
    return tokenizer, model


def train_lora(rows: list[dict], base_model: str, output_dir: Path, cfg: TrainConfig) -> dict:
    """Fine-tune a LoRA adapter on chat rows ({'messages': [...]}) and save it with its tokenizer and metrics."""
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    if not rows:
        raise ValueError("no training rows: export accepted samples first (`kgsynth export`)")
    device = set_cpu_threads(cfg)
    tokenizer, model = load_base(base_model)
    output_dir = Path(output_dir)
    args = SFTConfig(
        output_dir=str(output_dir / "checkpoints"),
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0,
        max_length=cfg.max_length,
        assistant_only_loss=True,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        seed=cfg.seed,
        bf16=device == "cuda",
        use_cpu=device == "cpu",
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    peft_config = LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    dataset = Dataset.from_list([{"messages": r["messages"]} for r in rows])
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config
    )
    result = trainer.train()
    trainer.model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    metrics = {
        "base_model": base_model,
        "samples": len(rows),
        "steps": trainer.state.global_step,
        "train_loss": result.training_loss,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "losses": losses,
        "device": device,
        "config": cfg.model_dump(),
    }
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    return metrics
