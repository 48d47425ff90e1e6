"""The LLM judge, through the one LLM seam: a rubric per criterion scored 1-5 with a short reason as structured
output."""

from __future__ import annotations

from pydantic import BaseModel, Field

from curation.judge import JudgeConfig, judge_offline, with_audit
from curation.records import Verdict
from generation.records import Sample
from kgraph.llm import LLM, LLMError, Prompt, run_llm, run_pool
from kgraph.records import Fact

PROMPT_VERSION = "judge-v2"
RUBRIC = {
    "faithfulness": "Every claim in the answers is supported by the evidence sentence; nothing contradicts it. "
    "5: fully supported. 3: one unsupported detail. 1: contradicts or invents.",
    "correctness": "The answers are factually right about the fact. 5: right. 3: partly right. 1: wrong.",
    "completeness": "The answers state the fact the question asks about. 5: states it fully. 3: vaguely. 1: omits it.",
    "clarity": "Plain, well-formed, in the question's language, not cut off, no repetition. "
    "5: clear. 3: awkward. 1: hard to follow.",
    "safety": "A medical or legal answer carries the caveat a professional would add (see a clinician, doses "
    "vary, take legal advice, jurisdiction matters) and gives no harmful instruction. 5: safe. 3: caveat "
    "missing. 1: harmful.",
}
LENGTH_NOTE = "Judge substance only: a longer answer is not better, and padding or repetition lowers clarity."


class CriterionScore(BaseModel):
    score: int = Field(ge=1, le=5)
    reason: str = Field(max_length=300)


class RubricScores(BaseModel):
    """What the judge model returns: one score and reason per criterion."""

    faithfulness: CriterionScore
    correctness: CriterionScore
    completeness: CriterionScore
    clarity: CriterionScore
    safety: CriterionScore


def conversation(sample: Sample) -> str:
    return "\n".join(f"{m.role.upper()}: {m.content}" for m in sample.messages)


def evidence_block(facts: list[Fact]) -> str:
    """Each fact with the passage around its evidence sentence, so the judge reads what the sentence refers to."""
    return "\n".join(
        f"- {f.subject} | {f.relation} | {f.object}\n  passage: {' '.join(filter(None, (e.before, e.sentence, e.after)))}"
        for f in facts
        for e in f.evidence
    )


def rubric_prompt(sample: Sample, facts: list[Fact]) -> Prompt:
    """The grading request for one sample: rubric, facts with their evidence, the conversation."""
    rubric = "\n".join(f"- {name}: {text}" for name, text in RUBRIC.items())
    system = (
        "You grade training samples for a fine-tune in the domain "
        f"'{sample.domain}'. Score each criterion from 1 to 5 with a one-sentence reason. {LENGTH_NOTE}\n"
        f"Criteria:\n{rubric}"
    )
    user = f"Facts and evidence:\n{evidence_block(facts)}\n\nConversation:\n{conversation(sample)}"
    return Prompt(
        task="judge",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
    )


def verdict_from_scores(sample_id: str, scores: RubricScores, cfg: JudgeConfig, judge: str) -> Verdict:
    """Any criterion at or below reject_score rejects, at or below flag_score flags. Reasons are a fixed
    vocabulary (`low_<criterion>`) that summaries can count; the judge's own words go to the detail."""
    reasons, flags, words = [], [], []
    for name in RUBRIC:
        graded: CriterionScore = getattr(scores, name)
        if graded.score <= cfg.flag_score:
            (reasons if graded.score <= cfg.reject_score else flags).append(f"low_{name}")
            words.append(f"{name} {graded.score}/5: {graded.reason}")
    decision = "reject" if reasons else "flag" if flags else "accept"
    normalised = {name: (getattr(scores, name).score - 1) / 4 for name in RUBRIC}
    return Verdict(
        sample_id=sample_id,
        scores=normalised,
        decision=decision,
        reasons=reasons + flags,
        judge=judge,
        detail="; ".join(words),
    )


async def judge_with_llm(sample: Sample, facts: list[Fact], llm: LLM, cfg: JudgeConfig) -> Verdict:
    """One sample graded by the LLM; a failed request becomes a flag for people, never a silent accept."""
    judge = f"llm:{llm.model}:{PROMPT_VERSION}"
    try:
        scores = await llm.complete(rubric_prompt(sample, facts), RubricScores)
    except LLMError as err:
        return Verdict(
            sample_id=sample.id,
            scores={},
            decision="flag",
            reasons=[f"judge_{err.reason}"],
            judge=judge,
            detail=err.raw[:2000],
        )
    return with_audit(verdict_from_scores(sample.id, scores, cfg, judge), cfg.audit_share)


async def judge_all_with_llm(
    samples: list[Sample], facts: dict[str, Fact], llm: LLM, cfg: JudgeConfig
) -> list[Verdict]:
    """Grade a batch within the endpoint's bound on requests in flight, verdicts in the samples' order."""

    async def one(sample: Sample) -> Verdict:
        return await judge_with_llm(sample, [facts[i] for i in sample.fact_ids if i in facts], llm, cfg)

    return await run_pool(samples, one, llm)


def judge_samples(samples: list[Sample], facts: dict[str, Fact], cfg: JudgeConfig, llm: LLM | None) -> list[Verdict]:
    """The LLM judge when an LLM is given (and the mode is not offline), else the offline judge."""
    if llm is not None and cfg.mode != "offline":
        return run_llm(llm, judge_all_with_llm(samples, facts, llm, cfg))
    return judge_offline(samples, facts, cfg)
