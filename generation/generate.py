"""The generation stage: per fact, the planned QA, self-chat dialogues and multi-hop questions, through one LLM."""

from __future__ import annotations

import asyncio

import networkx as nx
from pydantic import BaseModel, Field, field_validator, model_validator

from generation.plan import ALL_TYPES, FactIndex, Job, plan_fact
from generation.prompts import (
    PROMPT_VERSION,
    dialogue_assistant_prompt,
    dialogue_user_prompt,
    multihop_prompt,
    qa_prompt,
)
from generation.records import GeneratorInfo, Message, QAPair, Sample, Turn
from kgraph.llm import LLM, LLMError, run_and_close
from kgraph.records import Fact, Rejection


class GenerationConfig(BaseModel):
    """How many samples of each kind to write per fact, and in what variety."""

    model_config = {"extra": "forbid"}
    qa_per_fact: int = Field(
        default=4, ge=0, le=12, description="single-turn QA samples per fact, one per question type"
    )
    question_types: list[str] | None = Field(
        default=None, description=f"only these question types (default: all that fit the fact): {', '.join(ALL_TYPES)}"
    )
    dialogues_per_fact: int = Field(default=1, ge=0, le=5, description="self-chat dialogues per fact")
    min_turns: int = Field(default=3, ge=1, le=12, description="fewest user/assistant exchanges in a dialogue")
    max_turns: int = Field(default=6, ge=1, le=12, description="most user/assistant exchanges in a dialogue")
    multihop_per_fact: int = Field(default=1, ge=0, le=3, description="multi-hop questions per fact (2-3 hop paths)")

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


def make_sample(job: Job, messages: list[Message], llm: LLM) -> Sample:
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
    )


def rejection(job: Job, err: LLMError) -> Rejection:
    detail = f"{job.kind}:{job.question_type}" if job.question_type else job.kind
    return Rejection(item_id=job.seed.id, stage="generate", reason=err.reason, detail=detail, raw=err.raw)


async def single_turn(job: Job, llm: LLM) -> Sample:
    """Huatuo-style QA or a multi-hop question: one call, the question and its grounded answer."""
    prompt = multihop_prompt(job) if job.kind == "multihop" else qa_prompt(job)
    pair = await llm.complete(prompt, QAPair)
    messages = [Message(role="user", content=pair.question), Message(role="assistant", content=pair.answer)]
    return make_sample(job, messages, llm)


async def self_chat(job: Job, llm: LLM) -> Sample:
    """Baize-style self-chat: separate user and assistant calls per turn, later turns walking to neighbour facts."""
    history: list[dict[str, str]] = []
    for turn in range(job.turns):
        question = await llm.complete(dialogue_user_prompt(job, turn, history), Turn)
        history.append({"role": "user", "content": question.content})
        reply = await llm.complete(dialogue_assistant_prompt(job, turn, history), Turn)
        history.append({"role": "assistant", "content": reply.content})
    # fact_ids lists only the facts the talk reached (a walk longer than the turns is cut).
    used = job.facts[: job.turns]
    return make_sample(
        Job(job.kind, used, persona=job.persona, difficulty=job.difficulty, turns=job.turns),
        [Message(**m) for m in history],
        llm,
    )


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
    return split(await asyncio.gather(*(run_job(job, llm) for job in plan_fact(fact, index, cfg))))


def split(results: list[Sample | Rejection]) -> tuple[list[Sample], list[Rejection]]:
    return [r for r in results if isinstance(r, Sample)], [r for r in results if isinstance(r, Rejection)]


async def generate_all(
    facts: list[Fact], graph: nx.MultiDiGraph, llm: LLM, cfg: GenerationConfig
) -> tuple[list[Sample], list[Rejection]]:
    """Samples for many facts at once; the client bounds how many requests are in flight."""
    index = FactIndex.of(graph)
    plans = {fact.id: plan_fact(fact, index, cfg) for fact in facts}
    unplanned = [
        Rejection(
            item_id=fid, stage="generate", reason="no_fitting_plan", detail="no sample kind or type fits the settings"
        )
        for fid, jobs in plans.items()
        if not jobs
    ]
    samples, rejections = split(await asyncio.gather(*(run_job(j, llm) for jobs in plans.values() for j in jobs)))
    return samples, unplanned + rejections


def run_generation(
    groups: list[tuple[GenerationConfig, list[Fact]]], graph: nx.MultiDiGraph, llm: LLM
) -> tuple[list[Sample], list[Rejection]]:
    """generate_all for groups of facts with their own settings (e.g. probe quotas) from synchronous code, in one
    event loop, closing the client's connections once at the end."""

    async def main():
        results = await asyncio.gather(*(generate_all(facts, graph, llm, cfg) for cfg, facts in groups))
        return [s for found, _ in results for s in found], [r for _, failed in results for r in failed]

    return run_and_close(llm, main())
