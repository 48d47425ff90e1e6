"""The generation stage: per fact, single-turn QA of several types and one self-chat dialogue."""

from __future__ import annotations

import asyncio

import networkx as nx
from pydantic import BaseModel, Field

from generation.prompts import (
    PROMPT_VERSION,
    QUESTION_TYPES,
    dialogue_assistant_prompt,
    dialogue_user_prompt,
    qa_prompt,
)
from generation.records import GeneratorInfo, Message, QAPair, Sample, Turn
from kgraph.graph import neighbour_facts
from kgraph.llm import LLM, LLMError, Prompt
from kgraph.records import Fact, Rejection


class GenerationConfig(BaseModel):
    """How many samples of each kind to write per fact."""

    model_config = {"extra": "forbid"}
    question_types: list[str] = Field(default=list(QUESTION_TYPES), description="QA question types per fact")
    dialogue_turns: int = Field(default=3, ge=2, le=6, description="user/assistant exchanges per dialogue")
    dialogues_per_fact: int = Field(default=1, ge=0, le=5, description="self-chat dialogues per fact")
    concurrency: int = Field(default=16, ge=1, le=1024, description="LLM requests in flight at once")


def generator_info(llm: LLM) -> GeneratorInfo:
    return GeneratorInfo(provider=llm.provider, model=llm.model, prompt_version=PROMPT_VERSION)


def make_sample(kind: str, messages: list[Message], facts: list[Fact], style: dict[str, str], llm: LLM) -> Sample:
    fact_ids = list(dict.fromkeys(f.id for f in facts))
    evidence = list(dict.fromkeys(e for f in facts for e in f.evidence))
    return Sample(
        id=Sample.make_id(kind, fact_ids, messages),
        kind=kind,
        messages=messages,
        fact_ids=fact_ids,
        evidence=evidence,
        style=style,
        generator=generator_info(llm),
        domain=facts[0].domain,
        lang=lang_of(facts[0]),
    )


def lang_of(fact: Fact) -> str:
    return (
        "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in fact.evidence[0].sentence) else "en" if fact.evidence else "en"
    )


async def ask(llm: LLM, prompt: Prompt, schema, limit: asyncio.Semaphore):
    async with limit:
        return await llm.complete(prompt, schema)


async def qa_samples(fact: Fact, llm: LLM, cfg: GenerationConfig, limit: asyncio.Semaphore):
    """One Huatuo-style QA per configured question type."""
    samples, rejections = [], []
    lang = lang_of(fact)
    for qtype in cfg.question_types:
        try:
            pair = await ask(llm, qa_prompt(fact, qtype, lang), QAPair, limit)
        except LLMError as err:
            rejections.append(
                Rejection(item_id=fact.id, stage="generate", reason=err.reason, detail=f"qa:{qtype}", raw=err.raw)
            )
            continue
        messages = [Message(role="user", content=pair.question), Message(role="assistant", content=pair.answer)]
        samples.append(make_sample("qa", messages, [fact], {"question_type": qtype}, llm))
    return samples, rejections


async def dialogue_sample(
    fact: Fact, graph: nx.MultiDiGraph, llm: LLM, cfg: GenerationConfig, limit: asyncio.Semaphore
):
    """Baize-style self-chat: separate user and assistant calls, each later turn walking to a neighbouring fact."""
    path = [fact, *neighbour_facts(graph, fact, limit=cfg.dialogue_turns - 1)]
    if len(path) == 1:
        path.append(fact)  # no neighbour: the follow-up asks more about the seed fact, still two exchanges
    lang = lang_of(fact)
    history: list[dict[str, str]] = []
    try:
        for current in path:
            question = await ask(llm, dialogue_user_prompt(fact, current, history, lang), Turn, limit)
            history.append({"role": "user", "content": question.content})
            reply = await ask(llm, dialogue_assistant_prompt(current, history, lang), Turn, limit)
            history.append({"role": "assistant", "content": reply.content})
    except LLMError as err:
        return None, Rejection(item_id=fact.id, stage="generate", reason=err.reason, detail="dialogue", raw=err.raw)
    messages = [Message(**m) for m in history]
    return make_sample(
        "dialogue", messages, list({f.id: f for f in path}.values()), {"turns": str(len(path))}, llm
    ), None


async def generate_samples(
    fact: Fact, graph: nx.MultiDiGraph, llm: LLM, cfg: GenerationConfig, limit: asyncio.Semaphore | None = None
) -> tuple[list[Sample], list[Rejection]]:
    """All samples of one fact, and the requests that failed for good as Rejections."""
    limit = limit or asyncio.Semaphore(cfg.concurrency)
    samples, rejections = await qa_samples(fact, llm, cfg, limit)
    for _ in range(cfg.dialogues_per_fact):
        sample, rejection = await dialogue_sample(fact, graph, llm, cfg, limit)
        samples.extend([sample] if sample else [])
        rejections.extend([rejection] if rejection else [])
    return samples, rejections


async def generate_all(facts: list[Fact], graph: nx.MultiDiGraph, llm: LLM, cfg: GenerationConfig):
    """Samples for many facts concurrently, bounded by cfg.concurrency requests in flight."""
    limit = asyncio.Semaphore(cfg.concurrency)
    results = await asyncio.gather(*(generate_samples(f, graph, llm, cfg, limit) for f in facts))
    samples = [s for found, _ in results for s in found]
    rejections = [r for _, rejected in results for r in rejected]
    return samples, rejections
