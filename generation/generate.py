"""The generation stage: per fact, the planned QA, self-chat dialogues and multi-hop questions, through one LLM."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from generation.budget import plan_selected
from generation.passage import joined, passage
from generation.plan import ALL_TYPES, MIN_CONFIDENCE, FactIndex, Job, plan_fact
from generation.prompts import (
    PROMPT_VERSION,
    dialogue_assistant_prompt,
    dialogue_user_prompt,
    multihop_prompt,
    qa_prompt,
)
from generation.records import GeneratorInfo, Message, QAPair, ReasonedQA, Sample, Turn
from kgraph.llm import LLM, LLMError, run_llm, run_pool
from kgraph.records import Fact, Rejection


class GenerationConfig(BaseModel):
    """How many samples of each kind to write per fact, and in what variety."""

    model_config = {"extra": "forbid"}
    style: Literal["closed_book", "grounded"] = Field(
        default="closed_book",
        description="closed_book: samples read like an expert's answer and never mention a source; grounded: the "
        "user turn carries the passage and the answer may cite it (for retrieval-augmented use)",
    )
    qa_per_fact: int = Field(
        default=2, ge=0, le=12, description="single-turn QA samples per fact, one per question type"
    )
    aspect_questions: bool = Field(
        default=True,
        description="entity-level questions that gather every fact of one aspect (symptoms, treatment; "
        "obligations, rights), one per entity and aspect",
    )
    question_types: list[str] | None = Field(
        default=None, description=f"only these question types (default: all that fit the fact): {', '.join(ALL_TYPES)}"
    )
    dialogues_per_fact: int = Field(
        default=0,
        ge=0,
        le=5,
        description="self-chat dialogues per fact (off by default: one weak turn spoils a dialogue, and offline "
        "follow-ups wander between documents through shared words)",
    )
    min_turns: int = Field(
        default=3,
        ge=1,
        le=12,
        description="fewest user/assistant exchanges planned for a dialogue; a walk that runs out of neighbouring "
        "facts ends the dialogue earlier rather than padding it",
    )
    max_turns: int = Field(default=6, ge=1, le=12, description="most user/assistant exchanges in a dialogue")
    multihop_per_fact: int = Field(
        default=0,
        ge=0,
        le=3,
        description="multi-hop questions per fact (2-3 hop paths; off by default: in one label or contract most "
        "paths only say that two facts share a document)",
    )
    reasoning: bool = Field(
        default=False,
        description="QA and multi-hop samples also carry their reasoning (one step per fact, then the conclusion) "
        "in a field of their own; export writes them to export/reasoning.jsonl, plain exports stay as they are",
    )
    min_confidence: float = Field(
        default=MIN_CONFIDENCE,
        ge=0.0,
        le=1.0,
        description="only facts at least this confident feed generation; the rest stay in the graph",
    )
    max_samples_per_document: int = Field(
        default=200,
        ge=1,
        description="most samples planned from one document's facts; the most confident facts go first",
    )

    @field_validator("question_types")
    @classmethod
    def known_types(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or []) - set(ALL_TYPES))
        if unknown:
            raise ValueError(f"unknown question types {unknown}: choose from {', '.join(ALL_TYPES)}")
        return value

    @model_validator(mode="after")
    def turns_in_order(self) -> GenerationConfig:
        if self.min_turns > self.max_turns:
            raise ValueError("min_turns must not exceed max_turns")
        return self


def generator_info(llm: LLM) -> GeneratorInfo:
    return GeneratorInfo(provider=llm.provider, model=llm.model, prompt_version=PROMPT_VERSION)


def with_passage(job: Job, messages: list[Message]) -> list[Message]:
    """Grounded style: the first user turn carries the passages the answers come from."""
    if not job.grounded:
        return messages
    text = joined([passage(f.evidence[0]) for f in job.facts if f.evidence])
    first = messages[0].model_copy(update={"content": f"Read this passage:\n{text}\n\n{messages[0].content}"})
    return [first, *messages[1:]]


def make_sample(job: Job, messages: list[Message], llm: LLM, reasoning: list[str] = ()) -> Sample:
    messages = with_passage(job, messages)
    fact_ids = list(dict.fromkeys(f.id for f in job.facts))
    evidence = list(dict.fromkeys(e for f in job.facts for e in f.evidence))
    return Sample(
        id=Sample.make_id(job.kind, fact_ids, messages),
        kind=job.kind,
        messages=messages,
        fact_ids=fact_ids,
        evidence=evidence,
        style=job.style,
        generator=generator_info(llm),
        domain=job.seed.domain,
        lang=job.lang,
        reasoning=list(reasoning),
    )


def rejection(job: Job, err: LLMError) -> Rejection:
    detail = f"{job.kind}:{job.question_type}" if job.question_type else job.kind
    return Rejection(item_id=job.seed.id, stage="generate", reason=err.reason, detail=detail, raw=err.raw)


async def single_turn(job: Job, llm: LLM) -> Sample:
    """Huatuo-style QA or a multi-hop question: one call, the question and its grounded answer."""
    prompt = multihop_prompt(job) if job.kind == "multihop" else qa_prompt(job)
    pair = await llm.complete(prompt, ReasonedQA if job.reasoning else QAPair)
    messages = [Message(role="user", content=pair.question), Message(role="assistant", content=pair.answer)]
    return make_sample(job, messages, llm, getattr(pair, "reasoning", []))


async def self_chat(job: Job, llm: LLM) -> Sample:
    """Baize-style self-chat: separate user and assistant calls per turn, later turns walking to neighbour facts."""
    history: list[dict[str, str]] = []
    for turn in range(job.turns):
        question = await llm.complete(dialogue_user_prompt(job, turn, history), Turn)
        history.append({"role": "user", "content": question.content})
        reply = await llm.complete(dialogue_assistant_prompt(job, turn, history), Turn)
        history.append({"role": "assistant", "content": reply.content})
    return make_sample(job, [Message(**m) for m in history], llm)


async def run_job(job: Job, llm: LLM) -> Sample | Rejection:
    """One planned sample, or the Rejection that says why it could not be written."""
    try:
        return await (self_chat(job, llm) if job.kind == "dialogue" else single_turn(job, llm))
    except LLMError as err:
        return rejection(job, err)


async def generate_samples(
    fact: Fact, index: FactIndex, llm: LLM, cfg: GenerationConfig
) -> tuple[list[Sample], list[Rejection]]:
    """All planned samples of one fact, and the requests that failed for good as Rejections."""
    return split(await run_jobs(plan_fact(fact, index, cfg), llm))


def split(results: list[Sample | Rejection]) -> tuple[list[Sample], list[Rejection]]:
    return [r for r in results if isinstance(r, Sample)], [r for r in results if isinstance(r, Rejection)]


async def run_jobs(jobs: list[Job], llm: LLM) -> list[Sample | Rejection]:
    """Every job's result, in order, from the LLM's pool of workers."""
    # Longest first: a dialogue is turns x 2 requests in a row, and one started last would keep the batch
    # running long after every other request is done.
    order = sorted(range(len(jobs)), key=lambda i: -requests_in_a_row(jobs[i]))
    done = await run_pool(order, lambda i: run_job(jobs[i], llm), llm)
    results: list[Sample | Rejection] = [None] * len(jobs)  # type: ignore[list-item]
    for i, result in zip(order, done):
        results[i] = result
    return results


def requests_in_a_row(job: Job) -> int:
    """How many requests the job makes one after another."""
    return 2 * job.turns if job.kind == "dialogue" else 1


def plan_all(facts: list[Fact], index: FactIndex, cfg: GenerationConfig) -> tuple[list[Job], list[Rejection]]:
    """Every selected fact's planned jobs; a Rejection for each fact skipped (low confidence, generic argument,
    over its document's budget) and for each that no sample kind or type fits."""
    selected, unplanned = plan_selected(facts, index, cfg)
    jobs = []
    for fact, planned in selected:
        jobs += planned
        if not planned:
            detail = "no sample kind or type fits the settings"
            unplanned.append(Rejection(item_id=fact.id, stage="generate", reason="no_fitting_plan", detail=detail))
    return jobs, unplanned


def run_generation(
    groups: list[tuple[GenerationConfig, list[Fact]]], index: FactIndex, llm: LLM
) -> tuple[list[Sample], list[Rejection]]:
    """Samples for groups of facts with their own settings (e.g. probe quotas), from synchronous code. Planning
    happens here, in the caller's thread; only the requests run on the LLM loop, which other batches share."""
    planned = [plan_all(facts, index, cfg) for cfg, facts in groups]
    jobs = [job for group_jobs, _ in planned for job in group_jobs]

    samples, rejections = split(run_llm(llm, run_jobs(jobs, llm)))
    return samples, [r for _, unplanned in planned for r in unplanned] + rejections
