"""Training smoke test: a tiny Llama built from a config, a tokenizer trained on the corpus, real TRL + peft."""

import pytest
import torch
from safetensors.torch import load_file

from training.sft import TrainConfig, train_lora
from training.tiny import save_tiny_base

pytestmark = pytest.mark.slow

ROWS = [
    {
        "messages": [
            {"role": "user", "content": "What does metformin reduce?"},
            {"role": "assistant", "content": "Metformin reduces hepatic glucose production."},
        ]
    },
    {
        "messages": [
            {"role": "user", "content": "What is warfarin?"},
            {"role": "assistant", "content": "Warfarin is a vitamin K antagonist."},
        ]
    },
] * 16


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory, examples):
    texts = [p.read_text() for p in sorted(examples.rglob("*.txt"))]
    return save_tiny_base(texts, tmp_path_factory.mktemp("tiny") / "base")


def test_loss_falls_and_only_the_adapter_changes(tiny_base, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    before = {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(tiny_base).state_dict().items()}
    metrics = train_lora(
        ROWS, str(tiny_base), tmp_path / "adapter", TrainConfig(max_steps=30, learning_rate=3e-3, batch_size=8)
    )
    assert metrics["last_loss"] < metrics["first_loss"] * 0.9
    adapter = load_file(tmp_path / "adapter" / "adapter_model.safetensors")
    assert adapter and all("lora_" in name for name in adapter)
    assert any(v.abs().sum() > 0 for k, v in adapter.items() if "lora_B" in k)  # B starts at zero: it moved

    base = AutoModelForCausalLM.from_pretrained(tiny_base)
    assert all(torch.equal(before[k], v) for k, v in base.state_dict().items())  # base weights on disk untouched
    model = PeftModel.from_pretrained(base, tmp_path / "adapter")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "adapter")
    prompt = tokenizer.apply_chat_template(
        ROWS[0]["messages"][:1], add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    output = model.generate(**prompt, max_new_tokens=5, do_sample=False)
    assert output.shape[1] > prompt["input_ids"].shape[1]


def test_assistant_only_loss_masks_user_tokens(tiny_base):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_base)
    encoded = tokenizer.apply_chat_template(ROWS[0]["messages"], return_assistant_tokens_mask=True, return_dict=True)
    mask = encoded["assistant_masks"]
    assert 0 < sum(mask) < len(mask)
    kept = tokenizer.decode([t for t, m in zip(encoded["input_ids"], mask) if m])
    assert "hepatic glucose production" in kept and "What does" not in kept
