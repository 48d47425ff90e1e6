"""Whether a fact's arguments are whole phrases of its evidence sentence, read from the sentence's parse: a question
about a piece of a phrase is wrong or unanswerable ('Can throat cause difficulty?' from 'swelling of the face,
lips, tongue, and/or throat that may cause difficulty in breathing'; 'Is the hearing held in the accordance?';
'Do clinical Pharmacology and drug Interactions cause hypotension?' from a '[see ...]' pointer)."""

from __future__ import annotations

import re

from generation.names import DETERMINERS, content_words
from generation.passage import CROSS_REFERENCE
from generation.syntax import head_token, parse, sentence_of
from kgraph.records import Fact

# Dependants that complete a noun: left out of the argument, they leave it a fragment ('accordance' without 'with
# the provisions', 'delegate' without 'his', 'increase' without 'in HbA1c').
COMPLETING = {"prep", "poss", "nmod", "amod", "compound"}
# Prepositions whose phrase completes the noun's meaning; others ('in patients', 'during the trial') often hang on
# the verb and the small parser attaches them to the noun anyway.
OF_LIKE = {"of", "to"}  # for one- or two-word arguments ('known hypersensitivity' to what?)
LOOSE = {"with", "in"}  # for one-word arguments only ('in accordance', 'difficulty in breathing')
ANAPHORIC = {"his", "her", "their"}  # a subject that is someone's ('his delegate') is named elsewhere
# Words that point at something the sentence named before ('these two drug classes', 'such premises'): a
# closed-book question cannot resolve them.
POINTING = {"this", "these", "those", "such", "said", "above", "aforementioned", "whoever", "whatever"}
NAMING = {"call", "name", "know", "refer"}  # 'a rare disease called PAH': the name is what the question needs
NOUNS = {"NOUN", "PROPN", "NUM", "X"}  # heads a modifier may hang on


def token_of(phrase: str, sentence: str):
    """The head token of the phrase in the parsed sentence: of the tokens spelling its head word, the one whose
    preceding words match the phrase's ('kidney problems', not the 'problems' of 'serious muscle problems')."""
    token = head_token(phrase, sentence) if phrase and sentence else None
    words = [w.lower() for w in re.findall(r"[\w'-]+", phrase)]
    if token is None:
        return token
    same = [t for t in token.doc if t.lower_ == token.lower_]
    if len(words) < 2:  # 'Vivint' in 'Vivint Solar and Vivint': the one that is no part of another name
        return next((t for t in same if t.dep_ not in ("compound", "amod")), token)
    return next((t for t in same if t.i > 0 and t.doc[t.i - 1].lower_ in words), token)


def left_out(token, phrase: str, subject: bool, relation: frozenset) -> bool:
    """A dependant of the head that completes it and that the phrase does not carry (nor the relation)."""
    words = {w.lower() for w in re.findall(r"[\w'-]+", phrase)} | relation
    single = len(content_words(phrase)) == 1
    for child in token.children:
        if child.dep_ == "acl" and child.lemma_ in NAMING:
            return True
        if child.dep_ not in COMPLETING or child.lower_ in words:
            continue
        # a preposition right after the head ('accordance with', 'difficulty in'), not one further on
        if child.dep_ == "prep" and (
            child.i != token.i + 1 or child.lower_ not in OF_LIKE | (LOOSE if single else set())
        ):
            continue
        if child.dep_ in ("amod", "compound", "poss") and child.i > token.i:
            continue
        if child.dep_ in ("amod", "compound") and child.lower_ in DETERMINERS:  # 'other materials', 'such appraisers'
            continue
        if child.dep_ == "poss" and (child.lower_ not in ANAPHORIC or not subject):
            continue
        return True
    return False


def part_of_list(token) -> bool:
    """An item of a list that itself hangs on a noun by 'of' ('swelling of the face, lips, tongue')."""
    first = token
    while first.dep_ == "conj" and first.head != first:
        first = first.head
    owner = first.head
    listed = first is not token or any(c.dep_ == "conj" for c in token.children)
    return listed and first.dep_ == "pobj" and owner.lower_ == "of" and owner.head.pos_ in ("NOUN", "PROPN")


def in_parentheses(token) -> bool:
    """A name given in brackets after another ('indinavir sulfate (Crixivan)'): a gloss, not an argument."""
    first = token
    while first.dep_ == "conj" and first.head != first:
        first = first.head
    return first.i > 0 and first.doc[first.i - 1].text in ("(", "[")


def modifier(token, phrase: str, relation: set[str]) -> bool:
    """The phrase only modifies a noun it leaves out ('Federal' of 'a Federal, State, or local officer', 'chronic' of
    'chronic administration'): it names nothing by itself."""
    first = token
    while first.dep_ == "conj" and first.head != first:
        first = first.head
    words = {w.lower() for w in re.findall(r"[\w'-]+", phrase)}
    owner = first.head  # (a subject the small model glued onto its verb, 'drug0 treats', is no modifier)
    return (
        first.dep_ in ("amod", "compound", "nmod") and owner.pos_ in NOUNS and not {owner.lower_} & (words | relation)
    )


def only_in_pointer(phrase: str, sentence: str) -> bool:
    """The phrase occurs in the sentence only inside a cross-reference ('[see Drug Interactions (7.2)]')."""
    lowered, name = sentence.lower(), phrase.lower()
    if name not in lowered:
        return False
    stripped = CROSS_REFERENCE.sub(" ", sentence).lower()
    return name not in stripped


def fragment_argument(phrase: str, sentence: str, subject: bool = False, relation: frozenset = frozenset()) -> bool:
    """True when the phrase is a piece of a larger phrase of the sentence rather than a whole argument."""
    if only_in_pointer(phrase, sentence) or POINTING & set(re.findall(r"[\w'-]+", phrase.lower())):
        return True
    token = token_of(phrase, sentence)
    if token is None or not token.text[:1].isalpha() or not any(t.pos_ in ("VERB", "AUX") for t in token.doc):
        return False  # no parse to go by: without a verb the small model's tree is guesswork
    # An adjective left on its own ('ocular' of 'Ocular: diplopia, ...'); the small tagger's verbs are not trusted.
    one = len(content_words(phrase)) == 1  # ('patients allergic to penicillin' ends on an adjective, and is whole)
    adjective = one and token.pos_ == "ADJ" and token.dep_ in ("amod", "compound", "nmod", "ROOT", "npadvmod")
    if in_parentheses(token) or adjective or (one and modifier(token, phrase, relation)):
        return True
    short = len(content_words(phrase)) <= 2
    return short and (
        left_out(token, phrase, subject, relation) or (len(content_words(phrase)) == 1 and part_of_list(token))
    )


def list_definition(fact: Fact) -> bool:
    """An 'X is Y' read off a list ('The most common adverse reactions are headache, flushing, ... nausea'): asking
    'Are the most common adverse reactions nausea?' turns one item into the whole."""
    if fact.relation != "is_a":
        return False
    token = token_of(fact.object, sentence_of(fact))
    if token is None:
        return False
    first = token
    while first.dep_ == "conj" and first.head != first:
        first = first.head
    items = [first, *(t for t in first.subtree if t.dep_ == "conj" and t.head.dep_ in ("conj", first.dep_))]
    return len(items) >= 3  # 'X and Y' may be two names of one thing ('the host and producer')


def fragment_fact(fact: Fact) -> bool:
    """A fact with an argument cut from a larger phrase, or a definition read off a list: no question fits it."""
    sentence = sentence_of(fact)
    if not sentence or not parse(sentence):
        return False
    relation = frozenset(fact.relation.lower().split("_")) | frozenset(fact.surface_relation.lower().split())
    return (
        fragment_argument(fact.subject, sentence, True, relation)
        or fragment_argument(fact.object, sentence, False, relation)
        or list_definition(fact)
    )
