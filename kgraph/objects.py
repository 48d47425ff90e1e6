"""What a predicate relates its subject to: direct objects, light nouns ('increases the risk of Y'), copular nouns
('X is a risk factor for Y') and effort nouns ('shall use reasonable efforts to deliver Y')."""

from __future__ import annotations

from collections.abc import Iterator

from kgraph.relations import COPULAR_NOUNS, LIGHT_NOUNS, is_inverse

OBJECT_DEPS = {"dobj", "attr", "oprd"}
NOUNISH = {"NOUN", "PROPN", "NUM", "X"}
LIGHT_PREPOSITIONS = {"for": "of"}
EFFORTS = {"attempt", "effort", "endeavor", "endeavour"}


def modal_of(phrase: str, lemma: str) -> str:
    """The lemma with the modal the phrase carries: 'must be established' by X -> 'must establish'."""
    first = phrase.split()[0]
    return f"{first} {lemma}" if first in ("shall", "must", "may", "can", "should") else lemma


def prep_objects(prep) -> list:
    """Objects of a preposition; a gerund complement counts ('object to processing')."""
    return [c for c in prep.children if c.dep_ == "pobj" or (c.dep_ == "pcomp" and c.tag_ == "VBG")]


def light_noun(token):
    """(noun lemma, preposition, objects) when the noun carries the relation: 'the risk of bleeding' ('the risk
    for stroke' reads as 'risk of')."""
    lemma = token.lemma_.lower()
    wanted = LIGHT_NOUNS.get(lemma)
    for prep in token.children:
        if (
            wanted
            and prep.dep_ == "prep"
            and LIGHT_PREPOSITIONS.get(prep.lower_, prep.lower_) == wanted
            and prep_objects(prep)
        ):
            return lemma, wanted, prep_objects(prep)
    return None


def object_candidates(verb, subject, phrase: str) -> Iterator[tuple]:
    """(subject, surface, object) from direct objects, attributes, light nouns and xcomp verbs."""
    carried = None  # a light noun's relation, which a list the parser split off carries on
    for child in verb.children:
        if is_recipient(child):
            continue
        if child.dep_ in OBJECT_DEPS and (child.pos_ in NOUNISH or child.tag_ == "VBG"):
            light = light_noun(child)
            if verb.lemma_ == "be" and child.dep_ == "attr":
                yield from copular_candidates(subject, child)
            elif light:
                noun, prep, objects = light
                carried = f"{phrase} {noun} {prep}"
                for obj in objects:
                    yield subject, carried, obj
            elif carried and child.dep_ == "dobj":  # 'lower the risk for heart attack, ..., and chest pain'
                yield subject, carried, child
            elif child.lemma_.lower() in EFFORTS and verb.lemma_.lower() in ("make", "use"):
                yield from effort_candidates(subject, phrase, child)
            else:
                yield subject, phrase, child
        elif child.dep_ == "xcomp" and child.pos_ == "VERB" and not any(c.dep_ == "dobj" for c in verb.children):
            # 'may authorize the GSA to conduct the sale': the conducting is the object's, so only 'X to do Y'
            for obj in (c for c in child.children if c.dep_ == "dobj"):
                yield subject, f"{phrase} to {child.lemma_.lower()}", obj


def is_recipient(token) -> bool:
    """'shall provide the Buyer the following services': of two objects in a row the first is who receives the
    second, an indirect object the parser read as direct (a comma between them splits a list, and a second object
    without its determiner is the rest of a split name: 'mean BlackMP Living Water')."""
    following = token.right_edge.i + 1
    second = [c for c in token.head.children if c.dep_ == "dobj" and c.left_edge.i == following]
    return token.dep_ == "dobj" and any(c.left_edge.pos_ == "DET" for c in second)


def effort_candidates(subject, phrase: str, effort) -> Iterator[tuple]:
    """'shall use reasonable efforts to deliver the Products', 'will not make any attempt to correct errors': the
    effort's infinitive is the relation, with the main verb's modal."""
    for action in (c for c in effort.children if c.dep_ == "acl" and c.pos_ == "VERB"):
        for verb in (action, *(c for c in action.conjuncts if c.pos_ == "VERB")):
            for obj in (c for c in verb.children if c.dep_ == "dobj"):
                yield subject, modal_of(phrase, verb.lemma_.lower()), obj


def copular_candidates(subject, attr) -> Iterator[tuple]:
    """'X is a Y' (is_a), unless the noun carries the relation: 'X is a risk factor for Y'."""
    for prep in (c for c in attr.children if c.dep_ == "prep"):
        if (attr.lemma_.lower(), prep.lower_) in COPULAR_NOUNS:
            surface = f"be {attr.lemma_.lower()} {prep.lower_}"
            if attr.lemma_.lower() == "factor" and any(c.lower_ == "risk" for c in attr.children):
                surface = "be risk factor for"
            for obj in prep_objects(prep):
                if is_inverse(surface):
                    yield obj, surface, subject
                else:
                    yield subject, surface, obj
            return
    # 'The most common adverse reactions are headache, flushing and dyspepsia' lists members, defines nothing.
    listed = subject.tag_ in ("NNS", "NNPS") and any(c.dep_ == "conj" for c in attr.children)
    yield subject, "include" if listed else "be", attr
