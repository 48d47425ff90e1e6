import asyncio

import pytest
from fakes import FakeLLM

from curation.embed import WEIGHTS_SHA256, embed, weights_sha256
from curation.judge import JudgeConfig, judge_sample, with_audit
from curation.llm_judge import RUBRIC, judge_all_with_llm
from curation.records import Verdict
from generation.records import GeneratorInfo, Message, Sample
from kgraph.llm import LLMError
from kgraph.records import Evidence, Fact

SENTENCE = "Metformin is contraindicated in severe renal impairment."
FACT = Fact(
    id="f1",
    subject="Metformin",
    relation="contraindicated_in",
    object="severe renal impairment",
    evidence=[Evidence(doc_id="d", sentence=SENTENCE, start=0, end=len(SENTENCE))],
)
GEN = GeneratorInfo(provider="test", model="m", prompt_version="v1")


def verdict(question, answer):
    messages = [Message(role="user", content=question), Message(role="assistant", content=answer)]
    sample = Sample(id="s", kind="qa", messages=messages, fact_ids=["f1"], evidence=FACT.evidence, generator=GEN)
    return judge_sample(sample, [FACT], JudgeConfig(fluency_model="none"))


def test_grounded_answer_is_accepted():
    v = verdict("When is metformin contraindicated?", "Metformin is contraindicated in severe renal impairment.")
    assert v.decision == "accept" and v.reasons == []


def test_invented_answer_is_rejected():
    v = verdict("When is metformin contraindicated?", "Metformin causes hair loss and tinnitus in most teenagers.")
    assert v.decision == "reject" and "ungrounded" in v.reasons


def test_question_without_subject_is_flagged():
    v = verdict("What about it?", "Metformin is contraindicated in severe renal impairment.")
    assert v.decision == "flag" and "question_misses_subject" in v.reasons


def test_truncated_and_repetitive_answers():
    truncated = verdict("Is metformin contraindicated?", "Metformin is contraindicated in severe renal")
    assert "truncated" in truncated.reasons
    looping = verdict("Is metformin safe?", "metformin renal impairment " * 10 + ".")
    assert looping.decision == "reject" and "repetition" in looping.reasons


def test_audit_sends_a_share_of_accepted_samples_to_review():
    accepted = Verdict(sample_id="x", scores={}, decision="accept", reasons=[], judge="t")
    drawn = [with_audit(accepted.model_copy(update={"sample_id": f"s{i}"}), 0.02) for i in range(5000)]
    audits = [v for v in drawn if v.decision == "flag"]
    assert 0.01 < len(audits) / len(drawn) < 0.03 and all(v.reasons == ["audit"] for v in audits)
    assert [with_audit(v, 0.02).decision for v in drawn[:50]] == [v.decision for v in drawn[:50]]  # same draw again
    rejected = accepted.model_copy(update={"decision": "reject"})
    assert with_audit(rejected, 1.0).decision == "reject"


def test_omitted_fact_and_wrong_language():
    omitted = verdict("When is metformin contraindicated?", "Metformin is a common medicine for diabetes.")
    assert omitted.decision == "reject" and "answer_misses_fact" in omitted.reasons
    chinese = verdict("When is metformin contraindicated?", "Metformin 禁用于 severe renal impairment 患者。")
    assert "language_mismatch" not in chinese.reasons  # mostly English, one phrase in Chinese
    assert (
        "language_mismatch" in verdict("When is metformin contraindicated?", "二甲双胍禁用于严重肾功能不全。").reasons
    )


def rubric(**low):
    return {name: {"score": low.get(name, 5), "reason": f"{name} reason"} for name in RUBRIC}


def llm_sample():
    messages = [
        Message(role="user", content="When is metformin contraindicated?"),
        Message(role="assistant", content=SENTENCE),
    ]
    return Sample(id="s", kind="qa", messages=messages, fact_ids=["f1"], evidence=FACT.evidence, generator=GEN)


def test_llm_judge_scores_each_criterion_and_maps_them_to_a_decision():
    cfg = JudgeConfig(audit_share=0)
    llm = FakeLLM(rubric(), rubric(safety=3), rubric(faithfulness=1), LLMError("invalid_json", "{"))
    verdicts = asyncio.run(judge_all_with_llm([llm_sample()] * 4, {"f1": FACT}, llm, cfg))
    assert [v.decision for v in verdicts] == ["accept", "flag", "reject", "flag"]
    assert verdicts[1].reasons == ["low_safety"] and verdicts[1].scores["safety"] == 0.5
    assert verdicts[1].detail == "safety 3/5: safety reason"  # free text stays out of the counted reasons
    assert verdicts[3].reasons == ["judge_invalid_json"] and verdicts[3].detail == "{"
    prompt = llm.calls[0].messages
    assert (
        SENTENCE in prompt[1]["content"]
        and "caveat" in prompt[0]["content"]
        and "longer answer" in prompt[0]["content"]
    )


def test_bundled_minilm_weights_are_the_pinned_file_and_embed_meaningfully():
    assert weights_sha256() == WEIGHTS_SHA256
    a, b, c = embed(
        [
            "Metformin must not be given to people with severe kidney failure.",
            "Metformin is contraindicated in severe renal impairment.",
            "The tenant must give one month of notice before leaving.",
        ]
    )
    assert abs(float(a @ a) - 1) < 1e-5 and float(a @ b) > 0.6 > float(a @ c)


@pytest.mark.parametrize(
    "settings",
    [
        {"accept_grounding": 0.2, "reject_grounding": 0.3},
        {"accept_entailment": 0.5, "reject_entailment": 0.6},
        {"reject_score": 4, "flag_score": 3},
        {"min_answer_chars": 100, "max_answer_chars": 50},
    ],
)
def test_contradictory_thresholds_fail_at_load_naming_both_fields(settings):
    from flows.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="must not exceed"):
        load_config(None, {"judge": settings})
