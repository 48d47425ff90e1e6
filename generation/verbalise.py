"""Turn a fact back into plain English: the statement an answer makes and the phrases questions use."""

from __future__ import annotations

from kgraph.records import Fact

# Canonical relations whose surface lemma reads badly; everything else is conjugated from its surface form.
PHRASES = {
    "is_a": "be",
    "causes": "cause",
    "treats": "treat",
    "indicated_for": "be indicated for",
    "contraindicated_in": "be contraindicated in",
    "associated_with": "be associated with",
    "increases_risk_of": "increase the risk of",
    "reduces_risk_of": "reduce the risk of",
    "diagnosed_by": "be diagnosed by",
    "governed_by": "be governed by",
    "liable_for": "be liable for",
    "entitled_to": "be entitled to",
    "must_notify": "shall notify",
    "must_pay": "shall pay",
    "may_terminate": "may terminate",
}
MODALS = {"shall", "may", "must", "can", "should", "will", "might", "could"}


# Singular nouns that end like plurals.
SINGULAR_S = {"diabetes", "measles", "mumps", "rabies", "herpes", "scabies", "series", "species", "news", "lens", "gas"}


def looks_plural(noun_phrase: str) -> bool:
    last = noun_phrase.split()[-1].lower() if noun_phrase.split() else ""
    if last in SINGULAR_S:
        return False
    return (last.endswith("s") and not last.endswith(("ss", "us", "is", "sis"))) or " and " in noun_phrase


def third_person(verb: str) -> str:
    """Present tense, third person singular: 'treats', 'reduces', 'has'."""
    if verb == "have":
        return "has"
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def lemma_phrase(fact: Fact) -> str:
    """The relation as a base-form verb phrase ('be contraindicated in', 'treat')."""
    if fact.relation in PHRASES:
        return PHRASES[fact.relation]
    surface = fact.surface_relation or fact.relation.replace("_", " ")
    return surface.replace("be cause by", "cause")


def verb_phrase(fact: Fact, plural: bool) -> str:
    """Conjugated predicate with negation and hedging kept: 'does not treat', 'may cause', 'is not'."""
    words = lemma_phrase(fact).split()
    head, rest = words[0], words[1:]
    tail = (" " + " ".join(rest)) if rest else ""
    if head in MODALS:
        return f"{head} not{tail}" if fact.negated else f"{head}{tail}"
    if fact.hedged:
        return f"may not {head}{tail}" if fact.negated else f"may {head}{tail}"
    if head == "be":
        be = "are" if plural else "is"
        return f"{be} not{tail}" if fact.negated else f"{be}{tail}"
    if fact.negated:
        return f"{'do' if plural else 'does'} not {head}{tail}"
    return f"{head if plural else third_person(head)}{tail}"


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def statement(fact: Fact) -> str:
    """'Metformin is contraindicated in severe renal impairment.'"""
    return sentence_case(f"{fact.subject} {verb_phrase(fact, looks_plural(fact.subject))} {fact.object}".strip()) + "."
