"""Claim-level faithfulness without an NLI model: each answer sentence is a claim, its content words must be found
in the source passage (the evidence sentence and its neighbours), and the polarity of each of its clauses must match
the polarity of the evidence clause that says the same thing. No PyPI wheel ships a general NLI model that loads
offline (see the README), so entailment is approximated this way with spaCy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generation.passage import ATTACHED, SEE
from kgraph.records import Fact

# Sentences that carry no claim about the domain: safety caveats and persona frames. They neither raise grounding
# nor count as claims.
BOILERPLATE = re.compile(
    r"talk (?:it|this) (?:through|over) with your (?:doctor|pharmacist|lawyer|solicitor|adviser)"
    r"|(?:ask|consult|see|speak to|check with) (?:your|a) (?:doctor|pharmacist|clinician|lawyer|solicitor|professional)"
    r"|(?:is|constitutes) not (?:medical|legal) advice|seek (?:medical|legal|professional) advice"
    r"|^(?:yes|no|possibly|correct|that's right)[.!]?$"
    r"|^(?:my doctor mentioned|i want to understand|i'm revising|i'm new to this|i'm reading my contract)",
    re.IGNORECASE,
)
# A closed-book sample must not point at a source the reader of the fine-tuned model never sees.
CITES_SOURCE = re.compile(
    r"\b(?:the|this) (?:source|text|document|passage|excerpt)\b"
    r"|\baccording to (?:the|this) (?:study|article|evidence|author|wording|section)\b"
    r"|\b(?:the|this) evidence (?:says|shows|states)\b"
    # cross-references into a document the reader does not have
    rf"|{SEE}|\bsee (?:section|paragraph|above|below)\b"
    r"|\b(?:listed|described|discussed|defined|set forth|specified) (?:above|below)\b"
    rf"|\bother sections of\b|\bin this (?:section|paragraph|labeling)\b|{ATTACHED}",
    re.IGNORECASE,
)
NEGATORS = {"not", "n't", "never", "no", "neither", "nor", "none", "nobody", "nothing", "cannot"}
CLAUSE_DEPS = {"ROOT", "ccomp", "advcl", "relcl", "conj", "acl", "csubj", "parataxis", "pcomp"}
# Nominal content must be in the source word for word (lemma); verbs, adverbs and predicative adjectives may be
# paraphrased, so they count half and match on a shared five-letter stem.
HARD_POS = {"NOUN", "PROPN", "NUM"}
SOFT_POS = {"VERB", "ADJ", "ADV"}
GENERIC = {"also", "only", "often", "usually", "generally", "typically", "however", "therefore", "thus", "well"}
# what a grounded answer cites is not a claim about the domain
GENERIC |= {"source", "text", "document", "passage", "excerpt", "according"}


def parse(texts: list[str], batch_size: int = 64):
    """The texts through the extractor's pipeline without its entity recogniser: the judge reads tags, lemmas and the
    parse, never entities, and the recogniser is 15-20% of the parsing time. Left out per call, not removed, so
    extraction later in the same process (a served schedule) still finds its dates and quantities."""
    from kgraph.extract import load_nlp

    model = load_nlp()
    with model.select_pipes(disable=[p for p in ("ner",) if p in model.pipe_names]):
        return list(model.pipe(texts, batch_size=batch_size))


def cut_around(text: str, sentences) -> list[str]:
    """The text cut, at spaces, around the longest of the sentences it holds whole: an offline answer quotes its
    evidence ('Yes. <sentence>'), whose parse the judge has already, so only the rest needs parsing."""
    for sentence in sorted(sentences, key=len, reverse=True):
        at = text.find(sentence) if sentence and sentence != text else -1
        before, after = text[:at], text[at + len(sentence) :]
        if at >= 0 and before[-1:] in ("", " ") and after[:1] in ("", " "):
            rest = [cut_around(part.strip(), sentences) for part in (before, after)]
            return [*(rest[0] if before.strip() else []), sentence, *(rest[1] if after.strip() else [])]
    return [text]


def parse_around(texts: list[str], parsed: dict, sentences_of: dict[str, tuple[str, ...]]) -> dict:
    """Parses of the texts, each cut around the parsed sentences it quotes (`sentences_of`: the sentences each text
    may quote) and joined again, so a quoted sentence is never parsed twice; a text whose joined parse would not
    spell it exactly (spacing) is parsed whole."""
    from spacy.tokens import Doc

    cuts = {t: cut_around(t, sentences_of.get(t, ())) for t in texts}
    pieces = sorted({p for parts in cuts.values() for p in parts} - parsed.keys())
    known = parsed | dict(zip(pieces, parse(pieces, batch_size=128)))
    docs = {
        t: known[t] if len(parts) == 1 else Doc.from_docs([known[p] for p in parts], exclude=["tensor"])
        for t, parts in cuts.items()
    }
    misspelt = [t for t, doc in docs.items() if doc.text != t]
    return docs | dict(zip(misspelt, parse(misspelt, batch_size=128)))


def passage_parts(facts: list[Fact]) -> list[str]:
    """The sentences of the facts' source text: each evidence sentence with its neighbours in the paragraph, once
    each. Samples of nearby facts share sentences, so the judge parses sentences, not whole passages."""
    parts = []
    for fact in facts:
        for e in fact.evidence:
            for text in (e.before, e.sentence, e.after):
                if text and text not in parts:
                    parts.append(text)
    return parts


def passage(facts: list[Fact]) -> str:
    """The source text of the facts, its sentences joined."""
    return " ".join(passage_parts(facts))


def cites_source(texts: list[str]) -> bool:
    return any(CITES_SOURCE.search(t) for t in texts)


def is_boilerplate(sentence: str) -> bool:
    return bool(BOILERPLATE.search(sentence.strip()))


def term_kind(token) -> str | None:
    """'hard' for nominal content and noun modifiers, 'soft' for paraphrasable words, None for the rest."""
    if token.is_stop or token.is_punct or not token.text.strip() or token.lower_ in GENERIC or len(token.text) < 2:
        return None
    if token.pos_ in HARD_POS or (token.pos_ == "ADJ" and token.dep_ in ("amod", "compound", "nmod")):
        return "hard"
    return "soft" if token.pos_ in SOFT_POS and token.pos_ != "AUX" else None


def clause_heads(doc) -> list[int]:
    """Per token of the doc or span, the index in its doc of the verb that heads its clause; an xcomp ('need not
    give', 'has to pay') joins its governor. One walk up the tree serves every token on its path."""
    tokens = list(doc.doc)
    heads = [t.head.i for t in tokens]
    ends = [t.dep_ in CLAUSE_DEPS and not (t.dep_ == "conj" and t.pos_ not in ("VERB", "AUX")) for t in tokens]
    found: dict[int, int] = {}
    for start in (t.i for t in doc):
        path, i = [], start
        while i not in found and not ends[i] and heads[i] != i:
            path.append(i)
            i = heads[i]
        top = found.get(i, i)
        found.update(dict.fromkeys(path, top))
        found.setdefault(i, top)
    result = []
    for i in (found[t.i] for t in doc):
        while tokens[i].dep_ == "xcomp" and heads[i] != i:
            i = heads[i]
        result.append(i)
    return result


def clauses(doc) -> list[tuple[bool, set[str]]]:
    """Per clause: whether it is negated, and its content lemmas with the lemma of its head verb (even a light verb
    such as 'give' that counts as a stop word)."""
    groups: dict = {}
    for token, head in zip(doc, clause_heads(doc)):
        groups.setdefault(head, []).append(token)
    return [
        (
            negated(tokens),
            {lemma(t) for t in tokens if term_kind(t)}
            | ({lemma(doc.doc[head])} if doc.doc[head].pos_ == "VERB" else set()),
        )
        for head, tokens in groups.items()
    ]


def negated(tokens) -> bool:
    """A negator inside the clause itself ('No,' answering a question is an interjection, not a negation)."""
    return any(t.lower_ in NEGATORS and t.dep_ != "intj" for t in tokens)


def lemma(token) -> str:
    return token.lemma_.lower()


@dataclass
class ClaimCheck:
    """How well the answer's claims are supported: the weakest claim's support share (all content words) and
    share of nominal content found (a wrong object or an invented entity shows here), the words the source lacks,
    and clauses whose polarity contradicts the matching evidence clause."""

    support: float = 1.0
    term_support: float = 1.0
    claims: int = 0
    unsupported: list[str] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)


def yes_no_conflict(answer_doc, question_doc, evidence_clauses) -> bool:
    """A 'Yes' or 'No' opening is a claim about the question: the question's clause, negated by 'No', must have the
    polarity of the evidence clause that matches it best."""
    opening = next((t.lower_ for t in answer_doc if not t.is_punct), "")
    if question_doc is None or opening not in ("yes", "no"):
        return False
    best = (1, False, False)
    for question_negated, words in clauses(question_doc):
        for negated_there, ev in evidence_clauses:
            if len(words & ev) > best[0]:
                best = (len(words & ev), question_negated != (opening == "no"), negated_there)
    return best[0] >= 2 and best[1] != best[2]


@dataclass
class SourceTerms:
    """What claims are checked against in a source passage: its words and lemmas, their five-letter stems, and its
    clauses. Made once per passage, which every sample of its facts shares."""

    lemmas: set[str]
    stems: set[str]
    clauses: list[tuple[bool, set[str]]]


def source_terms(source_docs: list) -> SourceTerms:
    """The terms of a passage parsed as one doc or sentence by sentence (the clauses of a parse never cross its
    sentences)."""
    tokens = [t for doc in source_docs for t in doc]
    lemmas = {lemma(t) for t in tokens} | {t.lower_ for t in tokens}
    return SourceTerms(lemmas, {w[:5] for w in lemmas if len(w) >= 5}, [c for doc in source_docs for c in clauses(doc)])


def check_claims(answer_doc, source: SourceTerms, question_doc=None) -> ClaimCheck:
    """Each non-boilerplate sentence of the answer against the source passage; a yes/no opening against the
    question (given its parse)."""
    lemmas, stems, evidence_clauses = source.lemmas, source.stems, source.clauses
    result = ClaimCheck()
    if yes_no_conflict(answer_doc, question_doc, evidence_clauses):
        result.contradictions.append(answer_doc[:1].text)
    for sent in answer_doc.sents:
        if is_boilerplate(sent.text):
            continue
        terms = [(t, kind) for t in sent if (kind := term_kind(t))]
        if not terms:
            continue
        result.claims += 1
        total = found = hard = hard_found = 0.0
        for token, kind in terms:
            weight = 1.0 if kind == "hard" else 0.5
            ok = lemma(token) in lemmas or token.lower_ in lemmas
            if not ok and kind == "soft" and len(token.lower_) >= 5:
                ok = token.lower_[:5] in stems or lemma(token)[:5] in stems
            total += weight
            found += weight * ok
            hard += kind == "hard"
            hard_found += kind == "hard" and ok
            if not ok:
                result.unsupported.append(token.text)
        result.support = min(result.support, found / total)
        result.term_support = min(result.term_support, hard_found / hard if hard else 1.0)
        for claim_negated, words in clauses(sent):
            overlap, polarity = max(((len(words & ev), neg) for neg, ev in evidence_clauses), default=(0, False))
            if (overlap >= 2 or (words and overlap == len(words))) and claim_negated != polarity:
                result.contradictions.append(sent.text)
    return result


def check_answers(answers: list[str], sources: list[str]) -> list[ClaimCheck]:
    """Claim checks for many (answer, source) pairs, each distinct text parsed once, in batches."""
    texts = sorted(set(answers) | set(sources))
    docs = dict(zip(texts, parse(texts)))
    terms = {s: source_terms([docs[s]]) for s in set(sources)}
    return [check_claims(docs[a], terms[s]) for a, s in zip(answers, sources)]
