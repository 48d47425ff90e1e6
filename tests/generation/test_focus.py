"""`generate --focus-missed` planning: new forms per round, never the regular plan's, within the extra budget."""

from test_generate import chain_graph

from generation.focus import FocusConfig, focus_jobs, form_of, unused_forms
from generation.generate import GenerationConfig, run_jobs, split
from generation.offline import OfflineGenerator
from generation.plan import FactIndex, plan_fact
from kgraph.llm import run_llm


def test_each_round_asks_the_missed_fact_in_forms_no_earlier_sample_used():
    facts, graph = chain_graph(6)
    index, cfg, focus = FactIndex.of(graph), GenerationConfig(), FocusConfig(extra_per_fact=3)
    regular = {form_of(j) for j in plan_fact(facts[0], index, cfg) if j.kind == "qa"}
    first, _ = focus_jobs([facts[0]], index, cfg, focus, {})
    second, _ = focus_jobs([facts[0]], index, cfg, focus, {facts[0].id: 1})
    forms = [form_of(j) for j in first + second]
    assert len(forms) == 6 and len(set(forms)) == 6 and not set(forms) & regular
    assert all(j.kind == "qa" and j.facts[0] == facts[0] for j in first + second)
    assert len({j.question_type for j in first}) > 1  # new question types come before new framings


def test_focus_samples_are_distinct_wordings_of_the_fact():
    facts, graph = chain_graph(6)
    index, cfg, llm = FactIndex.of(graph), GenerationConfig(), OfflineGenerator()
    jobs, _ = focus_jobs([facts[0]], index, cfg, FocusConfig(extra_per_fact=4), {})
    focused, failed = split(run_llm(llm, run_jobs(jobs, llm)))
    assert not failed and len({s.messages[0].content for s in focused}) == 4
    assert all(s.fact_ids[0] == facts[0].id and facts[0].object in s.messages[1].content for s in focused)


def test_the_extra_budget_and_exhausted_forms_skip_facts_with_a_reason():
    facts, graph = chain_graph(6)
    index, cfg = FactIndex.of(graph), GenerationConfig()
    jobs, skipped = focus_jobs(facts[:4], index, cfg, FocusConfig(extra_per_fact=3, max_samples=7), {})
    assert len(jobs) == 6 and [r.reason for r in skipped] == ["over_focus_budget"] * 2
    spent = len(unused_forms(facts[0], index, cfg))
    jobs, skipped = focus_jobs([facts[0]], index, cfg, FocusConfig(extra_per_fact=1), {facts[0].id: spent})
    assert not jobs and skipped[0].reason == "no_new_form"
