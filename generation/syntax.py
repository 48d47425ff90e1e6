"""What the evidence sentence's parse says about a fact's subject: its number (a capitalised brand such as
'VIAGRA' is one thing, whatever its letters look like) and whether it is the agent of the fact's verb, which an
open question ('What does X cause?') needs: 'What does thyrotoxicosis receive?' comes from a subject that only sits
in a prepositional phrase of the sentence."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from generation import parse_store
from kgraph.records import Fact

PREPOSITION = re.compile(r"\s(?:with|of|in|for|on|at|to|from|by|under|during|after|before|who|which|that)\s", re.I)
# Verbs that say too little to ask 'What does X <verb>?' about: the answer is whatever followed them.
WEAK_VERBS = {
    "have", "receive", "tell", "take", "give", "get", "keep", "help", "show", "provide", "accept", "see", "find",
    "make", "use", "do", "occur", "include", "contain", "consider", "warrant", "manifest", "establish", "support",
    "inform", "report", "describe", "discuss", "follow", "list", "identify", "note", "observe", "become", "remain",
    "put", "seek", "reveal",
}  # fmt: skip
AGENT_DEPS = {"nsubj", "nsubjpass"}


# parses by sentence, bounded: cleared when full rather than evicted one by one (a judge chunk fills it at once)
PARSED: dict = {}
MAX_PARSED = 8192


def parse(sentence: str):
    if sentence not in PARSED:
        parse_all([sentence])
    return PARSED[sentence]


# the run folder whose kept parses (generation.parse_store) `parse_all` reads before it parses: set while a run is
# judged, so the judge reads what that run's generation parsed
KEPT_IN: list[Path] = []


def parse_all(sentences) -> None:
    """Parse the sentences not yet parsed in one nlp.pipe stream, which is several times cheaper than one call
    each, so that `parse` finds them; those the run being judged kept are read instead."""
    from kgraph.extract import load_nlp

    nlp = load_nlp()
    new = [s for s in dict.fromkeys(sentences) if s not in PARSED]
    if len(PARSED) + len(new) > MAX_PARSED:
        PARSED.clear()
    if KEPT_IN and new:
        PARSED.update(parse_store.read(KEPT_IN[-1], new, nlp))
        new = [s for s in new if s not in PARSED]
    PARSED.update(zip(new, nlp.pipe(new, batch_size=128)))


@contextmanager
def kept_parses(run: Path):
    """Within the block, `parse_all` reads the parses that the run's generation kept."""
    KEPT_IN.append(run)
    try:
        yield
    finally:
        KEPT_IN.pop()


def keep_parses(run: Path, sentences) -> None:
    """Keep in the run folder the parses of those sentences this process has made (generation's)."""
    from kgraph.extract import load_nlp

    parses = {s: PARSED[s] for s in dict.fromkeys(sentences) if s in PARSED}
    if parses:
        parse_store.keep(run, parses, load_nlp())


def head_token(phrase: str, sentence: str):
    """The token of the sentence that heads the phrase: its last word before any preposition or clause."""
    words = PREPOSITION.split(f" {phrase} ")[0].split()
    if not words or not sentence:
        return None
    matches = [t for t in parse(sentence) if t.text.lower() == words[-1].lower()]
    return matches[0] if matches else None


def sentence_of(fact: Fact) -> str:
    return fact.evidence[0].sentence if fact.evidence else ""


def relation_verb(fact: Fact, phrase: str) -> str:
    """The relation's content verb: 'be contraindicated in' -> 'contraindicate', 'may cause' -> 'cause'."""
    words = [w for w in phrase.split() if w not in ("be", "shall", "may", "must", "can", "should", "will", "not")]
    if not words:
        return ""
    from lemminflect import getLemma

    found = getLemma(words[0], upos="VERB")
    return found[0] if found else words[0]


def agent_of(fact: Fact, phrase: str, surface: bool = True) -> bool:
    """Whether an open question can make the subject the doer of the relation: the verb is not a weak one, and in the
    evidence the subject's head is the (passive) subject of that verb or of one it is coordinated with; a passive
    subject only with a passive relation ('be withheld or discontinued in' read as 'discontinue in' is not). A
    relation a pattern named ('increases_risk_of' from 'raise ... risk') need not be the sentence's own verb."""
    verb = relation_verb(fact, phrase)
    if not verb or verb in WEAK_VERBS:
        return False
    token = head_token(fact.subject, sentence_of(fact))
    if token is None or not any(t.pos_ in ("VERB", "AUX") for t in token.doc):
        return True  # no parse to go by (no verb found): the relation's own checks stand
    while token.dep_ == "conj" and token.head != token:
        token = token.head
    if token.dep_ not in AGENT_DEPS and not (token.dep_ == "compound" and token.head.pos_ in ("VERB", "AUX")):
        return False  # (a subject the small model glued onto its verb as a compound still counts)
    governor = token.head
    verbs = {governor.lemma_, *(c.lemma_ for c in governor.children if c.dep_ == "conj")}
    if surface and verb not in verbs and governor.pos_ in ("VERB", "AUX") and governor.lemma_ != "be":
        return False
    return token.dep_ != "nsubjpass" or "be" in phrase.split()


def about_the_fact(fact: Fact) -> bool:
    """Whether the sentence is about the fact: one of its ends lies in the subject of a main clause. An aspect
    question on allopurinol's side effects is not answered by 'Renal failure is associated with gouty nephropathy and
    rarely with hypersensitivity reactions associated with allopurinol', nor by 'Analysis of the database showed no
    difference in adverse reactions in patients taking X'; 'Cases of sudden death have been reported with X' is."""
    sentence = sentence_of(fact)
    heads = [h for h in (head_token(fact.subject, sentence), head_token(fact.object, sentence)) if h is not None]
    if not heads:
        return True  # no parse to go by
    root = heads[0].sent.root
    clauses = [root, *(c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX"))]
    subjects = [c for verb in clauses for c in verb.children if c.dep_ in AGENT_DEPS | {"expl"}]
    if not subjects or any(s.dep_ == "expl" or s.pos_ == "PRON" for s in subjects):
        return True  # 'There have been reports of X with Y', 'It may cause X': the sentence is about what follows
    inside = {t.i for s in subjects for t in s.subtree}
    return any(h.i in inside for h in heads)


def alternatives(a: Fact, b: Fact) -> bool:
    """Two facts from one sentence whose differing names it joins with 'or' ('the Director or his delegate', 'theft
    or loss'): a 'both' question over them claims what the sentence leaves open."""
    sentence = sentence_of(a).lower()
    if sentence != sentence_of(b).lower():
        return False
    first, second = (a.object, b.object) if a.subject.lower() == b.subject.lower() else (a.subject, b.subject)
    where = sorted(sentence.find(name.lower()) for name in (first, second))
    if where[0] < 0:
        return False
    between = sentence[where[0] : where[1]]
    return " or " in f" {between} " or between.rstrip().endswith((" or", "/"))


def rewordings(a: Fact, b: Fact) -> bool:
    """Two facts whose differing names share most of their words ('urinary uric acid levels', 'serum and urinary uric
    acid concentrations'): a 'both' question over them asks one thing twice."""
    first, second = (a.object, b.object) if a.subject.lower() == b.subject.lower() else (a.subject, b.subject)
    words = [{w for w in re.findall(r"[a-z0-9]+", name.lower()) if len(w) > 3} for name in (first, second)]
    shorter = min(words, key=len)
    return bool(shorter) and len(words[0] & words[1]) > len(shorter) / 2
