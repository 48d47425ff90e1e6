"""Which facts feed generation: the confidence gate, no generic arguments, and a budget of samples per document, so
a long page yields a bounded set of samples, spread over its most trusted facts."""

from __future__ import annotations

from collections import defaultdict

from generation.arguments import fragment_fact
from generation.names import generic_argument, vague_fact
from generation.plan import FactIndex, Job, plan_fact
from kgraph.records import Fact, Rejection


def skip(fact: Fact, reason: str, detail: str) -> Rejection:
    return Rejection(item_id=fact.id, stage="generate", reason=reason, detail=detail)


def select_facts(facts: list[Fact], index: FactIndex, cfg) -> tuple[list[Fact], list[Rejection]]:
    """The facts to write from (in their given order), and one Rejection per fact skipped, by reason:
    low_confidence, generic_argument, vague_relation, fragment_argument, over_document_budget. cfg is a GenerationConfig."""
    selected, skipped = plan_selected(facts, index, cfg)
    return [fact for fact, _ in selected], skipped


def plan_selected(facts: list[Fact], index: FactIndex, cfg) -> tuple[list[tuple[Fact, list[Job]]], list[Rejection]]:
    """select_facts, with each kept fact's planned jobs (the budget plans them already), so they are planned once."""
    skipped: list[Rejection] = []
    by_document: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.confidence < cfg.min_confidence:
            checks = ", ".join(getattr(fact, "checks", None) or [])
            detail = f"confidence {fact.confidence:.2f} < {cfg.min_confidence}" + (f" ({checks})" if checks else "")
            skipped.append(skip(fact, "low_confidence", detail))
        elif generic_argument(fact.subject) or generic_argument(fact.object):
            skipped.append(skip(fact, "generic_argument", f"{fact.subject!r} / {fact.object!r}"))
        elif vague_fact(fact.subject, fact.relation):
            skipped.append(skip(fact, "vague_relation", f"{fact.subject!r} {fact.relation} {fact.object!r}"))
        elif fragment_fact(fact):
            skipped.append(skip(fact, "fragment_argument", f"{fact.subject!r} {fact.relation} {fact.object!r}"))
        else:
            by_document[fact.evidence[0].doc_id if fact.evidence else ""].append(fact)
    kept: dict[str, list[Job]] = {}
    for doc_id, found in by_document.items():
        spent = 0
        # The most trusted facts spend the document's budget first.
        for fact in sorted(found, key=lambda f: (-f.confidence, f.id)):
            planned = plan_fact(fact, index, cfg)
            cost = len(planned)
            if spent + cost > cfg.max_samples_per_document:
                skipped.append(skip(fact, "over_document_budget", f"document {doc_id}: {spent} samples planned"))
                continue
            spent += cost
            kept[fact.id] = planned
    return [(f, kept[f.id]) for f in facts if f.id in kept], skipped
