"""Records of the generation stage: training samples and the structured outputs the LLM is asked for."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from kgraph.records import Evidence, Record, content_id

Kind = Literal["qa", "dialogue", "multihop"]


class Message(Record):
    role: Literal["system", "user", "assistant"]
    content: str


class GeneratorInfo(Record):
    provider: str
    model: str
    prompt_version: str


class Sample(Record):
    id: str
    kind: Kind
    messages: list[Message]
    fact_ids: list[str]
    evidence: list[Evidence]
    style: dict[str, str] = Field(default_factory=dict, description="question type, persona, difficulty")
    generator: GeneratorInfo
    domain: str = "general"
    lang: str = "en"
    reasoning: list[str] = Field(
        default_factory=list,
        description="opt-in chain of thought for the last answer: one step per fact, then the conclusion; kept out "
        "of the messages so plain exports leave it out (samples written before it have none)",
    )

    @staticmethod
    def make_id(kind: str, fact_ids: list[str], messages: list[Message]) -> str:
        return content_id(kind, sorted(fact_ids), [(m.role, m.content) for m in messages])


class QAPair(BaseModel):
    """What a QA or multi-hop prompt asks the model to return."""

    question: str = Field(min_length=3)
    answer: str = Field(min_length=1)


class ReasonedQA(QAPair):
    """A QA or multi-hop reply with its reasoning apart from the answer (`[generation] reasoning`)."""

    reasoning: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, description="one step per fact, each stating it, then the conclusion"
    )

    @field_validator("reasoning", mode="before")
    @classmethod
    def steps(cls, value: object) -> object:
        """A model that writes the reasoning as one text gets it split into its lines, not a repair round."""
        return [line.strip() for line in value.splitlines() if line.strip()] if isinstance(value, str) else value


class Turn(BaseModel):
    """One side of a self-chat: the next user question or the assistant's reply."""

    content: str = Field(min_length=1)
