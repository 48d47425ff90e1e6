"""The embedded offline generator: deterministic templates over the structured prompt context, no network."""

from __future__ import annotations

from generation import wording_en, wording_zh
from generation.records import QAPair, Turn
from kgraph.llm import LLMError, Prompt, T
from kgraph.records import Fact


class OfflineGenerator:
    """Answers generation prompts from their structured context; used when no endpoint is configured."""

    provider = "offline"
    model = "templates-v2"
    concurrency = 64  # it answers at once, so any width serves

    async def complete(self, prompt: Prompt, schema: type[T]) -> T:
        ctx = prompt.context
        facts = [Fact.model_validate(f) for f in ctx.get("facts", [])]
        if not facts:
            raise LLMError("offline generator needs facts in the prompt context")
        words = wording_zh if ctx.get("lang") == "zh" else wording_en
        qtype, persona, level, options = ctx["question_type"], ctx["persona"], ctx["difficulty"], ctx["options"]
        key = (facts[0].id, qtype, persona, level, ctx.get("turn", 0))
        if prompt.task == "qa" and schema is QAPair:
            return schema(
                question=words.question(facts, qtype, persona, level, options, key),
                answer=words.answer(facts, qtype, persona, level, options, key),
            )
        if prompt.task == "multihop" and schema is QAPair:
            return schema(
                question=words.multihop_question(facts, persona, level, key),
                answer=words.multihop_answer(facts, level, key),
            )
        if prompt.task in ("dialogue_user", "dialogue_assistant") and schema is Turn:
            return schema(content=turn_text(words, prompt.task, facts, ctx, key))
        raise LLMError(f"offline generator cannot do task {prompt.task!r} with {schema.__name__}")


def turn_text(words, task: str, facts: list[Fact], ctx: dict, key: tuple) -> str:
    """One self-chat turn: the opening question, a follow-up walking to the next fact, or a question on the seed
    fact again when the walk ran out of neighbours; or the assistant's grounded answer to it."""
    turn, persona, level = ctx["turn"], ctx["persona"], ctx["difficulty"]
    fact = facts[turn] if turn < len(facts) else facts[0]
    if task == "dialogue_assistant":
        if turn >= len(facts):
            return words.repeat_answer(fact, turn - len(facts))
        return words.answer([fact], "explanation", persona, level, [], key)
    if turn == 0:
        return words.question([fact], wording_en.natural_type(fact), persona, level, [], key)
    if turn >= len(facts):
        return words.repeat_question(turn - len(facts))
    return words.follow_up(fact, facts[turn - 1], key)
