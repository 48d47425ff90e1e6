"""Invented facts, the chat rows an export would hold for them, and a tiny base model, shared by the training tests."""

import pytest

from kgraph.records import Evidence, Fact

PAIRS = [
    ("zorvatin", "treats", "glimmer fever"),
    ("quellamide", "treats", "marsh cough"),
    ("plinthex", "causes", "blue tremor"),
    ("drovanol", "treats", "salt rash"),
    ("kestrafen", "causes", "night chill"),
    ("umbravir", "treats", "river ague"),
]
QUESTIONS = [
    "What does {s} {r}?",
    "According to the source, what does {s} {r}?",
    "In the literature, what does {s} {r}?",
]


def fact(subject: str, relation: str, obj: str) -> Fact:
    sentence = f"{subject.capitalize()} {relation} {obj}."
    return Fact(
        id=Fact.make_id(subject, relation, obj),
        subject=subject,
        relation=relation,
        object=obj,
        evidence=[Evidence(doc_id="doc", sentence=sentence, start=0, end=len(sentence))],
        domain="medical",
    )


FACTS = [fact(*p) for p in PAIRS]


def make_rows() -> list[dict]:
    """Three object questions per fact, answered with the fact's statement."""
    out = []
    for f in FACTS:
        verb = f.relation[:-1]
        for n, template in enumerate(QUESTIONS):
            out.append(
                {
                    "id": f"{f.id}-{n}",
                    "messages": [
                        {"role": "user", "content": template.format(s=f.subject, r=verb)},
                        {"role": "assistant", "content": f"{f.subject.capitalize()} {f.relation} {f.object}."},
                    ],
                    "kind": "qa",
                    "fact_ids": [f.id],
                    "question_type": "object",
                }
            )
    return out


@pytest.fixture(scope="session")
def facts() -> list[Fact]:
    return FACTS


@pytest.fixture(scope="session")
def rows() -> list[dict]:
    return make_rows()


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory, examples):
    from training.tiny import save_tiny_base

    texts = [p.read_text() for p in sorted(examples.rglob("*.txt"))]
    return save_tiny_base(texts, tmp_path_factory.mktemp("tiny") / "base")


@pytest.fixture()
def workspace(tmp_path, facts):
    """A workspace folder whose graph holds the test facts (what `kgsynth extract` would leave)."""
    from kgraph.graph import add_facts, load_graph, save_graph

    graph = load_graph(tmp_path / "graph.json")
    add_facts(graph, facts)
    save_graph(graph, tmp_path / "graph.json")
    return tmp_path
