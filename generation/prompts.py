"""Prompt building: pure functions from facts to Prompts (tested without a model)."""

from __future__ import annotations

from kgraph.llm import Prompt
from kgraph.records import Fact

PROMPT_VERSION = "v1"
QUESTION_TYPES = ("object", "subject", "yes_no", "relationship")
SYSTEM = (
    "You write training data for a {domain} assistant. Stay strictly within the fact and the evidence "
    "sentence given; never add claims they do not support. If the fact is negated or hedged, say so. "
    "Write in {language}. Reply with JSON only."
)
LANGUAGES = {"en": "English", "zh": "Chinese"}


def fact_block(fact: Fact) -> str:
    flags = ", ".join(f for f, on in (("negated", fact.negated), ("hedged", fact.hedged)) if on) or "none"
    evidence = fact.evidence[0].sentence if fact.evidence else ""
    return (
        f"Fact: ({fact.subject}) -[{fact.relation}]-> ({fact.object})\n"
        f"Qualifiers: {flags}\n"
        f'Evidence sentence: "{evidence}"'
    )


def system_message(fact: Fact, lang: str = "en") -> dict[str, str]:
    return {"role": "system", "content": SYSTEM.format(domain=fact.domain, language=LANGUAGES.get(lang, "English"))}


def qa_prompt(fact: Fact, question_type: str, lang: str = "en") -> Prompt:
    """Huatuo-style single-turn QA: the fact and its evidence sentence, one question type."""
    user = (
        f"{fact_block(fact)}\n\nWrite one question of type '{question_type}' that a person could ask about this fact, "
        "naming its subject, and a helpful answer grounded in the evidence. "
        'Return {"question": ..., "answer": ...}.'
    )
    return Prompt(
        task="qa",
        messages=[system_message(fact, lang), {"role": "user", "content": user}],
        context={"fact": fact.model_dump(), "question_type": question_type, "lang": lang},
    )


def dialogue_user_prompt(seed: Fact, next_fact: Fact, history: list[dict[str, str]], lang: str = "en") -> Prompt:
    """Baize self-chat, user side: ask the next question, moving the talk to next_fact."""
    transcript = "\n".join(f"{m['role']}: {m['content']}" for m in history) or "(no turns yet)"
    user = (
        f"You play the human in a conversation about {seed.subject}.\nSo far:\n{transcript}\n\n"
        f'Ask the next question, about this fact:\n{fact_block(next_fact)}\nReturn {{"content": ...}}.'
    )
    return Prompt(
        task="dialogue_user",
        messages=[system_message(next_fact, lang), {"role": "user", "content": user}],
        context={"fact": next_fact.model_dump(), "turn": len(history) // 2, "lang": lang},
    )


def dialogue_assistant_prompt(fact: Fact, history: list[dict[str, str]], lang: str = "en") -> Prompt:
    """Baize self-chat, assistant side: answer the last question from the fact and its evidence."""
    transcript = "\n".join(f"{m['role']}: {m['content']}" for m in history)
    user = (
        f"You play the assistant.\nConversation:\n{transcript}\n\nAnswer the last question using only:\n"
        f'{fact_block(fact)}\nReturn {{"content": ...}}.'
    )
    return Prompt(
        task="dialogue_assistant",
        messages=[system_message(fact, lang), {"role": "user", "content": user}],
        context={"fact": fact.model_dump(), "turn": len(history) // 2, "lang": lang},
    )
