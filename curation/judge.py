"""The offline judge: rules and lexical groundedness that map a sample to accept / flag / reject with reasons."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from curation.records import Verdict
from generation.records import Sample
from kgraph.records import Fact, normalise

WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = set(
    "a an the of in on at to for by with and or but is are was were be been being it its this that these those "
    "as from into than then there their what which who whom how why when does do did not no yes may can could "
    "should shall will would about according source text states says say words puts way".split()
)


class JudgeConfig(BaseModel):
    """Thresholds that turn scores into decisions."""

    model_config = {"extra": "forbid"}
    accept_grounding: float = Field(
        default=0.6, ge=0, le=1, description="share of answer content words found in the evidence to accept"
    )
    reject_grounding: float = Field(
        default=0.3, ge=0, le=1, description="below this share the sample is rejected as ungrounded"
    )
    min_answer_chars: int = Field(default=8, ge=1, description="shorter answers are rejected as empty")
    max_answer_chars: int = Field(default=2000, ge=50, description="longer answers are flagged for review")
    max_repeat_ratio: float = Field(
        default=0.5, gt=0, le=1, description="share of repeated word trigrams above which an answer is rejected"
    )


def content_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def grounding(answer: str, facts: list[Fact]) -> float:
    """Share of the answer's content words that appear in its facts' evidence sentences or the facts themselves."""
    support = set()
    for fact in facts:
        support.update(content_words(" ".join([fact.subject, fact.object, *(e.sentence for e in fact.evidence)])))
    words = content_words(answer)
    return sum(w in support for w in words) / len(words) if words else 0.0


def repeat_ratio(text: str) -> float:
    words = WORD.findall(text.lower())
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    return 1 - len(set(grams)) / len(grams) if grams else 0.0


def names_fact(question: str, facts: list[Fact]) -> bool:
    """The question mentions a fact's subject or object (by any of their content words)."""
    asked = set(content_words(question))
    return any(set(content_words(f.subject)) & asked or set(content_words(f.object)) & asked for f in facts)


def judge_sample(sample: Sample, facts: list[Fact], cfg: JudgeConfig) -> Verdict:
    """Score one sample against the facts it claims to come from."""
    reasons, flags = [], []
    questions = [m.content for m in sample.messages if m.role == "user"]
    answers = [m.content for m in sample.messages if m.role == "assistant"]
    answer = " ".join(answers)
    ground = grounding(answer, facts) if facts else 0.0
    repeats = max((repeat_ratio(a) for a in answers), default=0.0)
    named = names_fact(questions[0], facts) if questions and facts else False
    scores = {"grounding": round(ground, 3), "repetition": round(1 - repeats, 3), "names_subject": float(named)}
    if not facts:
        reasons.append("unknown_fact")
    if not answers or min(len(a.strip()) for a in answers) < cfg.min_answer_chars:
        reasons.append("empty_answer")
    if ground < cfg.reject_grounding:
        reasons.append("ungrounded")
    if repeats > cfg.max_repeat_ratio:
        reasons.append("repetition")
    if answers and any(a.rstrip()[-1:] not in ".!?\"')]。！？" for a in answers):
        flags.append("truncated")
    if not named:
        flags.append("question_misses_subject")
    if cfg.reject_grounding <= ground < cfg.accept_grounding:
        flags.append("weak_grounding")
    if len(answer) > cfg.max_answer_chars:
        flags.append("too_long")
    if any(normalise(q) == normalise(a) for q, a in zip(questions, answers)):
        reasons.append("answer_repeats_question")
    decision = "reject" if reasons else "flag" if flags else "accept"
    return Verdict(
        sample_id=sample.id, scores=scores, decision=decision, reasons=reasons + flags, judge="offline-rules-v1"
    )
