"""Test doubles and builders shared across packages: a FakeLLM behind the LLM seam, facts and samples."""

from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Evidence, Fact

HAND_WRITTEN = GeneratorInfo(provider="test", model="hand-written", prompt_version="v1")


def make_fact(subject, relation, obj, surface="", domain="medical", negated=False, hedged=False, sentence=None):
    """A fact with one evidence sentence (by default the fact read aloud)."""
    sentence = sentence or f"{subject} {surface or relation.replace('_', ' ')} {obj}."
    return Fact(
        id=Fact.make_id(subject, relation, obj, negated),
        subject=subject,
        relation=relation,
        object=obj,
        surface_relation=surface,
        negated=negated,
        hedged=hedged,
        domain=domain,
        evidence=[Evidence(doc_id="d", sentence=sentence, start=0, end=len(sentence))],
    )


def make_sample(*turns: str, fact: Fact | None = None, evidence=None, style=None) -> Sample:
    """A QA sample (two turns) or a dialogue (more), user first; about `fact` (its id, evidence and domain) or an
    unnamed fact 'f1'."""
    messages = [Message(role=("user", "assistant")[i % 2], content=text) for i, text in enumerate(turns)]
    kind = "qa" if len(turns) == 2 else "dialogue"
    fact_ids = [fact.id] if fact else ["f1"]
    return Sample(
        id=Sample.make_id(kind, fact_ids, messages),
        kind=kind,
        messages=messages,
        fact_ids=fact_ids,
        evidence=fact.evidence if fact else evidence or [],
        generator=HAND_WRITTEN,
        style=style or {},
        **({"domain": fact.domain} if fact else {}),
    )


class FakeLLM:
    """Answers from a queue (dicts validated into the requested schema, or exceptions raised) and records every
    prompt, so stage logic is tested without a model."""

    provider = "fake"
    model = "fake-1"
    concurrency = 4

    def __init__(self, *answers):
        self.queue: list = list(answers)
        self.calls: list = []

    def enqueue(self, *answers) -> None:
        self.queue.extend(answers)

    async def complete(self, prompt, schema):
        self.calls.append(prompt)
        answer = self.queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return schema.model_validate(answer)
