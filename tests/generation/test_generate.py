import asyncio

import networkx as nx
import pytest
from fakes import make_fact
from openai_server import FakeOpenAI

from generation.diversity import diversity_report
from generation.estimate import estimate_generation
from generation.generate import GenerationConfig, run_generation
from generation.offline import OfflineGenerator
from generation.plan import FactIndex, plan_fact
from kgraph.graph import add_facts
from kgraph.llm import LLMConfig, OpenAICompatible, ResponseCache
from kgraph.records import Fact

FAULTS = {
    "429_once": 0.05,
    "500_once": 0.05,
    "timeout_once": 0.02,
    "malformed_once": 0.05,
    "malformed_always": 0.02,
    "500_always": 0.02,
}


def fact(subject, relation, obj, domain="medical", negated=False, hedged=False, sentence=None):
    return make_fact(subject, relation, obj, domain=domain, negated=negated, hedged=hedged, sentence=sentence)


def chain_graph(n: int) -> tuple[list[Fact], nx.MultiDiGraph]:
    """Drugs in a ring: drug i treats condition i and causes condition i+1, so every fact has neighbours."""
    facts = []
    for i in range(n):
        facts.append(fact(f"drug{i}", "treats", f"condition{i}"))
        facts.append(fact(f"drug{i}", "causes", f"condition{(i + 1) % n}", hedged=i % 2 == 0))
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    return facts, graph


def test_plan_covers_types_personas_dialogue_and_multihop():
    facts, graph = chain_graph(6)
    assert plan_fact(facts[0], FactIndex.of(graph), GenerationConfig()) == plan_fact(
        facts[0], FactIndex.of(graph), GenerationConfig(dialogues_per_fact=0, multihop_per_fact=0)
    )  # dialogues and multi-hop questions are off by default
    jobs = plan_fact(facts[0], FactIndex.of(graph), GenerationConfig(dialogues_per_fact=1, multihop_per_fact=1))
    qa = [j for j in jobs if j.kind == "qa" and j.question_type != "aspect"]
    assert len(qa) == 2 and len({j.question_type for j in qa}) == 2  # two QA per fact by default
    assert all(j.persona in ("patient", "student", "clinician") for j in jobs)
    dialogue = next(j for j in jobs if j.kind == "dialogue")
    assert dialogue.turns == len(dialogue.facts) > 1  # as long as the walk, never padded
    multihop = next(j for j in jobs if j.kind == "multihop")
    assert 2 <= len(multihop.facts) <= 3 and multihop.facts[0] == facts[0]


def test_multiple_choice_never_offers_a_second_true_option():
    sentence = "The indemnity covers damages, costs and reasonable legal fees."
    covered = [
        fact("indemnity", "covers", o, domain="legal", sentence=sentence) for o in ("damages", "costs", "legal fees")
    ]
    elsewhere = [fact("insurance", "covers", o, domain="legal") for o in ("fire", "theft", "flood", "damages")]
    graph = nx.MultiDiGraph()
    add_facts(graph, covered + elsewhere)
    options = FactIndex.of(graph).distractors(covered[1])
    assert set(options) == {"fire", "theft", "flood"}


def test_samples_list_every_fact_they_use():
    facts, graph = chain_graph(6)
    samples, rejections = run_generation(
        [(GenerationConfig(min_turns=4), facts[:2])], FactIndex.of(graph), OfflineGenerator()
    )
    assert rejections == []
    for sample in samples:
        if sample.kind == "dialogue":
            assert len(sample.messages) == 2 * len(sample.fact_ids) >= 4  # one exchange per fact reached
        if sample.kind == "multihop":
            assert len(sample.fact_ids) >= 2
            answer = sample.messages[1].content
            assert all(f.object in answer or f.subject in answer for f in facts if f.id in sample.fact_ids)


def test_chinese_facts_get_chinese_samples_with_negation_kept():
    negated = fact("阿莫西林", "treats", "病毒感染", negated=True, sentence="阿莫西林不能治疗病毒感染。")
    graph = nx.MultiDiGraph()
    add_facts(graph, [negated])
    samples, _ = run_generation([(GenerationConfig(), [negated])], FactIndex.of(graph), OfflineGenerator())
    assert samples and all(s.lang == "zh" for s in samples)
    answers = [m.content for s in samples for m in s.messages if m.role == "assistant"]
    assert all("不能用于治疗" in a or "否定" in a or "不能治疗" in a for a in answers)


def test_diversity_report_measures_questions_within_a_fact():
    facts, graph = chain_graph(4)
    samples, _ = run_generation([(GenerationConfig(), facts)], FactIndex.of(graph), OfflineGenerator())
    report = diversity_report(samples)
    assert report["question_types_per_fact"] >= 2
    assert 0.3 < report["distinct_2"] <= 1 and 0 < report["mean_pairwise_similarity"] < 0.6
    same = diversity_report([samples[0], samples[0]])
    assert same["mean_pairwise_similarity"] == 1.0


@pytest.mark.slow
def test_thousand_requests_against_a_faulty_server_are_all_accounted_for(tmp_path):
    """250 facts x up to 4 QA types, ~1,000 samples through retries, repairs, timeouts: each kept or rejected."""
    facts, graph = chain_graph(125)
    cfg = GenerationConfig(
        qa_per_fact=4, aspect_questions=False, dialogues_per_fact=0, multihop_per_fact=0, max_samples_per_document=5000
    )
    settings = LLMConfig(concurrency=64, timeout=2.0, max_retries=3, backoff_base=0.01, backoff_max=0.05)
    with FakeOpenAI(faults=FAULTS, stall=3.0) as server:
        llm = OpenAICompatible("fake", base_url=server.base_url, settings=settings, cache=ResponseCache(tmp_path / "c"))
        index = FactIndex.of(graph)
        planned = sum(len(plan_fact(f, index, cfg)) for f in facts)  # the parse of 'drugN treats conditionN.'
        samples, rejections = run_generation([(cfg, facts)], index, llm)  # may leave a fact fewer question types
        # (or none: a parse that makes 'conditionN' a piece of a larger phrase skips the fact before any request)
        rejections = [r for r in rejections if r.reason != "fragment_argument"]
        assert len(samples) + len(rejections) == planned > 850
        assert {r.reason for r in rejections} == {"invalid_json", "server_error"}
        assert all(r.raw for r in rejections if r.reason == "invalid_json")
        fates = {server.fate(key) for key in server.seen}
        assert set(FAULTS) <= fates  # every kind of fault really happened
        expected = sum(server.fate(k) in ("malformed_always", "500_always") for k in server.seen)
        assert len(rejections) == expected
        # A rerun is served from the cache for every kept sample; only the failures are asked again.
        sent = sum(server.outcomes.values())
        llm = OpenAICompatible("fake", base_url=server.base_url, settings=settings, cache=ResponseCache(tmp_path / "c"))
        again, _ = run_generation([(cfg, facts)], FactIndex.of(graph), llm)
        assert {s.id for s in again} == {s.id for s in samples}
        assert llm.usage.cached == len(samples)
        assert sum(server.outcomes.values()) - sent == llm.usage.requests


def test_dry_run_counts_requests_and_cost_and_skips_cached(tmp_path):
    facts, graph = chain_graph(5)
    cfg = GenerationConfig(dialogues_per_fact=1, min_turns=3, max_turns=3, multihop_per_fact=0)
    prices = LLMConfig(input_price=1.0, output_price=4.0)
    llm = OpenAICompatible(
        "fake", base_url="http://127.0.0.1:9/v1", settings=prices, cache=ResponseCache(tmp_path / "c")
    )
    index = FactIndex.of(graph)
    estimate = estimate_generation(facts, index, cfg, prices, llm)
    qa = estimate["qa_samples"]
    assert estimate["requests"] == qa + estimate["dialogue_samples"] * 3 * 2
    assert estimate["cost_usd"] > 0 and estimate["prompt_tokens"] > estimate["completion_tokens"]
    # Pretend every QA prompt was answered before: the estimate drops them.
    from generation.prompts import qa_prompt
    from generation.records import QAPair

    for job in (j for f in facts for j in plan_fact(f, index, cfg) if j.kind == "qa"):
        llm.cache.put(llm.key(qa_prompt(job), QAPair), '{"question": "q??", "answer": "a"}')
    again = estimate_generation(facts, index, cfg, prices, llm)
    assert again["cached"] == qa and again["requests"] == estimate["requests"] - qa


def test_a_fact_no_setting_fits_is_rejected_not_lost():
    facts, graph = chain_graph(2)
    cfg = GenerationConfig(question_types=["dosage"], dialogues_per_fact=0, multihop_per_fact=0)
    samples, rejections = run_generation([(cfg, facts[:1])], FactIndex.of(graph), OfflineGenerator())
    assert samples == [] and [(r.item_id, r.reason) for r in rejections] == [(facts[0].id, "no_fitting_plan")]


class SlowOffline(OfflineGenerator):
    """The offline generator at a request's pace, so jobs overlap as they do against a server."""

    concurrency = 3

    async def complete(self, prompt, schema):
        await asyncio.sleep(0.001)
        return await super().complete(prompt, schema)


def test_jobs_run_longest_first_from_a_bounded_pool_and_return_in_plan_order(monkeypatch):
    import generation.generate as generate

    facts, graph = chain_graph(8)
    index, cfg = FactIndex.of(graph), GenerationConfig(dialogues_per_fact=1)
    jobs = [job for f in facts for job in plan_fact(f, index, cfg)]
    running, most, started = [0], [0], []
    real_run_job = generate.run_job

    async def counted(job, llm):
        started.append(job.kind)
        running[0] += 1
        most[0] = max(most[0], running[0])
        try:
            return await real_run_job(job, llm)
        finally:
            running[0] -= 1

    monkeypatch.setattr(generate, "run_job", counted)
    results = asyncio.run(generate.run_jobs(jobs, SlowOffline()))

    assert [(r.kind, r.fact_ids[0]) for r in results] == [(j.kind, j.seed.id) for j in jobs]  # in plan order
    assert most[0] == 2 * SlowOffline.concurrency  # a full pool, never more jobs started at once
    dialogues = sum(j.kind == "dialogue" for j in jobs)
    assert 0 < dialogues < len(jobs) and started[:dialogues] == ["dialogue"] * dialogues  # longest first
