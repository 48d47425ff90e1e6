"""The embedded offline generator: deterministic templates over the structured prompt context, no network."""

from __future__ import annotations

import hashlib

from generation.records import QAPair, Turn
from generation.verbalise import MODALS, lemma_phrase, looks_plural, sentence_case, statement
from kgraph.llm import LLMError, Prompt, T
from kgraph.records import Fact, normalise


def pick(options: list[str], *keys: object) -> str:
    """A stable choice among wordings, so reruns produce the same sample."""
    digest = hashlib.sha1("|".join(map(str, keys)).encode()).digest()
    return options[digest[0] % len(options)]


def grounded_answer(fact: Fact) -> str:
    """The fact as a sentence, plus the evidence sentence when it says more."""
    said = statement(fact)
    evidence = fact.evidence[0].sentence if fact.evidence else ""
    if not evidence or normalise(evidence).rstrip(".") == normalise(said).rstrip("."):
        return said
    lead = pick(["The source puts it this way:", "In the source's words:", "As the text states:"], fact.id, "lead")
    return f'{said} {lead} "{evidence}"'


def inverted(fact: Fact) -> tuple[str, str]:
    """Auxiliary and remaining predicate for a question: ('is', 'contraindicated in'), ('does', 'treat')."""
    words = lemma_phrase(fact).split()
    head, rest = words[0], " ".join(words[1:])
    if head in MODALS:
        return head, rest
    if head == "be":
        return ("are" if looks_plural(fact.subject) else "is"), rest
    return ("do" if looks_plural(fact.subject) else "does"), " ".join(words)


def question_for(fact: Fact, question_type: str) -> str:
    """One question naming the fact's subject or object, in the wording of its type."""
    aux, rest = inverted(fact)
    s, o = fact.subject, fact.object
    if question_type == "object":
        return pick(
            [
                f"What {aux} {s} {rest}?",
                f"According to the source, what {aux} {s} {rest}?",
                f"In the {fact.domain} literature, what {aux} {s} {rest}?",
            ],
            fact.id,
            question_type,
        )
    if question_type == "subject":
        positive = statement(fact.model_copy(update={"negated": False, "hedged": False})).rstrip(".")
        predicate = positive[len(s) :].strip()
        return pick([f"What {predicate}?", f"Which one {predicate}?"], fact.id, question_type)
    if question_type == "yes_no":
        return f"{aux} {s} {rest} {o}?"
    return pick(
        [
            f"What is the relationship between {s} and {o}?",
            f"How are {s} and {o} related?",
            f"Explain how {s} relates to {o}.",
        ],
        fact.id,
        question_type,
    )


def answer_for(fact: Fact, question_type: str) -> str:
    if question_type == "yes_no":
        verdict = (
            "Not according to the source."
            if fact.negated
            else ("Possibly; the source states it with caution." if fact.hedged else "Yes.")
        )
        return f"{verdict} {grounded_answer(fact)}"
    return grounded_answer(fact)


def follow_up(fact: Fact, turn: int) -> str:
    s = fact.subject
    return pick(
        [
            f"And what about {s}?",
            f"Related to that, what should I know about {s}?",
            f"You mentioned {s}. What else does the source say about it?",
            f"How does {s} come into this?",
        ],
        fact.id,
        turn,
    )


class OfflineGenerator:
    """Answers generation prompts from their structured context; used when no endpoint is configured."""

    provider = "offline"
    model = "templates-v1"

    async def complete(self, prompt: Prompt, schema: type[T]) -> T:
        fact = Fact.model_validate(prompt.context["fact"]) if "fact" in prompt.context else None
        if fact is None:
            raise LLMError("offline generator needs a fact in the prompt context")
        if prompt.task == "qa" and schema is QAPair:
            qtype = prompt.context.get("question_type", "relationship")
            return schema(question=sentence_case(question_for(fact, qtype)), answer=answer_for(fact, qtype))
        if prompt.task == "dialogue_user" and schema is Turn:
            turn = prompt.context.get("turn", 0)
            text = question_for(fact, "relationship") if turn == 0 else follow_up(fact, turn)
            return schema(content=sentence_case(text))
        if prompt.task == "dialogue_assistant" and schema is Turn:
            return schema(content=grounded_answer(fact))
        raise LLMError(f"offline generator cannot do task {prompt.task!r} with {schema.__name__}")
