"""Test doubles and builders shared across packages: a FakeLLM behind the LLM seam, facts and samples."""

from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Evidence, Fact
from training.records import Evaluation

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


def make_evaluation(
    items: dict[str, list[tuple[str, bool]]], general_after: float = 0.5, per_question: bool = True
) -> Evaluation:
    """An evaluation.json record: per set, (fact id, answered right) per question; `per_question=False` makes one
    written before evaluations kept per-question results."""
    zeros = dict.fromkeys(("before", "after", "majority", "recall_before", "recall_after"), 0.0)
    sets = {
        name: {
            "questions": len(rows),
            **zeros,
            "grounding_before": 0.0,
            "grounding_after": 0.0,
            "items": [
                {"fact_id": f, "question": f"q{n} {f}", "before": False, "after": ok, "recall_after": float(ok)}
                for n, (f, ok) in enumerate(rows)
                if per_question
            ],
        }
        for name, rows in items.items()
    }
    return Evaluation.model_validate(
        {"sets": sets, "general": {"questions": 20, "before": 0.5, "after": general_after}}
    )
