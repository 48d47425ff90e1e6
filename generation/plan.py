"""The generation plan: per fact, which samples to write (kind, question type, persona, difficulty, the facts each
draws on), decided deterministically from the fact and its neighbourhood in the graph."""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from kgraph.graph import entity_key, graph_facts
from kgraph.records import Fact

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
    ),
    "general": ("definition", "explanation", "comparison", "yes_no", "multiple_choice"),
}
ALL_TYPES = sorted({t for types in QUESTION_TYPES.values() for t in types})
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
GENERIC_TYPES = {
    "medical": ("yes_no", "clinical_vignette", "multiple_choice"),
    "legal": ("scenario", "yes_no", "multiple_choice"),
    "general": ("explanation", "yes_no", "multiple_choice"),
}
PERSONAS = {
    "medical": ("patient", "student", "clinician"),
    "legal": ("client", "paralegal", "lawyer"),
    "general": ("learner", "practitioner"),
}
DIFFICULTIES = ("basic", "intermediate", "advanced")
DOSE = re.compile(r"\b\d+(\.\d+)?\s*(mg|g|mcg|µg|microgram|units?|ml|mmol)\b", re.IGNORECASE)


def stable(*keys: object) -> int:
    """A stable number from keys, so plans (and offline samples) are the same on every run."""
    return int.from_bytes(hashlib.sha1("|".join(map(str, keys)).encode()).digest()[:4], "big")


def lang_of(fact: Fact) -> str:
    """The source document's language, read from the evidence sentence (Chinese or English)."""
    text = fact.evidence[0].sentence if fact.evidence else fact.subject + fact.object
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


@dataclass(frozen=True)
class Job:
    """One sample to write: its kind, the facts it draws on (seed first), and the style that shapes its wording."""

    kind: str
    facts: tuple[Fact, ...]
    question_type: str = ""
    persona: str = ""
    difficulty: str = ""
    turns: int = 1
    options: tuple[str, ...] = ()

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
        return {k: v for k, v in style.items() if v}


@dataclass
class FactIndex:
    """The graph's facts by id, entity and relation: where walks, paths, siblings and distractors come from."""

    by_id: dict[str, Fact] = field(default_factory=dict)
    by_node: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    relation_objects: dict[str, list[str]] = field(default_factory=dict)  # distinct, in first-seen order

    @classmethod
    def of(cls, graph: nx.MultiDiGraph) -> FactIndex:
        index, objects = cls(), defaultdict(dict)
        for fact in graph_facts(graph):
            index.by_id[fact.id] = fact
            index.by_node[entity_key(fact.subject)].append(fact)
            index.by_node[entity_key(fact.object)].append(fact)
            objects[fact.relation][fact.object] = None
        index.relation_objects = {relation: list(found) for relation, found in objects.items()}
        return index

    def neighbours(self, fact: Fact) -> list[Fact]:
        """Facts sharing an entity with this one, in a stable order."""
        found = {f.id: f for node in nodes(fact) for f in self.by_node.get(node, []) if f.id != fact.id}
        return [found[k] for k in sorted(found)]

    def walk(self, fact: Fact, steps: int) -> list[Fact]:
        """Up to `steps` further facts, breadth first from this one: the topics a dialogue moves through."""
        seen, frontier, order = {fact.id}, [fact], []
        while frontier and len(order) < steps:
            nxt = []
            for current in frontier:
                for near in self.neighbours(current):
                    if near.id not in seen and len(order) < steps:
                        seen.add(near.id)
                        order.append(near)
                        nxt.append(near)
            frontier = nxt
        return order

    def path(self, fact: Fact, hops: int, salt: int = 0) -> list[Fact]:
        """A chain of `hops` facts starting at this one, each sharing an entity with the next and adding a new one."""
        chain = [fact]
        while len(chain) < hops:
            used = {e for f in chain for e in nodes(f)}
            options = [f for f in self.neighbours(chain[-1]) if set(nodes(f)) - used]
            if not options:
                return []
            chain.append(options[stable(fact.id, salt, len(chain)) % len(options)])
        return chain

    def sibling(self, fact: Fact) -> Fact | None:
        """A fact of the same relation sharing the subject or the object: what a comparison sets beside it."""
        options = [f for f in self.neighbours(fact) if f.relation == fact.relation and f.object != fact.object]
        return options[stable(fact.id, "sibling") % len(options)] if options else None

    def distractors(self, fact: Fact, count: int = 3) -> tuple[str, ...]:
        """Wrong options for a multiple-choice question: objects of other facts, same relation first.

        The relation's objects are read from a place picked per fact, so options vary between facts while each
        question costs a few checks, not a pass over every fact of the relation."""
        same = self.relation_objects.get(fact.relation, [])
        start = stable(fact.id, "distractors") % len(same) if same else 0
        subject = entity_key(fact.subject)
        other = [f.object for f in self.by_node.get(subject, [])]
        # An option that is also true would make the question wrong: the subject's other objects under this
        # relation, and anything named in the evidence sentence, are never distractors.
        true = {entity_key(f.object) for f in self.by_node.get(subject, [])
                if f.relation == fact.relation and entity_key(f.subject) == subject and not f.negated}  # fmt: skip
        true.add(entity_key(fact.object))
        evidence = " ".join(e.sentence for e in fact.evidence).lower()
        picked: dict[str, str] = {}
        for option in (*same[start:], *same[:start], *sorted(other, key=lambda o: stable(fact.id, o))):
            key = entity_key(option)
            if key not in true and key not in picked and option.lower() not in evidence:
                picked[key] = option
                if len(picked) == count:
                    break
        return tuple(picked.values())


def nodes(fact: Fact) -> tuple[str, str]:
    return entity_key(fact.subject), entity_key(fact.object)


def fitting_types(fact: Fact, index: FactIndex, allowed: list[str] | None) -> list[str]:
    """Question types this fact can carry, most specific first, the generic ones rotated per fact."""
    domain = fact.domain if fact.domain in QUESTION_TYPES else "general"
    evidence = fact.evidence[0].sentence if fact.evidence else ""
    specific = ["dosage"] if domain == "medical" and DOSE.search(f"{fact.object} {evidence}") else []
    specific += [RELATION_TYPE[fact.relation]] if fact.relation in RELATION_TYPE else []
    specific += ["comparison"] if index.sibling(fact) else []
    generic = list(GENERIC_TYPES[domain])
    shift = stable(fact.id, "types") % len(generic)
    ordered = [*specific, *generic[shift:], *generic[:shift]]
    if len(index.distractors(fact)) < 2:
        ordered = [t for t in ordered if t != "multiple_choice"]
    types = [t for t in dict.fromkeys(ordered) if t in QUESTION_TYPES[domain]]
    return [t for t in types if t in allowed] if allowed else types


def plan_fact(fact: Fact, index: FactIndex, cfg) -> list[Job]:
    """Every sample to write for one fact, within the configured quotas (cfg is a GenerationConfig)."""
    domain = fact.domain if fact.domain in PERSONAS else "general"
    personas = PERSONAS[domain]

    def style(n: int) -> dict[str, str]:
        return {
            "persona": personas[stable(fact.id, "persona", n) % len(personas)],
            "difficulty": DIFFICULTIES[stable(fact.id, "difficulty", n) % len(DIFFICULTIES)],
        }

    jobs = []
    for n, qtype in enumerate(fitting_types(fact, index, cfg.question_types)[: cfg.qa_per_fact]):
        facts = (fact, index.sibling(fact)) if qtype == "comparison" else (fact,)
        options = index.distractors(fact) if qtype == "multiple_choice" else ()
        jobs.append(Job("qa", facts, qtype, options=options, **style(n)))
    for n in range(cfg.dialogues_per_fact):
        turns = cfg.min_turns + stable(fact.id, "turns", n) % (cfg.max_turns - cfg.min_turns + 1)
        walk = (fact, *index.walk(fact, turns - 1))
        # Past the walk, two more questions about the seed (certainty, exact words) and no more.
        turns = max(cfg.min_turns, min(turns, len(walk) + 2))
        jobs.append(Job("dialogue", walk, turns=turns, **style(100 + n)))
    for n in range(cfg.multihop_per_fact):
        hops = 2 + stable(fact.id, "hops", n) % 2
        path = index.path(fact, hops, n) or index.path(fact, 2, n)
        if path:
            jobs.append(Job("multihop", tuple(path), "multihop", **style(200 + n)))
    return jobs
