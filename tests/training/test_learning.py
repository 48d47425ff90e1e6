"""The workspace's random tiny base, trained with its from-scratch settings, learns the facts it was shown."""

import json

import pytest
import torch
from safetensors.torch import load_file

from training.probe import continuation_logprobs
from training.sft import TrainConfig, train_lora
from training.tiny import from_scratch_config

pytestmark = pytest.mark.slow


def object_scores(model, tokenizer, row: dict, objects: list[str]) -> list[float]:
    """Log-likelihood of each object completing the row's answer ("Zorvatin treats ...") after its question."""
    question, answer = (m["content"] for m in row["messages"])
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": question}], add_generation_prompt=True, tokenize=False
    )
    return continuation_logprobs(model, tokenizer, prompt + " ".join(answer.split()[:2]), objects)


@pytest.fixture(scope="module")
def learned(tiny_base, tmp_path_factory, rows, facts):
    from training.evaluate import load_finetune

    out = tmp_path_factory.mktemp("learned") / "facts"
    cfg = from_scratch_config(TrainConfig(max_steps=120, control_ratio=0.3, seed=1))
    train_lora(rows, str(tiny_base), out, cfg)
    model, tokenizer = load_finetune(out)
    return out, model, tokenizer


def test_trained_objects_become_likely_and_ranked_first(learned, rows, facts):
    out, model, tokenizer = learned
    trained_ids = set(json.loads((out / "split.json").read_text())["train"]["ids"])
    objects = [f.object for f in facts]
    by_id = {f.id: f for f in facts}
    gains, before_top, after_top = [], 0, 0
    trained = [r for r in rows if r["id"] in trained_ids]
    for row in trained:
        truth = objects.index(by_id[row["fact_ids"][0]].object)
        with model.disable_adapter():
            before = object_scores(model, tokenizer, row, objects)
        after = object_scores(model, tokenizer, row, objects)
        gains.append(after[truth] - before[truth])
        before_top += max(range(len(objects)), key=before.__getitem__) == truth
        after_top += max(range(len(objects)), key=after.__getitem__) == truth
    assert sum(gains) / len(gains) > 3  # nats: the true object became far more likely
    assert after_top >= 0.8 * len(trained) and after_top > before_top  # and beats the other facts' objects


def test_only_the_adapter_and_the_saved_head_change(tiny_base, learned):
    from transformers import AutoModelForCausalLM

    out, _, _ = learned
    adapter = load_file(out / "adapter_model.safetensors")
    assert all("lora_" in name or name.endswith("lm_head.weight") for name in adapter)  # LoRA + the saved head
    assert any("lm_head" in name for name in adapter) and any("lora_B" in name for name in adapter)
    base = AutoModelForCausalLM.from_pretrained(tiny_base)
    saved = load_file(tiny_base / "model.safetensors")
    assert all(torch.equal(saved[k], v) for k, v in base.state_dict().items() if k in saved)  # base untouched
    head = next(v for k, v in adapter.items() if "lm_head" in k)
    assert not torch.equal(head, base.lm_head.weight)  # the head trained beside the LoRA moved
