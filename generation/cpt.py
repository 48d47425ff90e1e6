"""Continued-pretraining text, EntiGraph-style: passages that relate pairs and triples of entities, each claim taken
from a checked fact and written from its evidence sentences (with the neighbours they lean on), plus the source
paragraphs those facts come from. The knowledge-injection literature finds that a fact needs several wordings
to be learned, so each fact is stated in its pair passage, its triples and its paragraph."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from generation.passage import fact_text, joined
from generation.plan import FactIndex, nodes, stable
from kgraph.records import Document, Fact, Record, content_id, normalise

PassageKind = Literal["pair", "triple", "source", "rephrase"]
MAX_TITLE_ENTITIES = 4


class CPTConfig(BaseModel):
    """Continued-pretraining text (WS/export/cpt.jsonl) from the graph's checked facts."""

    model_config = {"extra": "forbid"}
    enabled: bool = Field(default=False, description="write WS/export/cpt.jsonl at export (`kgsynth export --cpt`)")
    pairs: bool = Field(default=True, description="a passage per pair of entities that checked facts relate")
    triples_per_fact: int = Field(
        default=2, ge=0, le=10, description="passages relating three entities through a shared one, per fact"
    )
    source_paragraphs: bool = Field(default=True, description="the paragraphs that state checked facts, as written")
    rephrasings: int = Field(
        default=2, ge=0, le=5, description="faithful rewordings of each source paragraph (needs an LLM endpoint)"
    )


class Passage(Record):
    """One text of the CPT set, with the checked facts it states."""

    id: str
    text: str
    facts: list[str]
    kind: PassageKind
    generator: str = "offline"

    @staticmethod
    def make(text: str, facts: list[Fact] | list[str], kind: PassageKind, generator: str = "offline") -> Passage:
        ids = sorted({f if isinstance(f, str) else f.id for f in facts})
        return Passage(id=content_id(kind, text), text=text, facts=ids, kind=kind, generator=generator)


def checked_facts(index: FactIndex) -> list[Fact]:
    """The facts generation may write from (confidence gate, named arguments, a sentence that stands whole)."""
    return sorted((f for f in index.by_id.values() if index.usable(f)), key=lambda f: f.id)


def entity_names(facts: list[Fact]) -> dict[str, str]:
    """A display name per entity key: a form the evidence writes inside a sentence, so a capital that only
    starts the sentence ('Bleeding is ...') does not carry into a title."""
    names: dict[str, str] = {}
    inside: set[str] = set()  # keys whose name was seen inside a sentence
    for fact in facts:
        sentence = fact.evidence[0].sentence if fact.evidence else ""
        for key, name in zip(nodes(fact), (fact.subject, fact.object)):
            if key not in inside and (key not in names or sentence.find(name) > 0):
                names[key] = name
                if sentence.find(name) > 0:
                    inside.add(key)
    return {key: name if key in inside else sentence_case(name) for key, name in names.items()}


def sentence_case(name: str) -> str:
    """'Bleeding' seen only at a sentence's start reads 'bleeding'; 'Article 17' and 'ACE inhibitors' keep theirs."""
    first = name.split()[0] if name.split() else ""
    plain = first[1:].islower() and not any(ch.isdigit() for ch in name)
    return name[:1].lower() + name[1:] if plain else name


def title(keys: list[str], names: dict[str, str]) -> str:
    """'Metformin and lactic acidosis': the entities a passage relates, as its heading line (no claim)."""
    shown = [names[k] for k in keys][:MAX_TITLE_ENTITIES]
    text = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return text[:1].upper() + text[1:]


def statement(facts: list[Fact]) -> str:
    """The facts' evidence, each standing alone, without repeats (one sentence often carries several facts)."""
    return joined([fact_text(f) for f in sorted(facts, key=lambda f: (f.evidence[0].doc_id, f.evidence[0].start))])


def pair_groups(facts: list[Fact]) -> dict[tuple[str, str], list[Fact]]:
    """Checked facts by the (sorted) pair of entities they relate (every checked fact has one)."""
    groups: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[tuple(sorted(nodes(fact)))].append(fact)
    return groups


def pair_passages(facts: list[Fact]) -> list[tuple[list[str], list[Fact], PassageKind]]:
    """One group per related pair of entities: what the facts say about the two of them."""
    return [(list(pair), group, "pair") for pair, group in sorted(pair_groups(facts).items())]


def triple_passages(
    facts: list[Fact], index: FactIndex, per_fact: int
) -> list[tuple[list[str], list[Fact], PassageKind]]:
    """Groups over three entities, A-B and B-C linked through a shared B that is no hub, party or busy entity
    (every clause of a contract names its party; a path through it links anything to anything)."""
    groups = pair_groups(facts)
    blocked = index.hubs | index.parties | index.busy
    seen, out = set(), []
    for fact in facts:
        options = set()
        for shared, first in zip(nodes(fact), reversed(nodes(fact))):
            if shared in blocked:
                continue
            for near in index.neighbours(fact, blocked):
                other = next((n for n in nodes(near) if n != shared), shared)
                if shared in nodes(near) and other not in (first, shared) and other not in index.hubs:
                    options.add((first, shared, other))
        for keys in sorted(options, key=lambda o: stable(fact.id, *o))[:per_fact]:
            if frozenset(keys) in seen:
                continue
            seen.add(frozenset(keys))
            pairs = zip(keys, keys[1:] + keys[:1])
            group = {f.id: f for pair in pairs for f in groups.get(tuple(sorted(pair)), [])}
            out.append((list(keys), list(group.values()), "triple"))
    return out


def relation_passages(groups: list[tuple[list[str], list[Fact], PassageKind]], names: dict[str, str]) -> list[Passage]:
    """Passages from entity groups; groups whose facts share the same sentences become one passage naming all
    their entities (two facts of one sentence would otherwise give the same text twice)."""
    merged: dict[str, tuple[dict[str, None], dict[str, Fact], PassageKind]] = {}
    for keys, facts, kind in groups:
        body = statement(facts)
        entities, found, _ = merged.setdefault(normalise(body), ({}, {}, kind))
        for fact in sorted(facts, key=lambda f: f.id):
            entities.update(dict.fromkeys(k for k in nodes(fact) if k in keys))
            found[fact.id] = fact
    return [
        Passage.make(f"{title(list(entities), names)}\n\n{statement(list(found.values()))}", list(found.values()), kind)
        for entities, found, kind in merged.values()
    ]


def paragraph_span(text: str, start: int) -> tuple[int, int]:
    """The blank-line paragraph a sentence starts in (its end offset may reach past the blank line after it)."""
    head = text.rfind("\n\n", 0, start)
    tail = text.find("\n\n", start)
    return (0 if head < 0 else head + 2), (len(text) if tail < 0 else tail)


def source_paragraphs(facts: list[Fact], documents: dict[str, Document]) -> list[Passage]:
    """The paragraphs of the corpus that state checked facts, as written, with the facts they state."""
    found: dict[tuple[str, int, int], dict[str, Fact]] = defaultdict(dict)
    for fact in facts:
        for evidence in fact.evidence:
            doc = documents.get(evidence.doc_id)
            if doc is not None and evidence.end <= len(doc.text):
                found[(doc.id, *paragraph_span(doc.text, evidence.start))][fact.id] = fact
    out = []
    for (doc_id, start, end), group in sorted(found.items()):
        text = documents[doc_id].text[start:end].strip()
        if text:
            out.append(Passage.make(text, list(group.values()), "source"))
    return out


def offline_passages(index: FactIndex, documents: dict[str, Document], cfg: CPTConfig) -> list[Passage]:
    """Every offline passage: pairs, triples and the source paragraphs, in a stable order."""
    facts = checked_facts(index)
    groups = pair_passages(facts) if cfg.pairs else []
    groups += triple_passages(facts, index, cfg.triples_per_fact) if cfg.triples_per_fact else []
    out = relation_passages(groups, entity_names(facts))
    out += source_paragraphs(facts, documents) if cfg.source_paragraphs else []
    return list({normalise(p.text): p for p in out}.values())


def paraphrase_counts(passages: list[Passage], facts: list[Fact]) -> dict[str, float]:
    """How many passages state each checked fact: min, median and max (facts no passage states count as 0)."""
    counts = dict.fromkeys((f.id for f in facts), 0)
    for passage in passages:
        for fact_id in passage.facts:
            if fact_id in counts:
                counts[fact_id] += 1
    values = list(counts.values()) or [0]
    return {
        "paraphrases_min": min(values),
        "paraphrases_median": statistics.median(values),
        "paraphrases_max": max(values),
    }
