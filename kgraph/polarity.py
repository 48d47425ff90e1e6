"""Negation, hedging and modality of a predicate, from its own words and from the clause that governs it."""

from __future__ import annotations

SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
NEGATIONS = {"not", "never", "n't"}
HEDGE_MODALS = {"medical": {"may", "might", "could", "can"}, "legal": {"might", "could"}}
HEDGE_MODALS["general"] = HEDGE_MODALS["medical"]
HEDGE_ADVERBS = {
    "possibly", "probably", "likely", "perhaps", "potentially", "presumably", "rarely", "occasionally", "sometimes",
}  # fmt: skip
# 'Hepatitis caused by gliclazide is uncommon': the main clause qualifies the fact its subject carries.
RARE = {"uncommon", "rare", "unusual", "infrequent", "unlikely", "possible"}
HEDGE_VERBS = {"suggest", "appear", "seem", "believe", "think", "propose", "hypothesise", "hypothesize", "speculate"}
# Modals that belong in the relation: 'shall pay' is an obligation, 'may terminate' a right, 'should be aware of'
# is advice (in medical text 'may' and 'can' are hedges instead).
LEGAL_MODALS = {
    "medical": {"should", "must"},
    "legal": {"shall", "must", "may", "can", "should"},
    "general": {"shall", "must", "should"},
}


def governing_verb(token):
    """The verb a coordinated verb shares its subject with ('reduce X and prevent Y'), even across a noun."""
    head = token.head
    while head != head.head and head.pos_ not in ("VERB", "AUX"):
        head = head.head
    return head if head.pos_ in ("VERB", "AUX") and head != token else None


def own_auxiliaries(verb) -> bool:
    return any(c.dep_ in ("aux", "auxpass", "neg") for c in verb.children)


def polarity_source(verb):
    """A coordinated verb with no auxiliaries of its own shares the first verb's: 'shall not copy or sell'."""
    if verb.dep_ == "conj" and not own_auxiliaries(verb):
        return governing_verb(verb) or verb
    return verb


def context_flags(verb) -> tuple[bool, bool]:
    """(negated, hedged) from what governs the clause: 'there is no evidence that', 'studies suggest that', 'does
    not mean that', and a fact in a noun phrase the main clause calls rare ('X caused by Y is uncommon')."""
    negated = hedged = False
    token = verb
    for _ in range(3):
        if token.dep_ not in ("ccomp", "acl", "xcomp", "advcl") or token.head == token:
            break
        clause, token = token, token.head
        if token.dep_ in SUBJECT_DEPS and verb.dep_ == "acl":
            hedged = hedged or called_rare(token)
            token = token.head  # the noun the fact hangs on is the subject of the main clause
        if token.lemma_.lower() in HEDGE_VERBS:
            hedged = True
        if any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in token.children):
            negated = True
        if clause.dep_ == "ccomp" and token.pos_ in ("VERB", "AUX") and any(c.dep_ == "neg" for c in token.children):
            # 'does not mean that X' denies X; 'it is not possible to determine whether X' leaves X open.
            open_question = any(c.dep_ == "mark" and c.lower_ in ("whether", "if") for c in clause.children)
            hedged, negated = hedged or open_question, negated or not open_question
    return negated, hedged


def called_rare(noun) -> bool:
    """Whether the main clause calls the noun rare: 'hepatitis (caused by X) is uncommon'."""
    return noun.dep_ in SUBJECT_DEPS and any(c.dep_ == "acomp" and c.lower_ in RARE for c in noun.head.children)


def stranded_modal(verb) -> list[str]:
    """A modal cut off from its verb by an inserted phrase, which the parser then hangs elsewhere: 'X shall,
    within 24 hours of discovery, report the theft' is an obligation to report."""
    doc = verb.doc
    if verb.i < 3 or doc[verb.i - 1].text != ",":
        return []
    opening = next((t for t in reversed(doc[verb.sent.start : verb.i - 1]) if t.text == ","), None)
    modal = doc[opening.i - 1] if opening is not None and opening.i > verb.sent.start else None
    return [modal.lower_] if modal is not None and modal.tag_ == "MD" and modal.dep_ != "aux" else []


def in_rare_report(noun) -> bool:
    """Whether the noun is what rare reports or cases describe: 'rare reports of hepatic failure in patients taking
    statins' hedges statins -> hepatic failure."""
    token = noun
    for _ in range(5):
        if token.head == token:
            return False
        token = token.head
        if token.pos_ == "NOUN" and any(c.dep_ == "amod" and c.lemma_.lower() in RARE for c in token.children):
            return token.lemma_.lower() in ("report", "case")
    return False


def verb_attributes(verb, domain: str) -> tuple[bool, bool, str]:
    """(negated, hedged, modal that belongs in the relation) of one predicate."""
    source = polarity_source(verb)
    children = list(source.children)
    negated = any(c.dep_ == "neg" or c.lower_ in NEGATIONS for c in children)
    modals = [c.lower_ for c in children if c.tag_ == "MD"] or stranded_modal(source)
    hedged = any(m in HEDGE_MODALS.get(domain, HEDGE_MODALS["general"]) for m in modals)
    hedged = hedged or any(c.lower_ in HEDGE_ADVERBS for c in children if c.dep_ == "advmod")
    context_negated, context_hedged = context_flags(source)
    modal = next((m for m in modals if m in LEGAL_MODALS.get(domain, set())), "")
    return negated or context_negated, hedged or context_hedged, modal
