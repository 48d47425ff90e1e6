"""Records of the curation stage: the judge's verdicts and people's reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from generation.records import Message
from kgraph.records import Record

Decision = Literal["accept", "flag", "reject"]


class Verdict(Record):
    sample_id: str
    scores: dict[str, float] = Field(description="criterion -> score in [0, 1]")
    decision: Decision
    reasons: list[str] = Field(default_factory=list, description="fixed vocabulary, counted in summaries")
    judge: str
    detail: str = Field(default="", description="free text: the judge's own words, or the raw output it failed on")


class Review(Record):
    sample_id: str
    reviewer: str
    action: Literal["accept", "reject", "edit"]
    messages: list[Message] | None = None
    reason: str = ""
    at: datetime
