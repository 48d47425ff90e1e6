"""Doubts about the facts behind a sample, from generation's own checks: an answer copied from the evidence looks
grounded even when the question rests on a garbled fact, and the labellers' most common reason for a bad sample was
such a fact ('Can throat cause difficulty?', 'Is the hearing held in the accordance?'). A sample written from a fact
that generation would now skip is flagged for review."""

from __future__ import annotations

from generation.arguments import fragment_fact
from generation.names import generic_argument, vague_fact
from generation.passage import complete
from generation.plan import MIN_CONFIDENCE
from generation.syntax import parse, parse_all, sentence_of
from kgraph.checks import complexity_checks, relation_checks
from kgraph.extract import EXTRACTOR, reread_confidence
from kgraph.records import Fact
from kgraph.relations import CANONICAL


def long_evidence(fact: Fact) -> bool:
    """Extraction's long_sentence check on the evidence: samples from such sentences were good 7-18% of the time in
    the labelled dev samples, against 35-45% for shorter ones."""
    return bool(sentence_of(fact)) and bool(complexity_checks(parse(sentence_of(fact))))


def unruled(fact: Fact) -> bool:
    """Extraction's unruled_legal check: a legal passive without a modal narrates a step (1 good of 22 dev samples)."""
    return "unruled_legal" in relation_checks(fact.surface_relation, fact.relation, CANONICAL, domain=fact.domain)


def below_gate_now(fact: Fact) -> bool:
    """The rules' fact read again from its evidence under today's checks falls below generation's threshold: a
    sample written from it before a check was added would not be written now."""
    if fact.extractor != EXTRACTOR or not sentence_of(fact):
        return False
    found = reread_confidence(fact, parse(sentence_of(fact)))
    return found is not None and found < MIN_CONFIDENCE


CHECKS = {
    "fact_fragment": fragment_fact,
    "fact_vague": lambda f: vague_fact(f.subject, f.relation),
    "fact_generic": lambda f: generic_argument(f.subject) or generic_argument(f.object),
    "fact_incomplete": lambda f: not complete(f),
    "fact_long_sentence": long_evidence,
    "fact_unruled": unruled,
    "fact_below_gate": below_gate_now,
}


def fact_doubts(facts: list[Fact]) -> list[str]:
    """Reasons, one per kind of failing check over the facts: fact_fragment (an argument cut from a larger phrase),
    fact_vague (a quantity subject, a relation ending in a conjunction), fact_generic (an argument that names nothing
    in particular), fact_incomplete (evidence cut before a list, or pointing elsewhere in the document),
    fact_long_sentence and fact_unruled (extraction's long_sentence and unruled_legal checks, which facts extracted
    before those checks, or by an LLM, do not carry), fact_below_gate (the rules' fact, read again under today's
    checks, falls below generation's threshold)."""
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
