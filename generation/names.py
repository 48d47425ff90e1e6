"""Which entity names are too generic to write about ('adults', 'mg', 'treatment') and which nodes are hubs that
walks, paths and comparisons must not pass through ('patients', 'the other party')."""

from __future__ import annotations

import re

from kgraph.records import Fact

DETERMINERS = {
    "the", "a", "an", "any", "either", "each", "every", "other", "such", "this", "that", "these", "those", "all",
    "some", "both", "neither", "no", "its", "their", "his", "her", "our", "your", "many", "most", "several",
}  # fmt: skip
# Words that name no particular thing: a fact whose whole argument is one of these says nothing a reader can use
# ("Clarithromycin is alternatives", "Mianserin 30 is mg").
GENERIC = {
    "patient", "people", "person", "adult", "child", "woman", "man", "individual", "case", "treatment", "therapy",
    "risk", "use", "effect", "alternative", "option", "condition", "disease", "disorder", "drug", "medicine",
    "medication", "dose", "factor", "problem", "symptom", "sign", "result", "level", "way", "type", "form", "part",
    "thing", "example", "other", "one", "time", "day", "week", "month", "year", "group", "change", "amount",
    "number", "area", "process", "method", "approach", "measure", "reason", "cause", "issue", "need", "care",
    "mg", "g", "mcg", "microgram", "milligram", "ml", "unit", "kg", "mmol", "l", "%", "percent", "more", "less",
    "it", "they", "this", "that", "which", "who", "what", "something", "someone", "anyone", "everything",
    "party", "subject", "volunteer", "placebo", "increase", "decrease", "reduction", "evidence", "experience",
    "finding", "information", "data", "study", "report", "possibility", "relevance", "accordance", "addition",
    "association", "respect", "difference", "difficulty", "caution", "consideration", "analysis", "word", "copy",
}  # fmt: skip
# Heads of a subject that counts or weighs something rather than naming it ('a number of cases of bronchopneumonia',
# 'increases in HbA1c', 'such experience'): 'What is number of cases associated with?' asks nothing.
QUANTITY_HEADS = {"number", "increase", "decrease", "possibility", "analysis", "experience", "evidence", "rate"}
# A relation ending in a conjunction leaves the question dangling ('What is sexual activity inadvisable because?').
CONJUNCTIONS = {"because", "if", "than", "when", "whether", "unless", "although", "since", "while", "that", "so"}
# Heads that are fine as the subject of a clause but link everything in a domain: a path or comparison through
# them ('How is rent connected to insolvency?' via 'party') means nothing.
HUB_HEADS = GENERIC | {"party", "agreement", "contract", "clause", "section", "provision", "term", "notice", "law"}
PREPOSITION = re.compile(r"\s(?:with|of|in|for|on|at|to|from|by|under|during|after|before)\s", re.IGNORECASE)
NUMBER = re.compile(r"^[\d.,/–-]+$")
PREPOSITIONS = {"on", "in", "at", "for", "of", "with", "to", "from", "by", "under", "during", "after", "before"}


def noun_lemma(word: str) -> str:
    word = word.lower()
    if not word.isalpha():  # lemminflect reads 'drug0' as 'drug'
        return word
    # lemminflect imports spaCy and torch (seconds): imported where it is used, so a command that never inflects
    # a word (one with nothing to do) does not pay for it
    from lemminflect import getLemma

    found = getLemma(word, upos="NOUN")
    return found[0].lower() if found else word


def content_words(name: str) -> list[str]:
    return [w for w in re.findall(r"[\w%/.,–-]+", name.lower()) if w not in DETERMINERS]


def generic_argument(name: str) -> bool:
    """True when the name is only generic words, numbers and units: nothing a question could be about."""
    words = content_words(name)
    return not words or all(NUMBER.match(w) or noun_lemma(w) in GENERIC for w in words)


def head_word(name: str) -> str:
    """The noun a phrase is about: the last word before any preposition ('adults with asthma' -> 'adult')."""
    words = content_words(PREPOSITION.split(f" {name} ")[0]) or content_words(name)
    return noun_lemma(words[-1]) if words else ""


def vague_fact(subject: str, relation: str) -> bool:
    """A triple too loose to ask about: 'be' with only a preposition ('X is on Y'), a definition of a generic
    head ('First-line drug is diabetes mellitus'), a subject that is a quantity ('a number of cases'), or a
    relation that ends in a conjunction ('be because')."""
    words = relation.split("_")
    head = head_word(subject)
    return (
        (words[0] == "be" and len(words) == 2 and words[1] in PREPOSITIONS)
        or (relation == "is_a" and head in GENERIC)
        or head in QUANTITY_HEADS
        or words[-1] in CONJUNCTIONS
    )


def is_hub(name: str) -> bool:
    """True for a node whose name's head is generic: walks, paths and comparisons skip it."""
    return generic_argument(name) or head_word(name) in HUB_HEADS


DOSE = re.compile(
    r"(up to |about |approximately )?\b\d+(\.\d+)?\s*(mg|g|mcg|µg|microgram|units?|ml|mmol)\b", re.IGNORECASE
)


def doses_drug(fact: Fact) -> bool:
    """'Amoxicillin is given at 500 mg': a drug with its dose as the object, not 'raises haemoglobin by 20 g/L'."""
    return fact.subject_type == "drug" and bool(DOSE.match(fact.object)) and not DOSE.search(fact.subject)
