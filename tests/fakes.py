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


def make_sample(
    *turns, fact: Fact | None = None, evidence=None, style=None, generator=HAND_WRITTEN, domain=None
) -> Sample:
    """A QA sample (one exchange) or a dialogue (more): turns are texts, user first, or (role, text) pairs (to
    open with a system prompt); about `fact` (its id, evidence and domain) or an unnamed fact 'f1'."""
    pairs = [t if isinstance(t, tuple) else (("user", "assistant")[i % 2], t) for i, t in enumerate(turns)]
    messages = [Message(role=role, content=text) for role, text in pairs]
    kind = "qa" if sum(role != "system" for role, _ in pairs) == 2 else "dialogue"
    fact_ids = [fact.id] if fact else ["f1"]
    return Sample(
        id=Sample.make_id(kind, fact_ids, messages),
        kind=kind,
        messages=messages,
        fact_ids=fact_ids,
        evidence=fact.evidence if fact else evidence or [],
        generator=generator,
        style=style or {},
        **({"domain": fact.domain if fact else domain} if fact or domain else {}),
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
