"""Test doubles shared across packages: a FakeLLM behind the LLM seam."""


class FakeLLM:
    """Answers from a queue (dicts validated into the requested schema, or exceptions raised) and records every
    prompt, so stage logic is tested without a model."""

    provider = "fake"
    model = "fake-1"

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
