"""A fine-tune works outside kgsynth: the adapter loads from any folder, its chat template renders in plain Jinja2,
its card parses with huggingface_hub, and the training curve is in TensorBoard."""

import json

import pytest

from training.sft import TrainConfig, TrainingError, train_lora

pytestmark = pytest.mark.slow
CONVERSATION = [{"role": "user", "content": "What does zorvatin treat?"}, {"role": "assistant", "content": "Fever."}]


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory, rows, facts):
    """Trained from a base named by a relative path, as `--base-model models/base` from the workspace's parent."""
    from training.evaluate import EvalConfig, evaluate_model

    out = tmp_path_factory.mktemp("portable") / "demo"
    cfg = TrainConfig(
        max_steps=4, batch_size=2, max_length=128, merge=True, report_to="tensorboard", dataset_id="me/zorvatin-qa"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tiny_base.parent)
        metrics = train_lora(rows, tiny_base.name, out, cfg, sources=["doc.txt"])
    evaluate_model(out, rows, facts, EvalConfig(questions_per_set=2, max_new_tokens=4))
    return out, metrics


def test_adapter_names_its_base_absolutely_with_a_hash(trained, tiny_base):
    from training.base import folder_sha256

    out, metrics = trained
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_base.resolve())
    assert metrics["base"]["sha256"] == folder_sha256(tiny_base) and metrics["base"]["hub_id"] is None


def test_adapter_loads_with_peft_auto_class_from_another_folder(trained, tmp_path, monkeypatch):
    import torch
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoTokenizer

    out, _ = trained
    monkeypatch.chdir(tmp_path)
    model = AutoPeftModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    inputs = tokenizer.apply_chat_template(CONVERSATION[:1], add_generation_prompt=True, return_tensors="pt")
    with torch.no_grad():
        assert model(**inputs).logits.shape[1] == inputs["input_ids"].shape[1]


@pytest.mark.parametrize("folder", [".", "merged"])
def test_shipped_chat_template_renders_in_plain_jinja2(trained, folder):
    import jinja2
    from transformers import AutoTokenizer

    out, _ = trained
    template = (out / folder / "chat_template.jinja").read_text()
    assert "{% generation %}" not in template
    plain = jinja2.Environment().from_string(template).render(messages=CONVERSATION, add_generation_prompt=False)
    tokenizer = AutoTokenizer.from_pretrained(out / folder)
    assert plain == tokenizer.apply_chat_template(CONVERSATION, tokenize=False)
    assert "Fever.<|end|>" in plain


def test_model_card_parses_with_huggingface_hub(trained):
    from huggingface_hub import ModelCard

    out, _ = trained
    card = ModelCard.load(out / "README.md")
    assert card.data.pipeline_tag == "text-generation" and card.data.library_name == "peft"
    assert card.data.datasets == ["me/zorvatin-qa"] and card.data.language == ["en"] and card.data.license
    assert card.data.base_model is None  # a local folder is no hub id; the text names its path and hash
    assert {r.dataset_split for r in card.data.eval_results} == {"trained", "paraphrase", "control"}
    assert all(0 <= r.metric_value <= 1 for r in card.data.eval_results)
    assert "AutoPeftModelForCausalLM.from_pretrained" in card.text and str(out.resolve()) in card.text


def test_training_logs_reach_tensorboard(trained):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, metrics = trained
    (run,) = {p.parent for p in (out / "runs").rglob("events.out.tfevents.*")}
    events = EventAccumulator(str(run))
    events.Reload()
    losses = [e.value for e in events.Scalars("train/loss")]
    assert losses == pytest.approx(metrics["losses"], rel=1e-4)


def test_tensorboard_asked_for_but_missing_is_one_line(tiny_base, rows, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    with pytest.raises(TrainingError, match="pip install tensorboard"):
        train_lora(rows, str(tiny_base), tmp_path / "out", TrainConfig(max_steps=1, report_to="tensorboard"))
