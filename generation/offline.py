"""The embedded offline generator: questions from templates, answers from the evidence, no network."""

from __future__ import annotations

from generation import wording_en, wording_zh
from generation.prompts import JobContext
from generation.records import QAPair, ReasonedQA, Turn
from kgraph.llm import LLMError, Prompt, T

# Grounded style only: the answer points at the passage the user turn carries.
CITES = {"en": "According to the passage: ", "zh": "根据上文："}


class OfflineGenerator:
    """Answers generation prompts from their structured context; used when no endpoint is configured."""

    provider = "offline"
    model = "evidence-v3"
    concurrency = 64  # it answers at once, so any width serves

    async def complete(self, prompt: Prompt, schema: type[T]) -> T:
        ctx = prompt.context
        if not isinstance(ctx, JobContext):
            raise LLMError(f"the offline generator answers generation prompts only, not {prompt.task!r}")
        facts = ctx.facts
        lang = "zh" if ctx.lang == "zh" else "en"
        words = wording_zh if lang == "zh" else wording_en
        cite = CITES[lang] if ctx.grounded else ""
        key = (facts[0].id, ctx.question_type, ctx.persona, ctx.difficulty, ctx.turn, ctx.aspect)
        # With reasoning asked for, the question and answer are the same as without: only the steps are added.
        steps = schema is ReasonedQA
        if prompt.task == "qa" and schema in (QAPair, ReasonedQA):
            extra = {"reasoning": words.reasoning(ctx, facts, key)} if steps else {}
            answer = cite + words.answer(ctx, facts, key)
            return schema(question=words.question(ctx, facts, key), answer=answer, **extra)
        if prompt.task == "multihop" and schema in (QAPair, ReasonedQA):
            extra = {"reasoning": words.multihop_reasoning(facts)} if steps else {}
            question = words.multihop_question(facts, ctx.persona, ctx.difficulty, key)
            return schema(question=question, answer=cite + words.multihop_answer(facts, ctx.difficulty, key), **extra)
        if prompt.task == "dialogue_user" and schema is Turn:
            return schema(content=words.turn_question(facts, ctx.turn, ctx.forms, key))
        if prompt.task == "dialogue_assistant" and schema is Turn:
            return schema(content=cite + words.turn_answer(facts, ctx.turn, ctx.forms))
        raise LLMError(f"offline generator cannot do task {prompt.task!r} with {schema.__name__}")
