"""Per-domain relation vocabulary: surface lemma phrases mapped onto canonical relations.

The extractor builds a surface phrase from lemmas ('be contraindicate in', 'increase risk of', 'shall pay');
this module names it. Unknown phrases keep their lemma phrase in snake_case, so nothing is lost."""

from __future__ import annotations

SHARED = {
    "be": "is_a",
    "be a": "is_a",
    "cause": "causes",
    "induce": "causes",
    "trigger": "causes",
    "lead to": "causes",
    "result in": "causes",
    "be due to": "causes",
    "be cause of": "causes",
    "include": "includes",
    "be associated with": "associated_with",
    "be linked to": "associated_with",
    "be linked with": "associated_with",
    "be related to": "associated_with",
    "require": "requires",
}
MEDICAL = {
    "treat": "treats",
    "relieve": "treats",
    "manage": "treats",
    "be used to treat": "treats",
    "be used for treatment of": "treats",
    "be used in treatment of": "treats",
    "be treatment for": "treats",
    "be treatment of": "treats",
    "be therapy for": "treats",
    "be effective in": "treats",
    "be effective for": "treats",
    "be indicated for": "indicated_for",
    "be indicated in": "indicated_for",
    "be contraindicated in": "contraindicated_in",
    "be contraindicated during": "contraindicated_in",
    "be contraindicated with": "contraindicated_in",
    "be contraindicated for": "contraindicated_in",
    "should not be used in": "contraindicated_in",
    "should not be used during": "contraindicated_in",
    "should not be used with": "contraindicated_in",
    "should not be given in": "contraindicated_in",
    "should not be given to": "contraindicated_in",
    "should not be started in": "contraindicated_in",
    "should not be started during": "contraindicated_in",
    "be avoided in": "contraindicated_in",
    "be indicated for treatment of": "indicated_for",
    "increase risk of": "increases_risk_of",
    "raise risk of": "increases_risk_of",
    "be risk factor for": "increases_risk_of",
    "reduce risk of": "reduces_risk_of",
    "lower risk of": "reduces_risk_of",
    "decrease risk of": "reduces_risk_of",
    "inhibit": "inhibits",
    "block": "inhibits",
    "reduce": "reduces",
    "lower": "reduces",
    "decrease": "reduces",
    "increase": "increases",
    "raise": "increases",
    "elevate": "increases",
    "diagnose": "diagnoses",
    "be used to diagnose": "diagnoses",
    "confirm diagnosis of": "diagnoses",
    "support diagnosis of": "diagnoses",
    "establish diagnosis of": "diagnoses",
    "interact with": "interacts_with",
    "prevent": "prevents",
    "be used to prevent": "prevents",
    "monitor": "monitors",
    "follow": "associated_with",
    "be treated with": "associated_with",
}
# Copular sentences whose noun carries the relation; True means the subject is the effect, not the cause.
MEDICAL_INVERSE = {"be effect of": "causes", "be complication of": "causes", "be side effect of": "causes"}
LEGAL = {
    "notify": "notifies",
    "terminate": "terminates",
    "pay": "pays",
    "indemnify": "indemnifies",
    "govern": "governs",
    "be liable for": "liable_for",
    "be liable to": "liable_for",
    "be responsible for": "responsible_for",
    "be entitled to": "entitled_to",
    "have right to": "entitled_to",
    "apply to": "applies_to",
    "prohibit": "prohibits",
    "grant": "grants",
    "breach": "breaches",
}
VOCABULARY = {"medical": {**SHARED, **MEDICAL}, "legal": {**SHARED, **LEGAL}, "general": {**SHARED, **MEDICAL, **LEGAL}}
CANONICAL = {name for names in (SHARED, MEDICAL, MEDICAL_INVERSE, LEGAL) for name in names.values()}
# Nouns that carry the relation when they are the object and take this preposition: 'increase the risk of Y'.
LIGHT_NOUNS = {"risk": "of", "diagnosis": "of", "treatment": "of", "right": "to"}
# Copular nouns that carry the relation: 'X is a risk factor for Y', 'Y is an adverse effect of X'.
COPULAR_NOUNS = {
    ("treatment", "for"),
    ("treatment", "of"),
    ("therapy", "for"),
    ("factor", "for"),
    ("cause", "of"),
    ("effect", "of"),
    ("complication", "of"),
}
OBLIGATION = {"shall": "must", "must": "must", "may": "may", "can": "may", "should": "should"}


def passive_modal(relation: str) -> bool:
    """'must_be_filed_with': a duty or permission about what is acted on, not about who acts."""
    return relation.split("_")[1:2] == ["be"]


def is_inverse(surface: str) -> bool:
    """Whether the phrase names the effect first ('be effect of'), so subject and object swap."""
    return surface in MEDICAL_INVERSE


def canonical_relation(surface: str, domain: str = "general") -> str:
    """The canonical name of a surface relation, or the surface phrase in snake_case when unknown.

    Modals become part of the relation ('shall pay' -> must_pay, 'may terminate' -> may_terminate, 'should be
    aware of' -> should_be_aware_of)."""
    phrase = " ".join(surface.lower().split())
    vocabulary = VOCABULARY.get(domain, VOCABULARY["general"])
    if phrase in vocabulary:
        return vocabulary[phrase]
    if phrase in MEDICAL_INVERSE:
        return MEDICAL_INVERSE[phrase]
    modal, _, rest = phrase.partition(" ")
    if modal in ("shall", "will") and rest.startswith("be entitled to"):
        return "entitled_to"  # 'shall be entitled to receive a bill of sale' grants a right, it imposes no duty
    if modal in OBLIGATION and rest:
        return f"{OBLIGATION[modal]}_{rest.replace(' ', '_')}"
    return phrase.replace(" ", "_")
