"""Doubts about the facts behind a sample, from generation's own checks: an answer copied from the evidence looks
grounded even when the question rests on a garbled fact, and the labellers' most common reason for a bad sample was
such a fact ('Can throat cause difficulty?', 'Is the hearing held in the accordance?'). A sample written from a fact
that generation would now skip is flagged for review."""

from __future__ import annotations

from generation.arguments import fragment_fact
from generation.names import generic_argument, vague_fact
from generation.passage import complete
from generation.syntax import parse_all, sentence_of
from kgraph.records import Fact

CHECKS = {
    "fact_fragment": fragment_fact,
    "fact_vague": lambda f: vague_fact(f.subject, f.relation),
    "fact_generic": lambda f: generic_argument(f.subject) or generic_argument(f.object),
    "fact_incomplete": lambda f: not complete(f),
}


def fact_doubts(facts: list[Fact]) -> list[str]:
    """Reasons, one per kind of failing check over the facts: fact_fragment (an argument cut from a larger phrase),
    fact_vague (a quantity subject, a relation ending in a conjunction), fact_generic (an argument that names nothing
    in particular), fact_incomplete (evidence cut before a list, or pointing elsewhere in the document)."""
    return [reason for reason, failing in CHECKS.items() if any(failing(f) for f in facts)]


def doubts_by_fact(facts: list[Fact]) -> dict[str, set[str]]:
    """The failing checks of each distinct fact, their evidence sentences parsed in one stream: the samples of a
    fact share it, so each fact is checked once however many samples it has."""
    distinct = {f.id: f for f in facts}
    parse_all(sentence_of(f) for f in distinct.values() if sentence_of(f))
    return {i: set(fact_doubts([f])) for i, f in distinct.items()}


def combined_doubts(facts: list[Fact], doubts: dict[str, set[str]]) -> list[str]:
    """fact_doubts(facts) from each fact's own doubts (as doubts_by_fact gives them)."""
    return [reason for reason in CHECKS if any(reason in doubts[f.id] for f in facts)]
