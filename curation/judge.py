"""The offline judge: groundedness (lexical overlap and sentence-embedding similarity between answer and evidence),
coverage of the fact, agreement in negation, and rules, mapped by thresholds to accept / flag / reject with
reasons; a random share of accepted samples is flagged for a person to audit."""

from __future__ import annotations

import hashlib
import re
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from curation.minhash import UNSPACED
from curation.records import Verdict
from generation.records import Sample
from kgraph.records import Fact, normalise

WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = set(
    "a an the of in on at to for by with and or but is are was were be been being it its this that these those "
    "as from into than then there their what which who whom how why when does do did not no yes may can could "
    "should shall will would about according source text states says say words puts way".split()
)
NEGATION = re.compile(r"\b(?:not|no|never|none|cannot|nor|neither)\b|n't|不|没有|未")
JUDGE = "offline-rules-minilm-v2"


class JudgeConfig(BaseModel):
    """Thresholds that turn scores into decisions."""

    model_config = {"extra": "forbid"}
    accept_grounding: float = Field(
        default=0.6, ge=0, le=1, description="share of answer content words found in the evidence to accept"
    )
    reject_grounding: float = Field(
        default=0.3, ge=0, le=1, description="below this share the sample is rejected as ungrounded"
    )
    accept_similarity: float = Field(
        default=0.6, ge=-1, le=1, description="embedding similarity of answer and evidence needed to accept"
    )
    reject_similarity: float = Field(
        default=0.35, ge=-1, le=1, description="below this embedding similarity the sample is rejected as off-topic"
    )
    embeddings: bool = Field(default=True, description="use sentence embeddings (all-MiniLM-L6-v2) besides overlap")
    audit_share: float = Field(default=0.02, ge=0, le=1, description="share of accepted samples sent to review")
    min_answer_chars: int = Field(default=8, ge=1, description="shorter answers are rejected as empty")
    max_answer_chars: int = Field(default=2000, ge=50, description="longer answers are flagged for review")
    max_repeat_ratio: float = Field(
        default=0.5, gt=0, le=1, description="share of repeated word trigrams above which an answer is rejected"
    )
    mode: Literal["auto", "offline", "llm"] = Field(
        default="auto", description="auto: the LLM judge when an LLM endpoint is configured, else the offline judge"
    )
    reject_score: int = Field(default=2, ge=1, le=5, description="LLM judge: a criterion scored this or lower rejects")
    flag_score: int = Field(default=3, ge=1, le=5, description="LLM judge: a criterion scored this or lower flags")


def content_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def fact_statement(fact: Fact) -> str:
    return f"{fact.subject} {fact.relation.replace('_', ' ')} {fact.object}"


def support_text(facts: list[Fact]) -> str:
    return " ".join([*(fact_statement(f) for f in facts), *(e.sentence for f in facts for e in f.evidence)])


def grounding(answer: str, facts: list[Fact]) -> float:
    """Share of the answer's content words that appear in its facts' evidence sentences or the facts themselves."""
    support = set(content_words(support_text(facts)))
    words = content_words(answer)
    return sum(w in support for w in words) / len(words) if words else 0.0


def covers_fact(question: str, answer: str, facts: list[Fact]) -> bool:
    """The answer states some fact: it has at least half of the fact's words the question did not already say."""
    asked, said = set(content_words(question)), set(content_words(answer))
    for fact in facts:
        needed = set(content_words(f"{fact.subject} {fact.object}")) - asked
        if not needed or len(needed & said) * 2 >= len(needed):
            return True
    return False


def negation_conflict(answer: str, facts: list[Fact]) -> bool:
    """The answer negates what the evidence affirms, or affirms what it negates."""
    evidence = " ".join(e.sentence for f in facts for e in f.evidence).lower()
    negated = any(f.negated for f in facts) or bool(NEGATION.search(evidence))
    return bool(NEGATION.search(answer.lower())) != negated


def repeat_ratio(text: str) -> float:
    words = WORD.findall(text.lower())
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    return 1 - len(set(grams)) / len(grams) if grams else 0.0


def names_fact(question: str, facts: list[Fact]) -> bool:
    """The question mentions a fact's subject or object (by any of their content words)."""
    asked = set(content_words(question))
    return any(set(content_words(f.subject)) & asked or set(content_words(f.object)) & asked for f in facts)


def language_matches(text: str, lang: str) -> bool:
    """Chinese or Japanese samples are written in their script, the others are not."""
    unspaced = bool(UNSPACED.search(text))
    return unspaced if lang in ("zh", "ja") else not unspaced or len(UNSPACED.findall(text)) * 3 < len(text)


def similarities(samples: list[Sample], facts_of: dict[str, list[Fact]]) -> dict[str, float]:
    """Per sample, the mean over its answers of the best cosine similarity to its evidence or fact statements;
    every text is embedded once, in batches."""
    from curation.embed import embed

    pairs = []
    for s in samples:
        support = [fact_statement(f) for f in facts_of[s.id]] + [e.sentence for f in facts_of[s.id] for e in f.evidence]
        answers = [m.content for m in s.messages if m.role == "assistant"]
        if support and answers:
            pairs.append((s.id, answers, support))
    texts = sorted({t for _, answers, support in pairs for t in answers + support})
    vectors = dict(zip(texts, embed(texts)))
    scores = {}
    for sample_id, answers, support in pairs:
        a = np.stack([vectors[t] for t in answers])
        b = np.stack([vectors[t] for t in support])
        scores[sample_id] = float((a @ b.T).max(axis=1).mean())
    return scores


def judge_sample(sample: Sample, facts: list[Fact], cfg: JudgeConfig, similarity: float | None = None) -> Verdict:
    """Score one sample against the facts it claims to come from (similarity: from `similarities`, if used)."""
    reasons, flags = [], []
    questions = [m.content for m in sample.messages if m.role == "user"]
    answers = [m.content for m in sample.messages if m.role == "assistant"]
    answer = " ".join(answers)
    ground = grounding(answer, facts) if facts else 0.0
    repeats = max((repeat_ratio(a) for a in answers), default=0.0)
    named = names_fact(questions[0], facts) if questions and facts else False
    covered = covers_fact(" ".join(questions), answer, facts) if facts else False
    scores = {
        "grounding": round(ground, 3),
        "repetition": round(1 - repeats, 3),
        "names_subject": float(named),
        "covers_fact": float(covered),
    }
    if similarity is not None:
        scores["similarity"] = round(similarity, 3)
    if not facts:
        reasons.append("unknown_fact")
    if not answers or min(len(a.strip()) for a in answers) < cfg.min_answer_chars:
        reasons.append("empty_answer")
    if ground < cfg.reject_grounding:
        reasons.append("ungrounded")
    if similarity is not None and similarity < cfg.reject_similarity:
        reasons.append("off_topic")
    if facts and answers and not covered:
        reasons.append("answer_misses_fact")
    if facts and answers and negation_conflict(answer, facts):
        reasons.append("contradicts_evidence")
    if repeats > cfg.max_repeat_ratio:
        reasons.append("repetition")
    if any(normalise(q) == normalise(a) for q, a in zip(questions, answers)):
        reasons.append("answer_repeats_question")
    if answers and any(a.rstrip()[-1:] not in ".!?\"')]。！？" for a in answers):
        flags.append("truncated")
    if not named:
        flags.append("question_misses_subject")
    if cfg.reject_grounding <= ground < cfg.accept_grounding:
        flags.append("weak_grounding")
    if similarity is not None and cfg.reject_similarity <= similarity < cfg.accept_similarity:
        flags.append("weak_similarity")
    if len(answer) > cfg.max_answer_chars:
        flags.append("too_long")
    if not language_matches(answer, sample.lang):
        flags.append("language_mismatch")
    decision = "reject" if reasons else "flag" if flags else "accept"
    return Verdict(sample_id=sample.id, scores=scores, decision=decision, reasons=reasons + flags, judge=JUDGE)


def audited(sample_id: str, share: float) -> bool:
    """A fixed pseudo-random draw per sample, so a rerun audits the same samples."""
    return int(hashlib.sha1(f"audit:{sample_id}".encode()).hexdigest()[:8], 16) < share * 0x100000000


def with_audit(verdict: Verdict, share: float) -> Verdict:
    """An accepted verdict drawn for the random audit becomes a flag with reason `audit`."""
    if verdict.decision == "accept" and audited(verdict.sample_id, share):
        return verdict.model_copy(update={"decision": "flag", "reasons": [*verdict.reasons, "audit"]})
    return verdict


def judge_offline(samples: list[Sample], facts: dict[str, Fact], cfg: JudgeConfig) -> list[Verdict]:
    """Verdicts for a batch: embeddings computed once for all, then rules and thresholds per sample, then audit."""
    facts_of = {s.id: [facts[i] for i in s.fact_ids if i in facts] for s in samples}
    scores = similarities(samples, facts_of) if cfg.embeddings and samples else {}
    return [with_audit(judge_sample(s, facts_of[s.id], cfg, scores.get(s.id)), cfg.audit_share) for s in samples]
