"""Turn a fact's relation into English verb forms (lemminflect does the morphology): the statement a cloze or a
multiple-choice stem uses and the inverted forms questions use."""

from __future__ import annotations

from generation.syntax import PREPOSITION, head_token, sentence_of
from kgraph.records import Fact

# Canonical relations whose surface lemma reads badly; everything else is read from its surface form.
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
MODALS = {"shall", "may", "must", "can", "should", "will", "might", "could", "cannot"}
# Surface relations the extractor writes for passives of 'cause' ('X is caused by Y' read as 'Y causes X').
SURFACE_FIXES = {"be cause by": "cause", "be effect of": "cause", "be cause of": "cause"}


# Plural words that end a company's name ('Dragon Systems', 'Acme Laboratories'): the name is one firm.
FIRM_WORDS = {
    "systems", "industries", "laboratories", "labs", "pharmaceuticals", "technologies", "networks", "solutions",
    "holdings", "partners", "communications", "enterprises", "resources", "sciences", "therapeutics", "biosciences",
}  # fmt: skip


def looks_plural(noun_phrase: str, sentence: str = "") -> bool:
    """Number of a noun phrase from its head's tag in the evidence sentence (NNS/NNPS: 'VIAGRA is' is one thing,
    'statins are' many); coordinations are plural, but not one inside the head's prepositional phrase ('the
    concomitant administration of uricosuric agents and allopurinol is'); without the sentence, lemminflect's lemma
    ('statins' -> 'statin'), all-capital names taken as singular."""
    if " and " in f" {PREPOSITION.split(f' {noun_phrase} ')[0].lower()} ":
        return True
    words = noun_phrase.split()
    if len(words) > 1 and all(w[:1].isupper() for w in words) and words[-1].lower() in FIRM_WORDS:
        return False  # 'Dragon Systems will compensate MMI': a company
    token = head_token(noun_phrase, sentence)
    if token is not None and token.tag_.startswith("NN"):
        # The small tagger reads a capitalised plural opening the sentence ('Statins, like ...') as NNP, and some
        # drug names as plurals ('empagliflozin' NNS): a plural tag counts where the word is an inflected form.
        tagged = token.tag_ in ("NNS", "NNPS") and (token.text.isupper() or inflected(token.text))
        return tagged or (token.tag_ == "NNP" and token.i == 0 and regular_plural(token.text))
    words = PREPOSITION.split(f" {noun_phrase} ")[0].split() or noun_phrase.split()
    if not words:
        return False
    from lemminflect import getLemma

    lemma = getLemma(words[-1].lower(), upos="NOUN")
    return bool(lemma) and lemma[0] != words[-1].lower() and not words[-1].isupper()


def inflected(word: str) -> bool:
    """Whether lemminflect reads the word as another word's form ('statins', 'criteria'; not 'empagliflozin')."""
    from lemminflect import getLemma

    lemma = getLemma(word.lower(), upos="NOUN")
    return not lemma or lemma[0] != word.lower()


def regular_plural(word: str) -> bool:
    """A lower-case or capitalised word whose noun lemma lemminflect reads as another word ending the same way plus
    's' ('Statins' -> 'statin'); all-capital names ('VIAGRA', 'AIDS') are not plurals."""
    if word.isupper() or not word.lower().endswith("s"):
        return False
    from lemminflect import getLemma

    lemma = getLemma(word.lower(), upos="NOUN")
    return bool(lemma) and lemma[0] != word.lower() and word.lower().startswith(lemma[0][:-1])


def verb_lemma(word: str) -> str:
    """'impairs' -> 'impair', 'is' -> 'be'; words lemminflect does not know stay as they are."""
    if word in MODALS:
        return word
    from lemminflect import getLemma

    found = getLemma(word.lower(), upos="VERB")
    return found[0] if found else word


def inflect(lemma: str, plural: bool) -> str:
    """Present tense agreeing with the subject: 'impairs' / 'impair', 'is' / 'are', 'has' / 'have'."""
    if lemma == "be":
        return "are" if plural else "is"
    if plural:
        return lemma
    from lemminflect import getInflection

    found = getInflection(lemma, tag="VBZ")
    return found[0] if found else lemma


def lemma_phrase(fact: Fact) -> str:
    """The relation as a base-form verb phrase ('be contraindicated in', 'impair')."""
    if fact.relation in PHRASES:
        return PHRASES[fact.relation]
    surface = fact.surface_relation or fact.relation.replace("_", " ")
    surface = SURFACE_FIXES.get(surface, surface)
    words = surface.split()
    return " ".join([verb_lemma(words[0]), *words[1:]]) if words else "be related to"


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
        return f"{inflect('be', plural)}{' not' if fact.negated else ''}{tail}"
    if fact.negated:
        return f"{'do' if plural else 'does'} not {head}{tail}"
    return f"{inflect(head, plural)}{tail}"


def inverted(fact: Fact, subject: str) -> tuple[str, str]:
    """Auxiliary and the rest of the predicate for a question: ('is', 'contraindicated in'), ('does', 'treat'),
    ('must', 'notify'); 'shall' asks as 'must', which is how people ask about a duty."""
    words = lemma_phrase(fact).split()
    head, rest = words[0], " ".join(words[1:])
    if head in MODALS:
        return ("must" if head == "shall" else head), rest
    if head == "be":
        return inflect("be", looks_plural(subject, sentence_of(fact))), rest
    return ("do" if looks_plural(subject, sentence_of(fact)) else "does"), " ".join(words)


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def lower_first(text: str) -> str:
    """A sentence set inside another: its first letter lowered, unless it is 'I' or starts an acronym."""
    return text if text.startswith(("I ", "I'")) or text[1:2].isupper() else text[:1].lower() + text[1:]


def statement(fact: Fact) -> str:
    """'Metformin is contraindicated in severe renal impairment.'"""
    verb = verb_phrase(fact, looks_plural(fact.subject, sentence_of(fact)))
    return sentence_case(f"{fact.subject} {verb} {fact.object}".strip()) + "."
