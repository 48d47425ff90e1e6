import asyncio

import networkx as nx
from fakes import make_fact

from generation.generate import GenerationConfig, generate_samples
from generation.offline import OfflineGenerator
from generation.plan import FactIndex
from generation.verbalise import statement
from kgraph.graph import add_facts


def fact(subject, relation, obj, surface, negated=False, hedged=False, sentence=None):
    return make_fact(subject, relation, obj, surface, negated=negated, hedged=hedged, sentence=sentence)


METFORMIN = fact(
    "Metformin",
    "contraindicated_in",
    "severe renal impairment",
    "be contraindicated in",
    sentence="Metformin is contraindicated in severe renal impairment.",
)
ACIDOSIS = fact(
    "Metformin", "causes", "lactic acidosis", "cause", hedged=True, sentence="Metformin may cause lactic acidosis."
)
AMOXICILLIN = fact(
    "Amoxicillin",
    "treats",
    "viral infections",
    "treat",
    negated=True,
    sentence="Amoxicillin does not treat viral infections.",
)


def run(f, facts):
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    return asyncio.run(generate_samples(f, FactIndex.of(graph), OfflineGenerator(), GenerationConfig()))


def test_statements_keep_negation_and_hedging():
    assert statement(METFORMIN) == "Metformin is contraindicated in severe renal impairment."
    assert statement(ACIDOSIS) == "Metformin may cause lactic acidosis."
    assert statement(AMOXICILLIN) == "Amoxicillin does not treat viral infections."


def test_at_least_three_question_types_and_a_dialogue_per_fact():
    samples, rejections = run(METFORMIN, [METFORMIN, ACIDOSIS])
    assert rejections == []
    qa = [s for s in samples if s.kind == "qa"]
    assert len({s.style["question_type"] for s in qa}) >= 3
    assert len({s.messages[0].content for s in qa}) == len(qa)
    dialogue = next(s for s in samples if s.kind == "dialogue")
    exchanges = len(dialogue.messages) // 2
    assert 3 <= exchanges <= 6
    assert set(dialogue.fact_ids) == {METFORMIN.id, ACIDOSIS.id}  # walked to the neighbouring fact
    assert all(s.evidence and s.fact_ids for s in samples)


def test_negated_fact_is_never_stated_positively():
    samples, _ = run(AMOXICILLIN, [AMOXICILLIN])
    answers = [m.content for s in samples for m in s.messages if m.role == "assistant"]
    assert answers and all("does not treat" in a for a in answers)
    yes_no = next(s for s in samples if s.style.get("question_type") == "yes_no")
    assert yes_no.messages[1].content.startswith("No, not according to the source")


def test_generation_is_deterministic():
    first, _ = run(METFORMIN, [METFORMIN])
    second, _ = run(METFORMIN, [METFORMIN])
    assert [s.id for s in first] == [s.id for s in second]


def test_third_person_of_have_and_regular_verbs():
    from generation.verbalise import third_person

    assert [third_person(v) for v in ("have", "treat", "reduce", "inhibit", "carry", "block")] == [
        "has", "treats", "reduces", "inhibits", "carries", "blocks",
    ]  # fmt: skip
