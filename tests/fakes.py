"""Test doubles and builders shared across packages: a FakeLLM behind the LLM seam, and facts."""

from kgraph.records import Evidence, Fact


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
