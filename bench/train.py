"""LoRA training throughput and MFU on the current device: padding-free packing against padded batches (the
baseline), same model, same rows, same run. Tokens count only real tokens (padding excluded).

    .venv/bin/python bench/train.py [--model tiny|135m|0.5b|1.5b|PATH] [--steps 6] [--batch 4] [--max-length 512]

MFU is given two ways: 6N (the full fine-tuning convention) and 4N + 6N_lora (a LoRA step: forward 2N, backward
through the frozen weights 2N, and the adapter's own 6N_lora), over the peak of the device: the datasheet's dense
bf16 figure on a known GPU, else a matrix multiply measured in this run (CPU)."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import torch

from training.sft import TrainConfig, lora_config, pick_device, sft_config
from training.tiny import build_tiny_model, train_tokenizer

# Random-weight shapes of real models: SmolLM2-135M, Qwen2.5-0.5B and Qwen2.5-1.5B.
SHAPES = {
    "135m": dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                 num_key_value_heads=3, vocab_size=49152, tie_word_embeddings=True),
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                 num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True),
    "1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                 num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True),
}  # fmt: skip
GPU_PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12}


def build_model(name: str, tokenizer, device: str):
    """A model by shape name (random weights) or a checkpoint folder."""
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    if name == "tiny":
        return build_tiny_model(tokenizer).to(device)
    if name in SHAPES:
        config = LlamaConfig(**SHAPES[name], max_position_embeddings=4096, pad_token_id=tokenizer.pad_token_id)
        with torch.device(device):
            return LlamaForCausalLM(config).to(dtype)
    return AutoModelForCausalLM.from_pretrained(name, dtype=dtype).to(device)


def matmul_flops(device: str, size: int = 2048, repeats: int = 5) -> float:
    """Measured dense matrix-multiply throughput (FLOP/s) in the training dtype: the device's practical peak."""
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    a, b = torch.randn(size, size, device=device, dtype=dtype), torch.randn(size, size, device=device, dtype=dtype)
    times = []
    for _ in range(repeats + 1):
        sync(device)
        started = time.perf_counter()
        a @ b
        sync(device)
        times.append(time.perf_counter() - started)
    return 2 * size**3 / statistics.median(times[1:])


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def rows(count: int, max_length: int, vocab: int, seed: int = 0) -> list[dict]:
    """Pre-tokenised rows of chat-like lengths (a short prompt and answer, sometimes a long dialogue)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        length = min(max_length, int(rng.lognormvariate(4.3, 0.6)))  # median ~75 tokens, a long tail
        out.append({"input_ids": [rng.randrange(10, vocab) for _ in range(max(length, 8))]})
    return out


def run(model_name: str, tokenizer, data: list[dict], packing: bool, args, device: str) -> dict:
    """Train `args.steps` timed steps (after one warm-up) and return medians."""
    from datasets import Dataset
    from transformers import PrinterCallback, TrainerCallback
    from trl import SFTTrainer

    step_times, step_tokens = [], []

    class Timer(TrainerCallback):
        def on_step_begin(self, *_, **__):
            sync(device)
            self.started = time.perf_counter()

        def on_step_end(self, *_, **__):
            sync(device)
            step_times.append(time.perf_counter() - self.started)

    class Counting(SFTTrainer):
        def training_step(self, model, inputs, *rest, **kwargs):
            mask = inputs.get("attention_mask")
            step_tokens.append(int(mask.sum()) if mask is not None else inputs["input_ids"].numel())
            return super().training_step(model, inputs, *rest, **kwargs)

    cfg = TrainConfig(
        max_steps=args.steps + 1,
        batch_size=args.batch,
        max_length=args.max_length,
        packing=packing,
        cpu_threads=args.threads,
    )
    model = build_model(model_name, tokenizer, device)
    sft_args = sft_config(cfg, Path(args.out), device)
    sft_args.assistant_only_loss = False  # pre-tokenised rows: every token is trained
    trainer = Counting(
        model=model,
        args=sft_args,
        train_dataset=Dataset.from_list(data),
        processing_class=tokenizer,
        peft_config=lora_config(cfg),
        callbacks=[Timer()],
    )
    trainer.remove_callback(PrinterCallback)
    trainer.train()
    linear = sum(
        m.weight.numel()
        for n, m in trainer.model.named_modules()
        if isinstance(m, torch.nn.Linear) and "lora_" not in n
    )
    lora = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    rates = [t / s for t, s in zip(step_tokens[1:], step_times[1:])]
    return {
        "tokens_per_step": statistics.median(step_tokens[1:]),
        "seconds_per_step": statistics.median(step_times[1:]),
        "tokens_per_s": statistics.median(rates),
        "n_linear": linear,
        "n_lora": lora,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tiny", help="tiny, 135m, 0.5b, 1.5b (random weights) or a checkpoint")
    parser.add_argument("--steps", type=int, default=6, help="timed steps per setting (after one warm-up)")
    parser.add_argument("--batch", type=int, default=4, help="rows (padded) or packed sequences per step")
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--threads", type=int, default=1, help="torch threads on CPU")
    parser.add_argument("--out", default="/tmp/kgsynth-bench-train")
    args = parser.parse_args()

    device = pick_device(TrainConfig(cpu_threads=args.threads))
    tokenizer = train_tokenizer(["the quick brown fox jumps over the lazy dog"] * 50, 500)
    vocab = len(tokenizer)
    data = rows(args.steps * args.batch * args.max_length // 40 + 64, args.max_length, vocab)
    measured = matmul_flops(device)
    name = torch.cuda.get_device_name() if device == "cuda" else f"CPU, {torch.get_num_threads()} thread(s)"
    datasheet = next((v for k, v in GPU_PEAK_BF16.items() if k in name), None) if device == "cuda" else None
    peak = datasheet or measured
    print(
        f"device: {name}; peak used for MFU: {peak / 1e12:.3f} TFLOP/s ({'datasheet bf16' if datasheet else 'measured matmul'})"
    )
    if device == "cpu":
        print("no GPU available: CPU figures (float32)")
    results = {
        label: run(args.model, tokenizer, data, packing, args, device)
        for label, packing in (("padded (baseline)", False), ("padding-free packing", True))
    }
    n, n_lora = results["padding-free packing"]["n_linear"], results["padding-free packing"]["n_lora"]
    print(
        f"model {args.model}: N = {n / 1e6:.1f} M in linear layers, LoRA N = {n_lora / 1e6:.2f} M; batch {args.batch}, max_length {args.max_length}"
    )
    header = f"{'setting':<22} {'tokens/step':>11} {'s/step':>8} {'tokens/s':>10} {'MFU 6N':>8} {'MFU 4N+LoRA':>12}"
    print(header)
    print("-" * len(header))
    for label, r in results.items():
        rate = r["tokens_per_s"]
        print(
            f"{label:<22} {r['tokens_per_step']:>11.0f} {r['seconds_per_step']:>8.3f} {rate:>10.0f} "
            f"{6 * n * rate / peak:>8.1%} {(4 * n + 6 * n_lora) * rate / peak:>12.1%}"
        )
    base, packed = (results[k]["tokens_per_s"] for k in results)
    print(f"padding-free packing: {packed / base:.2f}x the padded baseline's tokens/s (medians of {args.steps} steps)")


if __name__ == "__main__":
    main()
