"""DPO on top of an SFT adapter of the tiny model: the true answer gains on its graph-known mistake."""

import json

import pytest
from safetensors.torch import load_file

from training.dpo import DPOSettings, preference_margin, train_dpo
from training.sft import TrainConfig, TrainingError, train_lora
from training.tiny import from_scratch_config

pytestmark = pytest.mark.slow


def pairs_for(facts) -> list[dict]:
    """Each fact's question, its answer, and the answer with another fact's object (a sibling object)."""
    out = []
    for n, fact in enumerate(facts):
        other = facts[(n + 1) % len(facts)]
        prompt = [{"role": "user", "content": f"What does {fact.subject} {fact.relation[:-1]}?"}]
        answer = f"{fact.subject.capitalize()} {fact.relation} {{}}."
        chosen = [{"role": "assistant", "content": answer.format(fact.object)}]
        rejected = [{"role": "assistant", "content": answer.format(other.object)}]
        out.append({"id": f"{fact.id}-0", "prompt": prompt, "chosen": chosen, "rejected": rejected})
    return out


@pytest.fixture(scope="module")
def sft(tiny_base, tmp_path_factory, rows):
    out = tmp_path_factory.mktemp("sft") / "demo"
    cfg = from_scratch_config(TrainConfig(max_steps=20, control_ratio=0.0, hold_paraphrases=False, seed=1))
    train_lora(rows, str(tiny_base), out, cfg)
    return out


def test_margin_rises_and_only_the_trained_adapter_is_saved(sft, facts, tmp_path):
    from training.dpo import load_sft

    pairs = pairs_for(facts)
    out = tmp_path / "demo-dpo"
    settings = DPOSettings(learning_rate=2e-3, max_steps=24, batch_size=2, beta=0.1)
    split = json.loads((sft / "split.json").read_text())
    (sft / "split.json").write_text(json.dumps({**split, "paraphrase": {"ids": [pairs[0]["id"]]}}))
    try:  # one question held out by the SFT run: its pair is not trained on, only measured
        metrics = train_dpo(pairs, sft, out, settings)
    finally:
        (sft / "split.json").write_text(json.dumps(split))
    assert metrics["margin_after"] > metrics["margin_before"] + 1  # nats, over the same pairs
    assert metrics["steps"] == 24 and metrics["reward_margins"]
    assert metrics["pairs"] == 5 and metrics["held_out_pairs"] == 1
    assert metrics["held_out_margin_after"] != metrics["held_out_margin_before"]
    saved = load_file(out / "adapter_model.safetensors")
    assert saved and all("lora_" in k or k.endswith("lm_head.weight") for k in saved)
    assert not (out / "ref").exists()  # the frozen reference copy stays out of the adapter
    assert json.loads((out / "split.json").read_text())["paraphrase"]["ids"] == [pairs[0]["id"]]
    card = (out / "README.md").read_text()  # the card says what was done, on the SFT adapter's data and base
    assert (
        "TRL DPOTrainer on 5 preference pairs" in card
        and "1 held-out pairs" in card
        and "- dpo" in card
        and "samples exported: 18" in card
    )
    assert (out / "loss.png").exists()
    # The saved adapter reloads on the SFT adapter's base and keeps the margin it reached.
    model, tokenizer, _, _ = load_sft(out, "cpu")
    assert preference_margin(model, tokenizer, pairs[1:]) == pytest.approx(metrics["margin_after"], abs=1e-3)


def test_pairs_of_held_out_samples_are_not_trained_on(sft, facts, tmp_path):
    split = json.loads((sft / "split.json").read_text())
    split["control"] = {"ids": [p["id"] for p in pairs_for(facts)]}
    (sft / "split.json").write_text(json.dumps(split))
    try:
        with pytest.raises(TrainingError, match="no preference pairs on trained facts"):
            train_dpo(pairs_for(facts), sft, tmp_path / "x", DPOSettings(max_steps=1))
    finally:
        split.pop("control")
        (sft / "split.json").write_text(json.dumps(split))


def test_missing_sft_adapter_is_a_clear_error(tmp_path, facts):
    with pytest.raises(TrainingError, match="holds no SFT adapter"):
        train_dpo(pairs_for(facts), tmp_path, tmp_path / "out", DPOSettings())
