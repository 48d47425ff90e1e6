"""Training on CPU: a tiny Llama built from a config, a tokenizer trained on the corpus, real TRL + peft."""

import json

import pytest
import torch
from safetensors.torch import load_file

from training.sft import TrainConfig, TrainingError, build_trainer, train_lora

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory, rows):
    out = tmp_path_factory.mktemp("adapter") / "demo"
    cfg = TrainConfig(max_steps=30, learning_rate=3e-3, batch_size=2, max_length=256, control_ratio=0.3, seed=1)
    return out, train_lora(rows, str(tiny_base), out, cfg, sources=["doc.txt"])


def test_loss_falls_and_only_the_adapter_changes(tiny_base, trained):
    from transformers import AutoModelForCausalLM

    out, metrics = trained
    assert metrics["last_loss"] < metrics["first_loss"] * 0.9
    adapter = load_file(out / "adapter_model.safetensors")
    assert adapter and all("lora_" in name for name in adapter)
    assert any(v.abs().sum() > 0 for k, v in adapter.items() if "lora_B" in k)  # B starts at zero: it moved
    targets = {k.split(".lora_")[0].rsplit(".", 1)[-1] for k in adapter}
    assert {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"} <= targets  # all linear
    base = AutoModelForCausalLM.from_pretrained(tiny_base)
    fresh = AutoModelForCausalLM.from_pretrained(tiny_base)  # the checkpoint on disk is never written
    assert all(torch.equal(a, b) for a, b in zip(base.state_dict().values(), fresh.state_dict().values()))


def test_outputs_hold_split_card_metrics_and_loss_curve(trained):
    out, metrics = trained
    split = json.loads((out / "split.json").read_text())
    assert split["control"]["samples"] > 0 and split["paraphrase"]["samples"] > 0
    assert metrics["general_rows"] > 0 and metrics["tokens_per_epoch"] > 0
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    held = metrics["held_out_losses"]  # measured on the paraphrase and control rows, before and after training
    assert metrics["held_out_rows"] == split["control"]["samples"] + split["paraphrase"]["samples"]
    assert held[0]["step"] == 0 and held[-1]["step"] == metrics["steps"] and len(held) >= 2
    assert len(metrics["loss_history"]) == metrics["steps"] and metrics["loss_history"][-1]["epoch"] > 0
    card = (out / "README.md").read_text()
    assert "## Data" in card and "doc.txt" in card and "| lora_r | 16 |" in card and "Not evaluated yet" in card
    assert (out / "tokenizer.json").exists() and not (out / "checkpoints").exists()


def test_adapter_reloads_and_generates(tiny_base, trained):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out, _ = trained
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_base), out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What does zorvatin treat?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    output = model.generate(**prompt, max_new_tokens=5, do_sample=False)
    assert output.shape[1] > prompt["input_ids"].shape[1]


def test_evaluation_scores_every_set_before_and_after(trained, facts, rows):
    from training.evaluate import EvalConfig, evaluate_model

    out, _ = trained
    result = evaluate_model(out, rows, facts, EvalConfig(questions_per_set=4, max_new_tokens=8))
    assert set(result.sets) == {"trained", "paraphrase", "control"}
    assert all(row.questions > 0 and 0 <= row.after <= 1 for row in result.sets.values())
    assert result.general.questions >= 20
    assert json.loads((out / "evaluation.json").read_text())["sets"]["control"]["questions"] > 0
    assert "| control |" in (out / "README.md").read_text()


def test_exported_data_loads_in_sft_trainer(tiny_base, tmp_path):
    from datasets import load_from_disk

    from generation.records import GeneratorInfo, Message, Sample
    from kgraph.records import Evidence
    from training.export import export_samples

    messages = [Message(role="user", content="What does zorvatin treat?"), Message(role="assistant", content="Fever.")]
    sample = Sample(
        id=Sample.make_id("qa", ["f1"], messages),
        kind="qa",
        messages=messages,
        fact_ids=["f1"],
        evidence=[Evidence(doc_id="d", sentence="Zorvatin treats fever.", start=0, end=22)],
        generator=GeneratorInfo(provider="test", model="m", prompt_version="v1"),
    )
    export_samples([sample], tmp_path / "export")
    rows = list(load_from_disk(str(tmp_path / "export" / "hf")))
    trainer, _ = build_trainer(rows, str(tiny_base), tmp_path / "out", TrainConfig(max_steps=1))
    (encoded,) = trainer.train_dataset
    kept = trainer.processing_class.decode(
        [t for t, label in zip(encoded["input_ids"], encoded["labels"]) if label >= 0]
    )
    assert kept.startswith("Fever.") and "zorvatin" not in kept  # loss on the assistant's reply only


def test_packed_rows_do_not_attend_across_samples(tiny_base):
    from transformers import AutoModelForCausalLM
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    model = AutoModelForCausalLM.from_pretrained(tiny_base).eval()
    first, second = [5, 17, 42, 8, 99], [7, 3, 250, 11]
    packed = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)(
        [{"input_ids": first}, {"input_ids": second}]
    )
    assert "attention_mask" not in packed  # padding-free: sample boundaries travel as position_ids
    with torch.no_grad():
        together = model(**packed_inputs(packed), use_cache=False).logits[0]  # the trainer runs without a cache
        alone = model(input_ids=torch.tensor([second])).logits[0]
    assert torch.allclose(together[len(first) :], alone, atol=1e-5)


def packed_inputs(batch: dict) -> dict:
    return {"input_ids": batch["input_ids"], "position_ids": batch["position_ids"]}


@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU QLoRA may run")
def test_qlora_without_a_gpu_is_a_clear_error(tiny_base, tmp_path):
    with pytest.raises(TrainingError, match="QLoRA"):
        build_trainer([{"messages": []}], str(tiny_base), tmp_path, TrainConfig(qlora=True))
