"""Quality checks on extracted facts: which arguments and sentences are fit to train on, and a confidence.

A check names what is wrong with a fact ('generic_argument', 'title', 'long_span'...). Hard checks (a pronoun
or a bare number as an argument) drop the fact at extraction; the others stay on the fact with a confidence
lowered by their penalty, so generation can skip facts below its threshold (0.7) and a person can see why."""

from __future__ import annotations

import re

BASE_CONFIDENCE = 0.9
# Penalties of the soft checks: one of them leaves a fact below 0.7, the doubtful side of generation's threshold.
PENALTIES = {
    "hedged": 0.05,  # fine when stated as written; a hedge is still weaker evidence than a plain claim
    "long_span": 0.15,
    "generic_argument": 0.35,
    "ambiguous_antecedent": 0.35,
    "truncated_span": 0.3,
    "run_together": 0.4,
    "line_break": 0.4,
    "fragment": 0.4,
    "title": 0.45,
    "enumeration": 0.45,
}
HARD_CHECKS = {"pronoun", "bare_number"}
# Heads that say nothing on their own: 'the risk', 'this procedure', 'a party'. A specific modifier rescues them
# ('risk of stroke', 'data subject'); a vague one does not ('serious risks', 'side effects').
GENERIC_HEADS = {
    "risk", "chance", "procedure", "party", "subject", "dose", "thing", "way", "people", "one", "factor",
    "problem", "condition", "information", "effect", "result", "case", "issue", "matter", "type", "kind",
    "form", "part", "number", "amount", "level", "use", "area", "change", "situation", "reason", "example",
    "aspect", "detail", "fact", "question", "option", "step", "process", "event", "benefit", "side", "symptom",
    "sign", "treatment", "medicine", "drug", "medication", "test", "doctor", "person", "someone", "anyone",
    "everyone", "something", "anything", "group", "member", "individual", "section", "paragraph", "page",
    "document", "provision", "term", "time", "lot", "majority", "most", "many", "few", "some", "other", "others",
    "more", "less", "much", "rest", "place", "purpose", "need", "work", "action", "measure", "approach",
    "list", "increase", "decrease", "attempt", "method", "notice", "proportion", "analysis", "rate", "value",
    "data", "percentage", "total", "frame", "endeavor", "endeavour", "feedback", "manner", "extent", "basis",
}  # fmt: skip
LEGAL_ROLES = {"party", "subject", "term", "member"}
VAGUE_MODIFIERS = {
    "side", "other", "certain", "possible", "potential", "serious", "severe", "high", "low", "main", "common",
    "rare", "new", "such", "same", "different", "various", "several", "many", "more", "further", "additional",
    "particular", "specific", "general", "usual", "normal", "small", "large", "big", "good", "bad", "important",
    "relevant", "appropriate", "following", "above", "below", "first", "second", "last", "next", "some", "any",
    "significant", "clinical", "unusual", "numerous", "previous", "special", "initial", "total",
    "overall", "individual", "personal", "major", "minor", "known", "unknown", "likely", "increased",
}  # fmt: skip
PRONOUNS = {
    "it", "this", "that", "these", "those", "they", "them", "he", "she", "him", "her", "we", "us", "you", "i",
    "which", "who", "whom", "what", "one", "ones", "itself", "themselves", "there", "here",
}  # fmt: skip
UNITS = {
    "mg", "g", "kg", "mcg", "µg", "ug", "ml", "l", "mmol", "mol", "iu", "unit", "units", "%", "percent", "mm",
    "cm", "m", "km", "hr", "h", "min", "s", "sec", "x", "times", "tablet", "tablets", "capsule", "capsules",
    "£", "$", "€", "usd", "gbp", "eur",
}  # fmt: skip
MAX_WORDS = 8
# Two words with the space lost ('bleedingDizziness', 'bleeding.The') or a PDF line glued into one token.
RUN_TOGETHER = re.compile(r"[a-z]{2}[A-Z][a-z]|[a-z]{2}[.,;:][A-Za-z]{2}|[A-Za-z]{25,}")
DANGLING_END = {"CCONJ", "ADP", "DET", "SCONJ", "PART"}
FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}
BULLET = re.compile(r"^\s*(?:[-*•·▪–]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


def confidence(checks: list[str]) -> float:
    """Confidence of a fact from the checks it failed: BASE_CONFIDENCE less each penalty, never below 0.05."""
    return round(max(0.05, BASE_CONFIDENCE - sum(PENALTIES.get(check, 0.0) for check in set(checks))), 2)


def is_specific_modifier(token) -> bool:
    """A modifier that names something: a noun compound, a number ('Section 75') or an of-phrase whose noun is
    not itself generic."""
    if token.dep_ == "nummod" or (token.dep_ == "appos" and token.like_num):
        return True
    if token.dep_ in ("compound", "nmod", "npadvmod") or (token.dep_ == "amod" and token.pos_ in ("NOUN", "PROPN")):
        return token.lemma_.lower() not in VAGUE_MODIFIERS and token.lemma_.lower() not in GENERIC_HEADS
    if token.dep_ == "amod":
        return token.lemma_.lower() not in VAGUE_MODIFIERS
    if token.dep_ == "prep" and token.lower_ in ("of", "for", "to", "in", "with"):
        return any(c.dep_ == "pobj" and not is_generic_phrase(c) for c in token.children)
    return False


def is_generic_phrase(token, domain: str = "general") -> bool:
    """A generic head ('risk', 'procedure') with no specific modifier, or a pronoun. In legal text 'either party'
    is how a contract names its parties."""
    lemma = token.lemma_.lower()
    if token.pos_ == "PRON" or token.lower_ in PRONOUNS:
        return True
    if domain == "legal" and lemma in LEGAL_ROLES:
        return False
    return lemma in GENERIC_HEADS and not any(is_specific_modifier(c) for c in token.children)


def argument_checks(token, text: str, tokens=(), domain: str = "general") -> list[str]:
    """What is wrong with one argument: its head token, its text, the tokens its span is made of."""
    words = text.split()
    if token.pos_ == "PRON" or token.lower_ in PRONOUNS or text.lower() in PRONOUNS:
        return ["pronoun"]
    letters = [w for w in words if any(ch.isalpha() for ch in w) and w.lower().strip(".") not in UNITS]
    if not letters:
        return ["bare_number"]
    checks = []
    if is_generic_phrase(token, domain):
        checks.append("generic_argument")
    if len(words) > MAX_WORDS:
        checks.append("long_span")
    if RUN_TOGETHER.search(text):
        checks.append("run_together")
    if tokens and any("\n" in t.whitespace_ for t in sorted(tokens, key=lambda t: t.i)[:-1]):
        checks.append("line_break")
    # 'Co' of a split 'Co-administration'; an adjective left of its noun ('ventricular' of 'ventricular arrhythmias')
    following = token.nbor(1) if token.i + 1 < len(token.doc) else token
    cut_adjective = token.pos_ == "ADJ" and (following.pos_ in ("NOUN", "PROPN") or following.text in (",", "/"))
    short = (len(text) < 3 and not text.isupper()) or cut_adjective
    if short or text.count("(") != text.count(")") or (tokens and max(tokens, key=lambda t: t.i).pos_ in DANGLING_END):
        checks.append("truncated_span")
    return checks


def sentence_checks(sent) -> list[str]:
    """Titles, headings and list lines are not statements: no finite verb, or a line in Title Case."""
    text = sent.text.strip()
    if not any(t.tag_ in FINITE_TAGS for t in sent):
        return ["fragment"]
    if text.startswith("§"):  # a section heading of a code: '§ 72.66 Purchaser entitled to bill of sale.'
        return ["title"]
    words = [w for w in BULLET.sub("", text).split() if w[:1].isalpha()]
    capitalised = sum(1 for w in words if w[:1].isupper())
    if text[-1:] not in ".!?:;" and len(words) >= 3 and capitalised >= 0.6 * len(words):
        return ["title"]
    return []
