"""Rejected answers copy the accepted answer and change only what the graph knows to be false."""

import networkx as nx
from fakes import make_fact

from generation.plan import FactIndex
from generation.preference import dropped_polarity, rejected_answers, relettered, subjects_by_relation, with_case
from kgraph.graph import add_facts

FACTS = [
    make_fact("metformin", "treats", "type 2 diabetes"),
    make_fact("levothyroxine", "treats", "hypothyroidism"),
    make_fact("amoxicillin", "treats", "viral infections", negated=True),
    make_fact("amoxicillin", "treats", "ear infection"),
    make_fact("statins", "causes", "myopathy", hedged=True),
    make_fact("triptans", "causes", "chest tightness"),
    make_fact("warfarin", "causes", "major bleeding"),
]


def index() -> FactIndex:
    graph = nx.MultiDiGraph()
    add_facts(graph, FACTS)
    return FactIndex.of(graph)


def options(answer: str, fact) -> dict[str, list[str]]:
    idx = index()
    found: dict[str, list[str]] = {}
    for kind, text in rejected_answers(answer, fact, idx, subjects_by_relation(idx), "s1"):
        found.setdefault(kind, []).append(text)
    return found


def test_sibling_objects_are_objects_of_the_relation_never_linked_to_the_subject():
    found = options("Metformin treats type 2 diabetes.", FACTS[0])
    assert set(found["sibling_object"]) == {"Metformin treats hypothyroidism.", "Metformin treats ear infection."}
    # 'viral infections' is an object of 'treats' too, but plural: 'Metformin treats viral infections' would be
    # offered for a plural object only, so the rejected answer never differs from the chosen one by its grammar.
    assert not any("viral" in t for t in found["sibling_object"])


def test_swapped_subjects_have_the_relation_and_no_link_to_the_object():
    found = options("Metformin treats type 2 diabetes.", FACTS[0])
    assert set(found["swapped_subject"]) == {
        "Levothyroxine treats type 2 diabetes.",
        "Amoxicillin treats type 2 diabetes.",
    }
    # a plural subject is swapped only for a plural one, so the sentence still agrees
    assert options("Statins may cause myopathy.", FACTS[4]).get("swapped_subject", []) == [
        "Triptans may cause myopathy."
    ]


def test_negation_and_hedge_are_dropped_with_the_verb_agreeing():
    assert dropped_polarity("No. Amoxicillin does not treat viral infections.", FACTS[2]) == [
        "Yes. Amoxicillin treats viral infections."
    ]
    assert dropped_polarity("Amoxicillin isn't used for viral infections.", FACTS[2]) == [
        "Amoxicillin is used for viral infections."
    ]
    assert dropped_polarity("Statins may cause myopathy, possibly in older adults.", FACTS[4]) == [
        "Statins cause myopathy, in older adults."
    ]
    assert dropped_polarity("Metformin treats type 2 diabetes.", FACTS[0]) == []  # nothing to drop


def test_kinds_alternate_and_the_answer_itself_is_never_offered():
    found = rejected_answers(
        "Metformin treats type 2 diabetes.", FACTS[0], index(), subjects_by_relation(index()), "s1"
    )
    kinds = [kind for kind, _ in found]
    assert kinds[:2] in (["sibling_object", "swapped_subject"], ["swapped_subject", "sibling_object"])
    assert "Metformin treats type 2 diabetes." not in [text for _, text in found]
    assert rejected_answers("Gout is painful.", FACTS[0], index(), subjects_by_relation(index()), "s1") == []


def test_case_follows_the_replaced_words():
    assert with_case("Metformin", "insulin") == "Insulin"
    assert with_case("metformin", "Electrocardiogram") == "electrocardiogram"
    assert with_case("metformin", "VIAGRA") == "VIAGRA"


def test_a_multiple_choice_answer_keeps_the_letter_of_its_option():
    question = "Which of these does metformin treat?\nA) ear infection\nB) type 2 diabetes\nC) gout\nD) hypothyroidism"
    found = options("B) type 2 diabetes. Metformin treats type 2 diabetes.", FACTS[0])
    # the sibling object takes its own letter; a sibling the question does not offer is no choice to make
    idx = index()
    kept = rejected_answers(
        "B) type 2 diabetes. Metformin treats type 2 diabetes.",
        FACTS[0],
        idx,
        subjects_by_relation(idx),
        "s1",
        question,
    )
    siblings = {text for kind, text in kept if kind == "sibling_object"}
    assert siblings == {
        "A) ear infection. Metformin treats ear infection.",
        "D) hypothyroidism. Metformin treats hypothyroidism.",
    }
    assert "B) hypothyroidism. Metformin treats hypothyroidism." in found["sibling_object"]  # without the question
    assert relettered("Metformin treats gout.", question) == "Metformin treats gout."  # no letter, nothing to do
