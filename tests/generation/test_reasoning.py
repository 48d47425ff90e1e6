"""Reasoning samples (`[generation] reasoning`): the steps are the checked facts the answer rests on, the plain
sample stays as it was, and an LLM is asked for the reasoning in a field of its own."""

import asyncio
import re

import networkx as nx
import pytest
from fakes import FakeLLM, make_fact
from pydantic import ValidationError
from test_offline import ACIDOSIS, AMOXICILLIN, METFORMIN, SOURCE_TALK

from generation.generate import GenerationConfig, generate_samples, run_generation
from generation.offline import OfflineGenerator
from generation.passage import fact_text
from generation.plan import FactIndex
from generation.records import ReasonedQA
from kgraph.graph import add_facts

# A path through shared entities: metformin -> lactic acidosis <- renal impairment -> eGFR monitoring.
PATH = [
    make_fact("Metformin", "causes", "lactic acidosis", "cause", sentence="Metformin can cause lactic acidosis."),
    make_fact(
        "Severe renal impairment",
        "increases_risk_of",
        "lactic acidosis",
        sentence="Severe renal impairment increases the risk of lactic acidosis.",
    ),
    make_fact(
        "Severe renal impairment",
        "diagnosed_by",
        "eGFR measurement",
        sentence="Severe renal impairment is diagnosed by eGFR measurement.",
    ),
]


def index_of(facts):
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    return FactIndex.of(graph)


def offline(facts, **settings):
    cfg = GenerationConfig(**settings)
    samples, rejections = run_generation([(cfg, facts)], index_of(facts), OfflineGenerator())
    assert rejections == []
    return samples


def test_multihop_reasoning_has_one_step_per_hop_each_the_fact_then_the_link():
    samples = offline(PATH, multihop_per_fact=2, qa_per_fact=0, aspect_questions=False, reasoning=True)
    multihop = [s for s in samples if s.kind == "multihop"]
    assert multihop
    by_id = {f.id: f for f in PATH}
    for sample in multihop:
        hops = [by_id[i] for i in sample.fact_ids]
        assert len(hops) >= 2 and len(sample.reasoning) == len(hops) + 1
        assert sample.reasoning[:-1] == [fact_text(f) for f in hops]  # each step a checked fact, in path order
        assert re.fullmatch(r"So .+ are linked through .+\.", sample.reasoning[-1])
        assert not any(SOURCE_TALK.search(step) for step in sample.reasoning)


def test_qa_reasoning_states_the_evidence_then_the_verdict_the_answer_gives():
    facts = [METFORMIN, ACIDOSIS, AMOXICILLIN]
    samples = offline(facts, question_types=["yes_no"], reasoning=True)
    assert {tuple(s.fact_ids) for s in samples} == {(f.id,) for f in facts}
    for sample in samples:
        (fact,) = [f for f in facts if f.id == sample.fact_ids[0]]
        verdict = sample.messages[-1].content.split(".")[0].lower()  # 'yes', 'no', 'yes, it can'
        assert sample.reasoning == [fact_text(fact), f"So the answer is {verdict}."]
        assert not any(SOURCE_TALK.search(step) for step in sample.reasoning)


def test_reasoning_leaves_the_plain_samples_as_they_were():
    plain = offline(PATH, multihop_per_fact=1)
    reasoned = offline(PATH, multihop_per_fact=1, reasoning=True)
    assert [(s.id, s.messages) for s in plain] == [(s.id, s.messages) for s in reasoned]
    assert all(not s.reasoning for s in plain) and all(s.reasoning for s in reasoned)


def test_chinese_reasoning_is_chinese():
    fact = make_fact("阿莫西林", "treats", "病毒感染", negated=True, sentence="阿莫西林不能治疗病毒感染。")
    (sample, *_) = offline([fact], reasoning=True)
    assert sample.reasoning == ["阿莫西林不能治疗病毒感染。", "所以答案是：不是。"]


def test_the_llm_is_asked_for_reasoning_beside_the_answer():
    llm = FakeLLM()
    fact = PATH[0]
    reply = {"question": "What can metformin cause?", "answer": "Lactic acidosis."}
    steps = "Metformin can cause lactic acidosis.\nSo the answer is lactic acidosis."
    llm.enqueue(*[{**reply, "reasoning": steps}] * 10)
    cfg = GenerationConfig(qa_per_fact=1, aspect_questions=False, reasoning=True)
    samples, _ = asyncio.run(generate_samples(fact, index_of(PATH), llm, cfg))
    prompt = llm.calls[0].messages[-1]["content"]
    assert '"reasoning": [' in prompt and "one step per fact given" in prompt and "never mentions a source" in prompt
    assert samples[0].reasoning == steps.splitlines()  # a reasoning text is taken as its lines
    assert samples[0].messages[-1].content == "Lactic acidosis."

    plain = FakeLLM(*[reply] * 10)
    cfg = cfg.model_copy(update={"reasoning": False})
    samples, _ = asyncio.run(generate_samples(fact, index_of(PATH), plain, cfg))
    assert "reasoning" not in plain.calls[0].messages[-1]["content"] and samples[0].reasoning == []


def test_a_reply_without_reasoning_does_not_validate():
    with pytest.raises(ValidationError):
        ReasonedQA.model_validate({"question": "What can metformin cause?", "answer": "Lactic acidosis."})
    with pytest.raises(ValidationError):
        ReasonedQA.model_validate({"question": "What can metformin cause?", "answer": "A.", "reasoning": [""]})
