"""The knowledge-gap probe on a real (tiny, config-built) model, and how its quota reaches generation."""

import json

import pytest
import torch

from generation.generate import GenerationConfig
from training.probe import (
    ProbeError,
    cloze,
    continuation_logprobs,
    pmi_scores,
    probe_facts,
    quota_groups,
    read_quota,
    write_quota,
)


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_base):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(tiny_base).eval(), AutoTokenizer.from_pretrained(tiny_base)


def test_each_fact_is_ranked_against_distractors(model_and_tokenizer, facts):
    model, tokenizer = model_and_tokenizer
    results = probe_facts(model, tokenizer, facts, count=3)
    assert [r["fact_id"] for r in results] == [f.id for f in facts]
    for result, fact in zip(results, facts):
        assert result["cloze"] == cloze(fact) and fact.object not in result["distractors"]
        assert len(result["distractors"]) == 3
        assert result["known"] == (result["true"] > max(result["distractors"].values()))
    # the score is the context's lift: log P(object | cloze) - log P(object | neutral prefix), padding-independent
    (alone,) = continuation_logprobs(model, tokenizer, cloze(facts[0]), [facts[0].object])
    (prior,) = continuation_logprobs(model, tokenizer, "The answer is", [facts[0].object])
    assert alone - prior == pytest.approx(results[0]["true"], abs=1e-3)
    assert pmi_scores(model, tokenizer, cloze(facts[0]), [facts[0].object])[0] == pytest.approx(alone - prior)


def test_a_model_without_usable_likelihoods_fails_loudly(tiny_base, facts):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    broken = AutoModelForCausalLM.from_pretrained(tiny_base).eval()
    with torch.no_grad():
        broken.lm_head.weight.fill_(float("nan"))
    with pytest.raises(ProbeError, match="no finite likelihood"):
        probe_facts(broken, AutoTokenizer.from_pretrained(tiny_base), facts)
    with pytest.raises(ProbeError, match="two different objects"):
        probe_facts(broken, AutoTokenizer.from_pretrained(tiny_base), facts[:1])


def test_known_facts_get_a_smaller_generation_quota(tmp_path, facts):
    results = [{"fact_id": f.id, "known": i == 0} for i, f in enumerate(facts)]
    quota = write_quota(results, tmp_path / "fact_quota.json", known_quota=0.5)
    assert read_quota(tmp_path / "fact_quota.json") == quota and json.loads((tmp_path / "fact_quota.json").read_text())
    assert read_quota(tmp_path / "missing.json") == {}
    cfg = GenerationConfig(qa_per_fact=4, dialogues_per_fact=1, multihop_per_fact=1)
    (known_cfg, known), (full_cfg, rest) = quota_groups(facts, quota, cfg)
    assert known == facts[:1] and rest == facts[1:] and full_cfg is cfg
    assert (known_cfg.qa_per_fact, known_cfg.dialogues_per_fact, known_cfg.multihop_per_fact) == (2, 0, 0)
