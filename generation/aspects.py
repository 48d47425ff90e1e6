"""Entity-level questions: every fact of one aspect of a condition, drug, party or clause ('What are the side effects
of X?', 'What must the supplier do?'), gathered into one question and answered with all of them."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from generation.passage import rare
from generation.records import Sample
from generation.syntax import sentence_of
from kgraph.entities import names_someone
from kgraph.records import Fact
from kgraph.relations import passive_modal

USES = {
    "treats", "indicated_for", "be_recommended_for", "be_used_for", "be_given_for", "be_recommended_as",
    "be_indicated_for", "relieve", "be_treatment_for",
}  # fmt: skip
PREVENTS = {"prevents", "reduces_risk_of"}
HARMS = {"causes", "increases_risk_of", "associated_with", "be_associated_with", "may_lead_to", "leads_to"}
ASSOCIATIONS = {"associated_with", "be_associated_with"}
NOT_CAUSED = {"drug", "test", "party"}  # things that have uses, not causes
DIAGNOSES = {"diagnoses", "confirm", "support_diagnosis_of", "suggest"}
DIAGNOSED_BY = {"diagnosed_by", "be_confirmed_with", "be_diagnosed_with"}
# How a drug works, not what it changes: 'How does X work?' answered with 'X may further lower blood pressure' or 'X
# is a medicine that lowers cholesterol' was bad every time in the dev labels of this round.
ACTS = {"inhibits", "block", "deplete", "replenish", "reverse", "bind", "antagonize", "activate"}
CONTRA = {"contraindicated_in", "should_not_be_used_for", "should_not_be_used_in", "should_not_be_given_with"}
LIABLE = {"liable_for", "responsible_for", "indemnifies", "must_indemnify"}
RIGHTS = {"entitled_to", "has_right_to", "give_right_to"}
SCOPE = {"governed_by", "be_subject_to", "applies_to", "be_limited_to"}
DEFINES = {"includes", "means", "be_defined_as"}
# 'a fall in serum uric acid' is a drug's effect, not a condition with causes and risk factors
CHANGES = {"fall", "rise", "increase", "decrease", "reduction", "elevation", "decline", "drop", "change", "improvement"}


# The question that gathers each aspect; {e} is the entity.
ASPECT_QUESTIONS = {
    "definition": "What is {e}?",
    "uses": "What is {e} used for?",
    "treatment": "How is {e} treated?",
    "prevention": "How can the risk of {e} be reduced?",
    "causes": "What are the causes and risk factors of {e}?",
    "adverse_effects": "What are the side effects and risks of {e}?",
    "effects": "What can {e} lead to?",
    "contraindications": "When should {e} not be used?",
    "diagnosis": "How is {e} diagnosed?",
    "mechanism": "How does {e} work?",
    "risk_groups": "Who does {e} affect?",
    "obligations": "What must {e} do?",
    "rights": "What rights does {e} have?",
    "liability": "What is {e} responsible for?",  # a duty or a liability; "liable" misreads a duty
    "conditions": "What rules and conditions apply to {e}?",
    "consequences": "What are the consequences of {e}?",
    "meaning": "What does {e} cover?",
}


def medical_aspects(fact: Fact, drug: bool) -> list[tuple[str, str]]:
    """(entity, aspect) pairs a medical fact belongs to; `drug` says whether its subject is a medicine."""
    r, s, o = fact.relation, fact.subject, fact.object
    found = []
    if r == "is_a" and not fact.negated:
        found.append((s, "definition"))
    if r in USES:
        found += [(s, "uses"), (o, "treatment")]
    if r in PREVENTS:
        found += [(s, "uses")] if drug else []
        found.append((o, "prevention"))
    # 'Renal failure is associated with gouty nephropathy' says neither which causes which nor what either leads to
    undirected = r in ASSOCIATIONS and not drug and fact.object_type != "drug"
    if r in HARMS and not undirected:
        # 'hypersensitivity reactions associated with allopurinol' tells allopurinol's risks, not the reactions'
        turned = r in ASSOCIATIONS and fact.object_type == "drug" and not drug
        agent, outcome = (o, s) if turned else (s, o)
        found.append((agent, "adverse_effects" if drug or turned else "effects"))
        # never 'What are the causes and risk factors of allopurinol?'; nor of an effect merely reported with a drug
        # ('haloperidol has been associated with persistent dyskinesias' answered it badly 3 of 3 times in dev labels)
        change = outcome.lower().split()[0] in CHANGES if outcome.split() else False
        if (fact.subject_type if turned else fact.object_type) not in NOT_CAUSED and r not in ASSOCIATIONS:
            found += [] if change else [(outcome, "causes")]

    if r in DIAGNOSES:
        found.append((o, "diagnosis"))
    if r in DIAGNOSED_BY:
        found.append((s, "diagnosis"))
    # 'Allopurinol also inhibits the oxidation of mercaptopurine': an action besides the one that makes it work
    if r in ACTS and drug and not fact.hedged and not re.search(r"\balso\b", sentence_of(fact), re.IGNORECASE):
        found.append((s, "mechanism"))
    if r in CONTRA:
        found.append((s, "contraindications"))
    if r == "affect":
        found.append((s, "risk_groups"))
    return found


def legal_aspects(fact: Fact) -> list[tuple[str, str]]:
    """(entity, aspect) pairs a legal fact belongs to: duties, permissions, liability, scope, meaning."""
    r, s = fact.relation, fact.subject
    surface = fact.surface_relation.split()[:1]
    # 'What must X do?' and 'What rights does X have?' ask X to act: not of a passive ('products may be added').
    active = not passive_modal(r) and fact.surface_relation.split()[1:2] != ["be"]
    active = active and names_someone(s)  # 'What must prices do?' asks a term to act
    if r in LIABLE:
        return [(s, "liability")]
    if active and (r.startswith(("must_", "require")) or surface in (["shall"], ["must"])):
        return [(s, "obligations")]
    if active and (r.startswith("may_") or r in RIGHTS or surface in (["may"], ["can"])):
        return [(s, "rights")]
    if r in SCOPE:
        return [(s, "conditions")]
    if r in HARMS:
        return [(s, "consequences")]
    if r in DEFINES:
        return [(s, "meaning")]
    if r == "is_a" and not fact.negated:
        return [(s, "definition")]
    return []


def fact_aspects(fact: Fact, drug: bool) -> list[tuple[str, str]]:
    """The (entity name, aspect) pairs of a fact, by its domain; none for a negated fact, which would answer 'How can
    the risk of X be reduced?' with 'there is no assurance that monitoring will prevent X', nor for a rare one ('What
    is allopurinol used for?' answered 'it is rarely indicated for use in children')."""
    if fact.negated or rare(fact):
        return []
    if fact.domain == "medical":
        return medical_aspects(fact, drug)
    if fact.domain == "legal":
        return legal_aspects(fact)
    return [(fact.subject, "definition")] if fact.relation == "is_a" and not fact.negated else []


def belongs_to(fact: Fact, aspect: str) -> bool:
    """Whether today's rules put the fact in the aspect, with its subject read as a drug or not (the judge sees one
    sample's facts, not the graph that tells): a sample written under older rules may ask an aspect it no longer
    answers ('What are the causes of persistent dyskinesias?' from a drug merely associated with them)."""
    return any(a == aspect for drug in (True, False) for _, a in fact_aspects(fact, drug))


def is_drug(fact: Fact) -> bool:
    """Whether the subject is a medicine: typed so, or named as what treats something."""
    return fact.subject_type == "drug" or fact.relation in USES


def coverage_report(samples: list[Sample]) -> dict:
    """Per-entity aspect coverage of a run: entities with an aspect question, aspects per entity, count per aspect."""
    per_entity: dict[str, set[str]] = defaultdict(set)
    per_aspect: Counter = Counter()
    for sample in samples:
        aspect, entity = sample.style.get("aspect"), sample.style.get("entity")
        if aspect and entity:
            per_entity[entity.lower()].add(aspect)
            per_aspect[aspect] += 1
    return {
        "entities_with_aspect": len(per_entity),
        "aspects_per_entity": round(sum(map(len, per_entity.values())) / len(per_entity), 2) if per_entity else 0.0,
        "per_aspect": dict(per_aspect.most_common()),
    }
