"""LoRA supervised fine-tuning with TRL's SFTTrainer and peft: assistant tokens only, padding-free packing."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from training.base import absolute_base, describe_base
from training.mix import BUNDLED_GENERAL, load_general, mix_general
from training.records import METRICS_FILE, SPLIT_FILE, Metrics, Split, write_record
from training.split import split_rows, split_summary
from training.template import inference_chat_template, training_chat_template


class TrainingError(ValueError):
    """A training request that cannot run as asked (no rows, no GPU for QLoRA, an unusable chat template)."""


class TrainConfig(BaseModel):
    """LoRA and optimiser settings; the defaults suit a small LoRA run."""

    model_config = {"extra": "forbid"}
    lora_r: int = Field(default=16, ge=1, description="LoRA rank")
    lora_alpha: int = Field(default=32, ge=1, description="LoRA scaling alpha")
    lora_dropout: float = Field(default=0.05, ge=0, lt=1, description="LoRA dropout")
    learning_rate: float = Field(default=2e-4, gt=0, description="peak learning rate (LoRA likes 1e-4 to 2e-4)")
    epochs: float = Field(default=1.0, gt=0, description="passes over the data")
    max_steps: int = Field(default=-1, description="stop after this many steps (-1: use epochs)")
    batch_size: int = Field(default=8, ge=1, description="per-device batch size (packed sequences when packing)")
    max_length: int = Field(default=512, ge=16, description="tokens per training sequence")
    packing: bool = Field(
        default=True, description="pack samples into max_length rows, padding-free, no cross-attention"
    )
    seed: int = Field(default=0, description="random seed (training and splits)")
    cpu_threads: int = Field(
        default=1, ge=1, description="torch threads on CPU (1 is fastest for small models on 2 cores)"
    )
    general_data: str = Field(
        default="", description="local alpaca or sharegpt file mixed in against forgetting (empty: the bundled set)"
    )
    general_ratio: float = Field(default=0.2, ge=0, lt=1, description="share of general rows in the training mix")
    replay_ratio: float = Field(
        default=0.5, ge=0, lt=1, description="`train --resume`: share of earlier trained rows beside the new ones"
    )
    control_ratio: float = Field(default=0.1, ge=0, lt=1, description="share of facts held out whole as controls")
    hold_paraphrases: bool = Field(default=True, description="hold out one QA of each trained fact that has several")
    modules_to_save: list[str] = Field(
        default_factory=list, description="modules trained whole beside the LoRA and saved in the adapter (lm_head)"
    )
    merge: bool = Field(default=False, description="also save the base model with the adapter merged in (merged/)")
    qlora: bool = Field(default=False, description="load the base model in 4 bits (QLoRA; CUDA and bitsandbytes)")
    report_to: Literal["auto", "none", "tensorboard"] = Field(
        default="auto", description="training logs: auto = TensorBoard (WS/models/NAME/runs) when it is installed"
    )
    license: str = Field(default="unknown", description="license in the model card (usually the base model's)")
    language: list[str] = Field(default=["en"], description="languages in the model card (ISO 639-1)")
    dataset_id: str = Field(
        default="", description="hub id of the training data (`kgsynth export --push-to-hub`), named in the model card"
    )


def pick_device(cfg: TrainConfig) -> str:
    """CUDA when present; on CPU pin the thread count, since small models run slower with more threads."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    torch.set_num_threads(cfg.cpu_threads)
    return "cpu"


def quantization(cfg: TrainConfig, device: str):
    """The 4-bit config QLoRA loads with, or None; asking for it without a GPU or bitsandbytes is an error."""
    if not cfg.qlora:
        return None
    if device != "cuda":
        raise TrainingError("QLoRA (qlora = true) needs a CUDA GPU: set qlora = false to train in full precision")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError as err:
        raise TrainingError("QLoRA needs bitsandbytes: `pip install bitsandbytes`, or set qlora = false") from err
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )


def load_tokenizer(base_model: str, chat: bool = True):
    """The tokenizer with a pad token; a missing chat template is a clear error when chat rows are trained."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(base_model)
    except (OSError, ValueError) as err:
        raise TrainingError(f"cannot load a tokenizer from {base_model}: {str(err).splitlines()[0]}") from err
    if chat and tokenizer.chat_template is None:
        raise TrainingError(
            f"{base_model} has no chat template: use an instruct/chat model or add one to its tokenizer"
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_base(base_model: str, cfg: TrainConfig | None = None, device: str = "cpu", chat: bool = True):
    """Tokenizer and model from a local folder or hub id: bf16 on GPU, 4-bit with QLoRA, float32 on CPU."""
    import torch
    from transformers import AutoModelForCausalLM

    cfg = cfg or TrainConfig()
    tokenizer = load_tokenizer(base_model, chat)
    kwargs = {"dtype": torch.bfloat16 if device == "cuda" else torch.float32}
    if (quant := quantization(cfg, device)) is not None:
        kwargs["quantization_config"] = quant
    try:
        model = AutoModelForCausalLM.from_pretrained(base_model, **kwargs)
    except (OSError, ValueError) as err:
        raise TrainingError(f"cannot load base model {base_model}: {str(err).splitlines()[0]}") from err
    return tokenizer, model.to(device) if quant is None else model


def progress_callback():
    """A callback that prints a progress line about every tenth of the run, so long runs show they are alive."""
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        started = 0.0

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def on_log(self, args, state, control, logs=None, **kwargs):
            every = max(1, state.max_steps // 10)
            if logs and "loss" in logs and (state.global_step % every == 0 or state.global_step == state.max_steps):
                elapsed = time.perf_counter() - self.started
                print(
                    f"train step {state.global_step}/{state.max_steps} loss {logs['loss']:.3f} ({elapsed:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )

    return Progress()


def reporting(cfg: TrainConfig) -> list[str]:
    """Where the trainer logs: TensorBoard when asked, or with `auto` when it is installed; nowhere otherwise."""
    installed = importlib.util.find_spec("tensorboard") is not None
    if cfg.report_to == "tensorboard" and not installed:
        raise TrainingError("report_to = tensorboard needs tensorboard: `pip install tensorboard`, or report_to = none")
    return ["tensorboard"] if cfg.report_to == "tensorboard" or (cfg.report_to == "auto" and installed) else []


def run_settings(seed: int, device: str) -> dict:
    """What every TRL run of kgsynth shares (SFT, CPT, DPO): a cosine schedule, the loss logged each step, no
    checkpoints, the device's precision, and no dataloader workers or progress bars."""
    return dict(
        lr_scheduler_type="cosine",
        logging_steps=1,
        save_strategy="no",
        seed=seed,
        bf16=device == "cuda",
        use_cpu=device == "cpu",
        dataloader_num_workers=0,
        disable_tqdm=True,
    )


def sft_config(cfg: TrainConfig, output_dir: Path, device: str, held_out: bool = False, **overrides):
    """TRL's settings; with held-out rows the loss on them is measured before training and after each epoch, and
    `overrides` (plain-text training turns off assistant-only loss) win."""
    from trl import SFTConfig

    settings = dict(
        output_dir=str(output_dir),  # nothing is saved there (save_strategy "no") but TensorBoard's runs/
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        warmup_steps=0,
        max_length=cfg.max_length,
        packing=cfg.packing,
        packing_strategy="bfd",  # best-fit packing; TRL turns on padding-free with position_ids per sample
        assistant_only_loss=True,
        activation_checkpointing=cfg.qlora,  # QLoRA is for models too big for memory: trade compute for it
        eval_strategy="epoch" if held_out else "no",
        eval_on_start=held_out,
        per_device_eval_batch_size=cfg.batch_size,
        prediction_loss_only=True,  # the loss only: no logits kept over the whole held-out set
        report_to=reporting(cfg),
        data_seed=cfg.seed,
        **run_settings(cfg.seed, device),
    )
    return SFTConfig(**(settings | overrides))


def lora_config(cfg: TrainConfig):
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules="all-linear",
        modules_to_save=cfg.modules_to_save or None,
        task_type="CAUSAL_LM",
    )


def build_trainer(
    rows: list[dict],
    base_model: str,
    output_dir: Path,
    cfg: TrainConfig,
    held_out: list[dict] | None = None,
    adapter: Path | None = None,
):
    """An SFTTrainer over chat rows, with the chat template given generation markers for assistant-only loss;
    `held_out` rows (never trained on) give the held-out loss. With `adapter` it trains that saved LoRA further
    instead of a fresh one."""
    from datasets import Dataset
    from peft import PeftModel
    from transformers import PrinterCallback
    from trl import SFTTrainer

    device = pick_device(cfg)
    tokenizer, model = load_base(base_model, cfg, device)
    if adapter is not None:
        model = PeftModel.from_pretrained(model, adapter, is_trainable=True)
    try:
        tokenizer.chat_template = training_chat_template(tokenizer)
    except ValueError as err:
        raise TrainingError(f"{base_model}: {err}") from err
    dataset = Dataset.from_list([{"messages": r["messages"]} for r in rows])
    held = Dataset.from_list([{"messages": r["messages"]} for r in held_out]) if held_out else None
    trainer = SFTTrainer(
        model=model,
        args=sft_config(cfg, Path(output_dir), device, held is not None),
        train_dataset=dataset,
        eval_dataset=held,
        processing_class=tokenizer,
        peft_config=None if adapter is not None else lora_config(cfg),
        callbacks=[progress_callback()],
    )
    trainer.remove_callback(PrinterCallback)  # it prints every log dict; the progress callback says enough
    return trainer, device


def general_rows(cfg: TrainConfig) -> list[dict]:
    if cfg.general_ratio == 0:
        return []
    try:
        return load_general(Path(cfg.general_data) if cfg.general_data else BUNDLED_GENERAL)
    except ValueError as err:
        raise TrainingError(str(err)) from err


def save_merged(base_model: str, output_dir: Path, cfg: TrainConfig) -> Path:
    """The base model (full precision, never 4-bit) with the adapter folded in, as a plain checkpoint."""
    from peft import PeftModel

    tokenizer, base = load_base(base_model, cfg.model_copy(update={"qlora": False}), "cpu")
    tokenizer.chat_template = inference_chat_template(tokenizer.chat_template)
    merged = PeftModel.from_pretrained(base, output_dir).merge_and_unload()
    merged.save_pretrained(output_dir / "merged")
    tokenizer.save_pretrained(output_dir / "merged")
    return output_dir / "merged"


def train_and_save_adapter(trainer, base_model: str, output_dir: Path):
    """Train, then save the adapter naming its base's revision: (train result, seconds, the base described)."""
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    base = describe_base(base_model)
    trainer.model.peft_config["default"].revision = base["revision"]
    trainer.model.save_pretrained(output_dir)
    return result, seconds, base


def train_lora(
    rows: list[dict], base_model: str, output_dir: Path, cfg: TrainConfig, sources: list[str] | None = None
) -> dict:
    """Split by fact, mix in general data, fine-tune a LoRA adapter, and save it with tokenizer, split, metrics,
    loss curve and model card."""
    if not rows:
        raise TrainingError("no training rows: export accepted samples first (`kgsynth export`)")
    output_dir = Path(output_dir)
    base_model = absolute_base(base_model)  # recorded in adapter_config.json: it must load from any folder
    split = split_rows(rows, cfg.control_ratio, cfg.hold_paraphrases, cfg.seed)
    if not split["train"]:
        raise TrainingError("every sample was held out for evaluation: lower control_ratio")
    mixed = mix_general(split["train"], general_rows(cfg), cfg.general_ratio, cfg.seed)
    held_out = split["paraphrase"] + split["control"]
    trainer, device = build_trainer(mixed, base_model, output_dir, cfg, held_out)
    data = {
        "samples": len(rows),
        "trained_rows": len(mixed),
        "general_rows": len(mixed) - len(split["train"]),
        "kinds": kinds_of(split["train"]),
        "held_out_rows": len(held_out),
        "sources": sources or [],
    }
    return finish_training(trainer, base_model, output_dir, cfg, split_summary(split), data | {"device": device})


def kinds_of(rows: list[dict]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row.get("kind", "chat")] = kinds.get(row.get("kind", "chat"), 0) + 1
    return kinds


def run_figures(trainer, result, losses: list[float], seconds: float) -> dict:
    """What every method's metrics.json says of the run itself: tokens, steps and losses."""
    return {
        "tokens_per_epoch": sum(len(ids) for ids in trainer.train_dataset["input_ids"]),
        "steps": trainer.state.global_step,
        "train_loss": result.training_loss,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "losses": losses,
        "seconds": round(seconds, 1),
    }


def finish_training(trainer, base_model: str, output_dir: Path, cfg: TrainConfig, summary: Split, data: dict) -> dict:
    """Train, then save the adapter, the tokenizer, split.json (`summary`), metrics.json (`data` plus the losses),
    the loss curve and the model card; returns the metrics."""
    from training.card import loss_history, plot_losses, write_card

    result, seconds, base = train_and_save_adapter(trainer, base_model, output_dir)
    tokenizer = load_tokenizer(base_model)  # shipped with the base's own template, not the marked training one
    tokenizer.chat_template = inference_chat_template(tokenizer.chat_template)
    tokenizer.save_pretrained(output_dir)
    history = loss_history(trainer.state.log_history)
    held_losses = loss_history(trainer.state.log_history, "eval_loss")
    losses = [row["loss"] for row in history]
    write_record(output_dir / SPLIT_FILE, summary)
    metrics = {
        "base_model": base_model,
        "base": base,
        **data,
        "general_data": cfg.general_data or str(BUNDLED_GENERAL.name),
        "split": summary.counts(),
        **run_figures(trainer, result, losses, seconds),
        "loss_history": history,
        "held_out_losses": held_losses,
        "config": cfg.model_dump(),
    }
    if cfg.merge:
        metrics["merged"] = str(save_merged(base_model, output_dir, cfg))
    write_record(output_dir / METRICS_FILE, Metrics.model_validate(metrics))
    plot_losses(history, output_dir / "loss.png", held_losses)
    write_card(output_dir)
    return metrics
