"""The generation plan: per fact, which samples to write (kind, question type, persona, difficulty, the facts each
draws on), decided deterministically from the fact and its neighbourhood in the graph."""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

import networkx as nx

from generation.arguments import fragment_fact
from generation.aspects import fact_aspects, is_drug
from generation.context import aspect_scope, names_product, standalone_fact
from generation.names import doses_drug, generic_argument, is_hub, vague_fact
from generation.passage import complete, fact_text, plain_polarity, rare
from generation.syntax import about_the_fact, agent_of, alternatives, rewordings
from generation.verbalise import lemma_phrase
from kgraph.checks import MODAL_PREFIXES
from kgraph.graph import entity_key, graph_facts
from kgraph.records import Fact
from kgraph.relations import CANONICAL

MIN_CONFIDENCE = 0.7  # facts below it stay in the graph but feed no samples

QUESTION_TYPES = {
    "medical": (
        "definition",
        "mechanism",
        "indication",
        "contraindication",
        "dosage",
        "adverse_effect",
        "diagnosis",
        "comparison",
        "yes_no",
        "clinical_vignette",
        "multiple_choice",
        "explanation",
    ),
    "legal": (
        "definition",
        "obligation",
        "right",
        "condition",
        "consequence",
        "comparison",
        "yes_no",
        "scenario",
        "multiple_choice",
        "explanation",
    ),
    "general": ("definition", "explanation", "comparison", "yes_no", "multiple_choice"),
}
# "aspect" is the entity-level question that gathers every fact of one aspect (generation/aspects.py).
ALL_TYPES = sorted({t for types in QUESTION_TYPES.values() for t in types} | {"aspect"})
# The type a relation answers most naturally; other types are generic and fit any fact.
RELATION_TYPE = {
    "is_a": "definition",
    "treats": "indication",
    "indicated_for": "indication",
    "be_recommend_for": "indication",
    "prevents": "indication",
    "reduces_risk_of": "indication",
    "contraindicated_in": "contraindication",
    "causes": "adverse_effect",
    "increases_risk_of": "adverse_effect",
    "associated_with": "adverse_effect",
    "be_associate_with": "adverse_effect",
    "inhibits": "mechanism",
    "reduces": "mechanism",
    "increases": "mechanism",
    "interacts_with": "mechanism",
    "diagnoses": "diagnosis",
    "diagnosed_by": "diagnosis",
    "monitors": "diagnosis",
    "must_notify": "obligation",
    "must_pay": "obligation",
    "requires": "obligation",
    "notifies": "obligation",
    "entitled_to": "right",
    "has_right_to": "right",
    "grants": "right",
    "may_terminate": "right",
    "applies_to": "condition",
    "governs": "condition",
    "governed_by": "condition",
    "liable_for": "consequence",
    "indemnifies": "consequence",
}
# Types that fit any fact, after the specific ones; scenes come last, as they read best from an LLM.
GENERIC_TYPES = {
    "medical": ("yes_no", "multiple_choice", "clinical_vignette"),
    "legal": ("yes_no", "multiple_choice", "scenario"),
    "general": ("yes_no", "multiple_choice", "explanation"),
}
PERSONAS = {
    "medical": ("patient", "student", "clinician"),
    "legal": ("client", "paralegal", "lawyer"),
    "general": ("learner", "practitioner"),
}
DIFFICULTIES = ("basic", "intermediate", "advanced")
YES_NO_TYPES = {"yes_no", "comparison", "clinical_vignette", "scenario"}  # types answered 'Yes.' or 'No.'
OPEN_TYPES = {"multiple_choice", *RELATION_TYPE.values(), "explanation", "dosage"}  # types asking 'What ...?'
BOTH_WORDS = 45  # a 'both' answer states two sentences: longer, and it stops reading as one answer
BUSY = 8  # an entity linked to this many others (the label's product, a contract's party) bridges no path


def stable(*keys: object) -> int:
    """A stable number from keys, so plans (and offline samples) are the same on every run."""
    return int.from_bytes(hashlib.sha1("|".join(map(str, keys)).encode()).digest()[:4], "big")


def lang_of(fact: Fact) -> str:
    """The source document's language, read from the evidence sentence (Chinese or English)."""
    text = fact.evidence[0].sentence if fact.evidence else fact.subject + fact.object
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


@dataclass(frozen=True)
class Job:
    """One sample to write: its kind, the facts it draws on (seed first), and the style that shapes its wording.
    `forms` says per fact which open question it can carry (see FactIndex.question_form)."""

    kind: str
    facts: tuple[Fact, ...]
    question_type: str = ""
    persona: str = ""
    difficulty: str = ""
    turns: int = 1
    options: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    aspect: str = ""
    entity: str = ""
    grounded: bool = False
    reasoning: bool = False  # QA and multi-hop also write their reasoning (generation/records.py ReasonedQA)

    @property
    def seed(self) -> Fact:
        return self.facts[0]

    @functools.cached_property
    def lang(self) -> str:
        return lang_of(self.seed)

    @property
    def style(self) -> dict[str, str]:
        style = {"question_type": self.question_type, "persona": self.persona, "difficulty": self.difficulty}
        if self.kind != "qa":
            style["turns" if self.kind == "dialogue" else "hops"] = str(
                self.turns if self.kind == "dialogue" else len(self.facts)
            )
        style |= {"aspect": self.aspect, "entity": self.entity, "answer_style": "grounded" if self.grounded else ""}
        return {k: v for k, v in style.items() if v}


@dataclass
class FactIndex:
    """The graph's facts by id, entity and relation: where walks, paths, siblings, distractors and aspects come
    from. Every fact is in `by_id`; only facts fit to write about (confident enough, no generic argument) are
    reachable through the rest, while `links` keeps every pair of entities any fact connects."""

    by_id: dict[str, Fact] = field(default_factory=dict)
    by_node: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    relation_objects: dict[str, list[Fact]] = field(default_factory=dict)  # one fact per distinct object
    links: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    type_objects: dict[str, list[Fact]] = field(default_factory=dict)  # one fact per distinct object, by type
    aspects: dict[tuple[str, str, str], list[Fact]] = field(default_factory=dict)  # (entity, aspect, scope) -> facts
    leads: dict[str, list[tuple[str, str, str]]] = field(default_factory=lambda: defaultdict(list))  # fact id -> groups
    hubs: set[str] = field(default_factory=set)
    busy: set[str] = field(default_factory=set)  # entities too connected to link two facts meaningfully
    drugs: set[str] = field(default_factory=set)  # entities named as medicines
    parties: set[str] = field(default_factory=set)  # entities typed as parties to a contract
    min_confidence: float = MIN_CONFIDENCE

    @classmethod
    def of(cls, graph: nx.MultiDiGraph, min_confidence: float = MIN_CONFIDENCE) -> FactIndex:
        index, objects, typed = cls(min_confidence=min_confidence), defaultdict(dict), defaultdict(dict)
        facts = graph_facts(graph)
        for fact in facts:
            index.by_id[fact.id] = fact
            subject, obj = nodes(fact)
            index.links[subject].add(obj)
            index.links[obj].add(subject)
            index.hubs |= {entity_key(n) for n in (fact.subject, fact.object) if is_hub(n)}
            index.parties |= {
                n for n, kind in zip(nodes(fact), (fact.subject_type, fact.object_type)) if kind == "party"
            }
        usable = [f for f in facts if index.usable(f)]
        index.busy = {node for node, linked in index.links.items() if len(linked) >= BUSY}
        index.drugs = drugs = {entity_key(f.subject) for f in usable if is_drug(f)}
        aspects = defaultdict(dict)
        for fact in usable:
            for node in nodes(fact):
                index.by_node[node].append(fact)
            objects[fact.relation].setdefault(entity_key(fact.object), fact)
            typed[fact.object_type].setdefault(entity_key(fact.object), fact)
            for entity, aspect in fact_aspects(fact, entity_key(fact.subject) in drugs):
                # 'What must sealed bids do?' asks the subject to act: only when it is the verb's own subject.
                if (
                    entity_key(entity) not in index.hubs
                    and (entity != fact.subject or asks_agent(fact))
                    and about_the_fact(fact)
                ):
                    aspects[(entity, aspect, aspect_scope(fact, aspect))][fact.id] = fact
        index.relation_objects = {relation: list(found.values()) for relation, found in objects.items()}
        index.type_objects = {kind: list(found.values()) for kind, found in typed.items()}
        index.aspects = {key: list(group.values()) for key, group in aspects.items()}
        for key, group in index.aspects.items():
            index.leads[min(group, key=lambda f: f.id).id].append(key)
        return index

    def usable(self, fact: Fact) -> bool:
        """Whether generation may write about the fact: confident, both arguments specific and whole phrases, its
        answer whole (no list cut off, no pointer into the document) and its document nameable."""
        return (
            fact.confidence >= self.min_confidence
            and not (generic_argument(fact.subject) or generic_argument(fact.object))
            and not vague_fact(fact.subject, fact.relation)
            and complete(fact)
            and standalone_fact(fact)
            and not fragment_fact(fact)
        )

    def neighbours(self, fact: Fact, avoid: set[str] = frozenset()) -> list[Fact]:
        """Usable facts sharing an entity with this one, hubs (and `avoid`) left out, in a stable order."""
        shared = [n for n in nodes(fact) if n not in self.hubs and n not in avoid]
        found = {f.id: f for node in shared for f in self.by_node.get(node, []) if f.id != fact.id}
        return [found[k] for k in sorted(found)]

    def walk(self, fact: Fact, steps: int) -> list[Fact]:
        """Up to `steps` further facts one step from the seed (two drift from levothyroxine to migraine), none with
        the evidence of an earlier one, whose answer would repeat: the topics a dialogue moves through."""
        said, order = {fact_text(fact)}, []
        for near in sorted(self.neighbours(fact), key=lambda f: stable(fact.id, f.id)):
            if len(order) < steps and fact_text(near) not in said:
                said.add(fact_text(near))
                order.append(near)
        return order

    def path(self, fact: Fact, hops: int, salt: int = 0) -> list[Fact]:
        """A chain of `hops` facts starting at this one, each sharing a non-hub entity with the next and adding a
        new non-hub one, each with evidence of its own and short names (a definition is no endpoint). Parties and busy
        entities are no bridge either: every clause of a contract names the supplier and every sentence of a label its
        product, so a path through them links anything to anything ('unborn baby' to 'rate greater than placebo')."""
        chain = [fact]
        while len(chain) < hops:
            used = {e for f in chain for e in nodes(f)}
            said = {fact_text(f) for f in chain}
            options = [
                f for f in self.neighbours(chain[-1], self.parties | self.busy)
                if set(nodes(f)) - used - self.hubs - self.parties - self.busy and fact_text(f) not in said
                and not co_effects(chain[-1], f) and max(len(f.subject.split()), len(f.object.split())) <= 6
            ]  # fmt: skip
            if not options:
                return []
            chain.append(options[stable(fact.id, salt, len(chain)) % len(options)])
        return chain

    def sibling(self, fact: Fact) -> Fact | None:
        """A fact of the same relation and qualifiers sharing the subject or the object, with a non-hub other end
        that neither an 'or' nor a rewording ties to the fact's: what a 'both' question sets beside it."""
        options = [
            f for f in self.neighbours(fact)
            if f.relation == fact.relation != "is_a" and (f.negated, f.hedged) == (fact.negated, fact.hedged)
            and (entity_key(f.subject) == entity_key(fact.subject)) != (entity_key(f.object) == entity_key(fact.object))
            and not set(nodes(f)) & self.hubs and not alternatives(fact, f) and not rewordings(fact, f)
            and len(" ".join({fact_text(fact), fact_text(f)}).split()) <= BOTH_WORDS
        ]  # fmt: skip
        return options[stable(fact.id, "sibling") % len(options)] if options else None

    def distractors(self, fact: Fact, count: int = 3) -> tuple[str, ...]:
        """Wrong options for a multiple-choice question, verified false for the subject: objects of the same type
        (same relation first) that no fact of the graph links to the subject in any way, that the evidence does not
        name, whose own evidence does not name the subject ('IBRANCE ... may cause serious infections' makes serious
        infections no wrong option for IBRANCE, though the fact's subject is the low cell counts), that neither
        contain nor sit inside the right answer, nor differ only in the head from it or from anything else linked to
        the subject ('fetal damage' beside 'fetal harm' may be as right), nor reword another option or anything
        linked ('discontinuation of treatment' beside 'treatment discontinuation'). Each list is read from a place picked per
        fact, so options vary between facts while a question costs a few checks, not a pass over every fact."""
        subject, right = entity_key(fact.subject), entity_key(fact.object)
        linked = self.links.get(subject, set()) | {subject, right}
        evidence = " ".join(e.sentence for e in fact.evidence).lower()
        picked: dict[str, str] = {}
        # A type as vague as 'entity' says nothing about what an option is: then only the relation's objects serve.
        typed = self.type_objects.get(fact.object_type, []) if fact.object_type != "entity" else []
        for pool in (self.relation_objects.get(fact.relation, []), typed):
            start = stable(fact.id, "distractors") % len(pool) if pool else 0
            for other in (*pool[start:], *pool[:start]):
                key = entity_key(other.object)
                if (
                    other.object_type == fact.object_type and other.domain == fact.domain
                    and key not in linked and key not in picked and key not in self.hubs
                    and right not in key and key not in right and other.object.lower() not in evidence
                    and not evidence_names(other, fact.subject)
                    and not any(same_modifiers(key, known) for known in linked)
                    and word_bag(key) not in {word_bag(k) for k in (*picked, *linked)}
                ):  # fmt: skip
                    picked[key] = other.object
                    if len(picked) == count:
                        return tuple(picked.values())
        return tuple(picked.values())

    def question_form(self, fact: Fact) -> str:
        """Which open question has this fact as its whole answer: 'what' (What does X cause?) when X has no other
        object under the relation, 'who_what' (What causes Y?) when Y has no other subject, else 'link'."""
        same = [f for f in self.by_node.get(entity_key(fact.subject), []) if f.relation == fact.relation]
        if fact.negated:
            return "yes_no"
        if fact.relation == "is_a":  # 'What is first-line antibiotic?' asks for a definition, not for the subject
            return "what" if len(same) <= 1 else "yes_no"
        if len({entity_key(f.object) for f in same if entity_key(f.subject) == entity_key(fact.subject)}) <= 1:
            return "what"
        into = [f for f in self.by_node.get(entity_key(fact.object), []) if f.relation == fact.relation]
        # not 'For LIPITOR, what lowers cholesterol?': the setting would name the answer; and a rule or contract asks
        # who must act, not 'what must exclude insurance?' (prices) or 'what must render recommended decision?'
        alone = len({entity_key(f.subject) for f in into if entity_key(f.object) == entity_key(fact.object)}) <= 1
        someone = fact.domain != "legal" or fact.subject_type == "party"
        if alone and someone and not names_product(fact.subject, fact):
            return "who_what"
        return "link"

    def aspects_led_by(self, fact: Fact) -> list[tuple[str, str, list[Fact]]]:
        """The aspect groups this fact leads (its id is the group's lowest), so each group is written once."""
        return [
            (entity, aspect, self.aspects[(entity, aspect, scope)])
            for entity, aspect, scope in self.leads.get(fact.id, [])
        ]

    def in_aspect(self, fact: Fact) -> bool:
        return any(fact.id in {f.id for f in self.aspects[key]} for key in self.aspect_keys(fact))

    def aspect_keys(self, fact: Fact) -> list[tuple[str, str, str]]:
        keys = [(e, a, aspect_scope(fact, a)) for e, a in fact_aspects(fact, entity_key(fact.subject) in self.drugs)]
        return [key for key in keys if key in self.aspects]


def co_effects(a: Fact, b: Fact) -> bool:
    """Two facts that only share their object under one relation ('rapid titration causes nausea', 'ferrous
    sulfate causes nausea'): a path through that object links things that have nothing to do with each other."""
    return a.relation == b.relation and entity_key(a.object) == entity_key(b.object)


def same_modifiers(a: str, b: str) -> bool:
    """'fetal damage' and 'fetal harm', 'kidney failure' and 'kidney problems': the same thing in other words, maybe."""
    first, second = a.split(), b.split()
    return len(first) > 1 and first[:-1] == second[:-1]


def word_bag(key: str) -> frozenset[str]:
    """'treatment discontinuation' and 'discontinuation of treatment' name one thing: the same words in any order."""
    return frozenset(key.split()) - {"of", "the", "a", "an", "to", "for", "in", "on", "with"}


def evidence_names(fact: Fact, entity: str) -> bool:
    """Whether the fact's evidence names the entity as a word."""
    text = " ".join(e.sentence for e in fact.evidence)
    return re.search(rf"(?<!\w){re.escape(entity)}(?!\w)", text, re.IGNORECASE) is not None


def nodes(fact: Fact) -> tuple[str, str]:
    return entity_key(fact.subject), entity_key(fact.object)


def asks_agent(fact: Fact) -> bool:
    """Whether a 'What does X ...?' question can be built from the fact (see generation/syntax.py)."""
    return lang_of(fact) != "en" or agent_of(fact, lemma_phrase(fact), fact.relation not in RELATION_TYPE)


def ruled_relation(fact: Fact) -> bool:
    """A relation the rules name (canonical, or a modal duty or right), not one read off the verb: open questions
    over the latter ('What does a small amount of another drug pass into?', 'What leads in HL?') were bad 16 of 22
    times in the dev labels of this round, against 4 of 9 over named relations."""
    return fact.relation in CANONICAL or fact.relation.startswith(MODAL_PREFIXES)


def fitting_types(fact: Fact, index: FactIndex, allowed: list[str] | None, aspects: bool = True) -> list[str]:
    """Question types this fact can carry, most specific first, the generic ones rotated per fact. A fact an aspect
    question gathers gets no open question of its own (the aspect asks it better); a negated fact only yes/no
    forms, as an open question or an option list would present it as true; a relation read off the verb no open
    question."""
    domain = fact.domain if fact.domain in QUESTION_TYPES else "general"
    specific = ["dosage"] if domain == "medical" and doses_drug(fact) else []
    if not (aspects and index.in_aspect(fact)) and (fact.relation in RELATION_TYPE or ruled_relation(fact)):
        specific += [RELATION_TYPE.get(fact.relation, "explanation")]
    specific = [] if fact.negated else specific
    specific += ["comparison"] if index.sibling(fact) else []
    generic = list(GENERIC_TYPES[domain][:2])
    shift = stable(fact.id, "types") % len(generic)
    ordered = [*specific, *generic[shift:], *generic[:shift], GENERIC_TYPES[domain][2]]
    # Options only make sense for a relation with a meaning of its own ('causes', not 'be started at'), and they
    # present the right one as plainly true: not a rare use ('Allopurinol is rarely indicated for use in children').
    if fact.negated or rare(fact) or fact.relation not in RELATION_TYPE or len(index.distractors(fact)) < 2:
        ordered = [t for t in ordered if t != "multiple_choice"]
    if not plain_polarity(fact):
        ordered = [t for t in ordered if t not in YES_NO_TYPES]
    # A relation read off the surface ('tell', 'forfeit') asks nothing unless its subject does it; an open question
    # needs that even of a pattern's relation ('What does haloperidol cause?').
    agent = asks_agent(fact)
    if not agent and fact.relation not in RELATION_TYPE:
        return []
    if not agent or index.question_form(fact) not in ("what", "who_what"):
        ordered = [t for t in ordered if t not in OPEN_TYPES]
    types = [t for t in dict.fromkeys(ordered) if t in QUESTION_TYPES[domain]]
    return [t for t in types if t in allowed] if allowed else types


def plan_fact(fact: Fact, index: FactIndex, cfg) -> list[Job]:
    """Every sample to write for one fact, within the configured quotas (cfg is a GenerationConfig): nothing for a
    fact generation may not use."""
    if not index.usable(fact):
        return []
    personas = PERSONAS[fact.domain if fact.domain in PERSONAS else "general"]

    def style(n: int) -> dict:
        return {
            "persona": personas[stable(fact.id, "persona", n) % len(personas)],
            "difficulty": DIFFICULTIES[stable(fact.id, "difficulty", n) % len(DIFFICULTIES)],
            "grounded": cfg.style == "grounded",
        }

    jobs = []
    types = fitting_types(fact, index, cfg.question_types, cfg.aspect_questions)
    for n, qtype in enumerate(types[: cfg.qa_per_fact]):
        facts = (fact, index.sibling(fact)) if qtype == "comparison" else (fact,)
        options = index.distractors(fact) if qtype == "multiple_choice" else ()
        jobs.append(Job("qa", facts, qtype, options=options, forms=(index.question_form(fact),), **style(n)))
    if cfg.aspect_questions and (not cfg.question_types or "aspect" in cfg.question_types):
        for n, (entity, aspect, group) in enumerate(index.aspects_led_by(fact)):
            jobs.append(Job("qa", tuple(group), "aspect", aspect=aspect, entity=entity, **style(50 + n)))
    for n in range(cfg.dialogues_per_fact):
        turns = cfg.min_turns + stable(fact.id, "turns", n) % (cfg.max_turns - cfg.min_turns + 1)
        walk = (fact, *index.walk(fact, turns - 1))
        # A walk that runs out of neighbours ends the dialogue early; one fact alone is a QA, not a dialogue.
        if len(walk) > 1:
            forms = tuple(index.question_form(f) for f in walk)
            jobs.append(Job("dialogue", walk, turns=len(walk), forms=forms, **style(100 + n)))
    for n in range(cfg.multihop_per_fact):
        hops = 2 + stable(fact.id, "hops", n) % 2
        path = index.path(fact, hops, n) or index.path(fact, 2, n)
        if path:
            jobs.append(Job("multihop", tuple(path), "multihop", **style(200 + n)))
    return [replace(j, reasoning=j.kind != "dialogue") for j in jobs] if cfg.reasoning else jobs
