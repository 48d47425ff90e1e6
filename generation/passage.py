"""The text offline answers are made of: a fact's evidence sentence, cleaned of layout debris, with the sentence
before it when it does not stand alone. Answers built this way are grammatical and true by construction."""

from __future__ import annotations

import re

from generation.syntax import sentence_of
from kgraph.records import Evidence, Fact, normalise

BULLET = re.compile(r"^\s*(?:[-*•·▪◦–]|\d{1,2}[.)]|[a-z][.)]|\([a-z0-9]{1,4}\))\s+")
HEADING = re.compile(r"^\s*#+\s*")
CITATION = re.compile(r"\s*\[(?:\d+(?:\s*[,–-]\s*\d+)*|[a-z ]*citation needed[a-z ]*)\]", re.IGNORECASE)
# A sentence opening with one of these leans on the one before it ('It is excreted by the kidneys.').
# Words that link a sentence to the one before it ('However, ...', 'Therefore, ...').
LINKS = r"however|also|in addition|additionally|therefore|thus|hence|otherwise"
ANAPHOR = re.compile(
    r"^(it|its|this|these|those|they|their|them|that|such|he|she|his|her|both|the latter|the former|"
    rf"{LINKS}|here|there|then|in this case|in these cases)\b",
    re.IGNORECASE,
)

# A pointer into the document ('[see Warnings and Precautions (5.1)]', '(see WARNINGS)', '(see § 555.77)'): the
# reader of a closed-book answer has no sections to turn to.
# ('[seeOverdosage (10)]': a label's text extraction can glue the words)
SEE = r"\[\s*see(?:\b|(?=[A-Z]))"
ATTACHED = r"\b(?:as per|in) the attached\b"
CROSS_REFERENCE = re.compile(rf"\s*{SEE}[^\]]*\]|\s*\(\s*(?:see|refer to)\b[^)]*\)", re.IGNORECASE)
# What only makes sense beside the rest of the document: the sentence is not asked about. A filed contract's
# redaction mark ('a charge of [**] of its value') hides the term itself.
POINTS_AWAY = re.compile(
    r"other sections of (the|this) label|(described|listed|discussed|mentioned|shown|set forth|specified) "
    r"(above|below)|\bthe following\b|\bas follows\b|\bthis section\b|\bin table \d|\bthe above\b|"
    rf"{ATTACHED}|\[\s*\*+\s*\]",
    re.IGNORECASE,
)
# A sentence cut before its list ('risk factors for heart disease such as'): it ends on a word that leads on.
DANGLING = re.compile(
    r"(\b(such as|including|like|e\.g\.|i\.e\.|and|or|to|of|in|for|with|by|from|on|at|as|than|the|a|an|"
    r"following|include|includes|are|is|were|was)|[:—–-])\s*$",
    re.IGNORECASE,
)

# Words that make a plain 'Yes' or 'No' false to the sentence: an unknown, a hedge, a negation the fact did not get.
UNKNOWN = re.compile(
    r"\b(whether|unknown|not known|insufficient|unclear|uncertain|cannot be excluded|not been (established|studied))\b",
    re.IGNORECASE,
)
HEDGE = re.compile(r"\b(may|might|could|possibl[ey]|potential(ly)?|suggest(s|ed)?)\b", re.IGNORECASE)
NEGATION = re.compile(r"\b(not|no|never|neither|nor|none|nothing|cannot)\b|n't\b", re.IGNORECASE)

# 'However, since higher plasma levels may increase X, ...': a link to a sentence the answer does not carry.
CONNECTIVE = re.compile(
    rf"^({LINKS}|moreover|furthermore|consequently|nevertheless|similarly|likewise|in contrast|conversely),\s+(?=\w)",
    re.IGNORECASE,
)

ANAPHOR_ZH = ("它", "这", "该", "其", "此", "他们", "她们", "上述", "因此", "但")


def clean_sentence(text: str) -> str:
    """One sentence without bullet markers, heading lines glued in front, citation brackets or a stray colon."""
    lines = [HEADING.sub("", line).strip() for line in text.strip().splitlines() if line.strip()]
    # A short line without closing punctuation before the sentence is a heading the splitter kept.
    while len(lines) > 1 and not lines[0].endswith((".", "!", "?", ";", ":", ",")) and len(lines[0].split()) <= 8:
        lines.pop(0)
    text = " ".join(BULLET.sub("", line) for line in lines)
    text = CROSS_REFERENCE.sub("", CITATION.sub("", text)).lstrip(" ,;")
    text = re.sub(r"[,;:]+\s*(?=[.!?]$)", "", text)  # 'mmHg), [see ...].' leaves 'mmHg),.'
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", text)).strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if text.endswith((":", ";", ",", "：", "；", "，")):
        text = text[:-1].rstrip()
    return text if text.endswith((".", "!", "?", '"', "”", ")", "。", "！", "？")) else text + "."


def neighbour(evidence: Evidence, side: str) -> str:
    """The sentence before or after the evidence in its paragraph, when the extractor recorded it."""
    return clean_sentence(getattr(evidence, side, "") or "")


def needs_context(sentence: str) -> bool:
    """True when a reader would ask 'what is it?': an anaphor or a lower-case start."""
    raw = BULLET.sub("", HEADING.sub("", sentence.strip()))
    return bool(ANAPHOR.match(raw)) or raw[:1].islower() or raw.startswith(ANAPHOR_ZH)


def standalone(evidence: Evidence) -> str:
    """The evidence as a reader can take it alone: the sentence, preceded by the one before it when it opens with
    an anaphor, and followed by the next one when it ends in a colon (a list follows)."""
    sentence = clean_sentence(evidence.sentence)
    before, after = neighbour(evidence, "before"), neighbour(evidence, "after")
    if before and needs_context(evidence.sentence):
        sentence = f"{before} {sentence}"
    elif CONNECTIVE.match(sentence):
        rest = CONNECTIVE.sub("", sentence)
        sentence = rest[:1].upper() + rest[1:]
    if after and ends_open(evidence.sentence):
        joint = ":" if evidence.sentence.rstrip().endswith(":") else ""
        sentence = re.sub(r"\s+([.,;:!?])", r"\1", f"{sentence[:-1]}{joint} {after[:1].lower() + after[1:]}")
    return sentence


def ends_open(sentence: str) -> bool:
    """True for a sentence that leads into what follows: a colon, a dangling 'such as' or 'and', no end mark."""
    raw = CROSS_REFERENCE.sub("", sentence).rstrip()
    return bool(DANGLING.search(raw.rstrip(".")) or not raw.endswith((".", "!", "?", '"', "”", ")", "。", "！", "？")))


def complete(fact: Fact) -> bool:
    """Whether the fact's answer stands whole: not cut before a list it does not carry, not pointing elsewhere
    in the document ('the following', 'described below', 'other sections of the labeling'), not a label's shouting."""
    if not fact.evidence:
        return False
    evidence = fact.evidence[0]
    text = standalone(evidence)
    cut = ends_open(evidence.sentence) and not neighbour(evidence, "after")
    # a sentence whose start was cut off at a hyphen ('-receiving anticonvulsant medications, ...'), nothing before it
    cut = cut or (bool(re.match(r"\s*[-–—][a-z]", evidence.sentence)) and not neighbour(evidence, "before"))
    shouted = fact.domain == "medical" and shouting(evidence.sentence)
    return (
        bool(text)
        and not cut
        and not shouted
        and not DANGLING.search(text.rstrip("."))
        and not POINTS_AWAY.search(text)
    )


def shouting(sentence: str) -> bool:
    """A boxed warning in capitals ('LIPITOR SHOULD BE ADMINISTERED TO WOMEN ...'): no answer to train on in that case;
    a label says it again in plain case in its Warnings."""
    words = re.findall(r"[A-Za-z]{3,}", sentence)
    return len(words) >= 6 and sum(w.isupper() for w in words) >= 0.8 * len(words)


def fact_text(fact: Fact) -> str:
    """What the fact's answer says: its first evidence, standing alone."""
    return standalone(fact.evidence[0]) if fact.evidence else ""


def passage(evidence: Evidence) -> str:
    """The sentence with its neighbours: what an LLM prompt and a grounded sample show."""
    parts = [neighbour(evidence, "before"), clean_sentence(evidence.sentence), neighbour(evidence, "after")]
    return " ".join(p for p in parts if p)


def distinct(texts: list[str]) -> list[str]:
    """Texts without repeats (one sentence often carries several facts), in order."""
    unique = list({normalise(t): t for t in texts if t}.values())
    # A text that another one contains (a sentence and the same sentence with its neighbour) is said once.
    return [t for t in unique if not any(t != o and normalise(t) in normalise(o) for o in unique)]


def joined(texts: list[str]) -> str:
    """Texts without repeats; a list when there are many."""
    unique = distinct(texts)
    if len(unique) <= 3:
        return " ".join(unique)
    return "\n".join(f"- {t}" for t in unique)


def plain_polarity(fact: Fact) -> bool:
    """Whether a 'Yes' or 'No' can answer for the fact: its sentence states it without an unknown, and any hedge or
    negation in the sentence is one the fact carries (its flags may miss 'under no circumstances shall')."""
    sentence = sentence_of(fact)
    if UNKNOWN.search(sentence) or rare(fact):
        return False
    return (fact.negated or not NEGATION.search(sentence)) and (fact.hedged or not HEDGE.search(sentence))


AUXILIARIES = {"be", "is", "are", "was", "were", "been", "shall", "must", "may", "can", "should", "will", "not"}


def rare(fact: Fact) -> bool:
    """'Allopurinol is rarely indicated for use in children': a 'rarely' between the subject and its verb, which a
    plain 'Yes' or a list of uses would drop."""
    words = [w for w in fact.surface_relation.split() if w.lower() not in AUXILIARIES]
    if not words or not fact.subject:
        return False
    rarely = r"(?:rarely|seldom|infrequently|hardly ever)"
    pattern = rf"{re.escape(fact.subject)}\W+(?:\w+\W+){{0,3}}?{rarely}\s+(?:\w+\s+)?{re.escape(words[0][:5])}"
    return bool(re.search(pattern, sentence_of(fact), re.IGNORECASE))
