"""Per-domain relation vocabulary: surface lemma phrases mapped onto canonical relations."""

from __future__ import annotations

SHARED = {
    "be": "is_a",
    "be a": "is_a",
    "cause": "causes",
    "lead to": "causes",
    "result in": "causes",
    "be cause by": "causes",
    "include": "includes",
    "be associated with": "associated_with",
    "be link to": "associated_with",
    "be relate to": "associated_with",
    "require": "requires",
}
MEDICAL = {
    "treat": "treats",
    "be use for": "treats",
    "be use to treat": "treats",
    "be indicated for": "indicated_for",
    "be indicate for": "indicated_for",
    "be contraindicated in": "contraindicated_in",
    "be contraindicate in": "contraindicated_in",
    "should not be use in": "contraindicated_in",
    "increase risk of": "increases_risk_of",
    "reduce risk of": "reduces_risk_of",
    "lower risk of": "reduces_risk_of",
    "inhibit": "inhibits",
    "block": "inhibits",
    "reduce": "reduces",
    "lower": "reduces",
    "decrease": "reduces",
    "increase": "increases",
    "raise": "increases",
    "diagnose": "diagnoses",
    "confirm": "diagnoses",
    "be diagnose by": "diagnosed_by",
    "interact with": "interacts_with",
    "prevent": "prevents",
    "monitor": "monitors",
}
LEGAL = {
    "shall notify": "must_notify",
    "notify": "notifies",
    "terminate": "may_terminate",
    "may terminate": "may_terminate",
    "pay": "must_pay",
    "indemnify": "indemnifies",
    "govern": "governs",
    "be govern by": "governed_by",
    "be liable for": "liable_for",
    "be entitle to": "entitled_to",
    "have right to": "has_right_to",
    "apply to": "applies_to",
    "prohibit": "prohibits",
    "grant": "grants",
}
VOCABULARY = {"medical": {**SHARED, **MEDICAL}, "legal": {**SHARED, **LEGAL}, "general": {**SHARED, **MEDICAL, **LEGAL}}


def canonical_relation(surface: str, domain: str = "general") -> str:
    """The canonical name of a surface relation, or the surface phrase in snake_case when unknown."""
    phrase = " ".join(surface.lower().split())
    vocabulary = VOCABULARY.get(domain, VOCABULARY["general"])
    return vocabulary.get(phrase) or phrase.replace(" ", "_")
