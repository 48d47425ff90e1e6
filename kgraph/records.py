"""Records of the extraction stage: documents, evidence, facts, and the rejections every stage writes."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Domain = Literal["medical", "legal", "general"]


def content_id(*parts: Any) -> str:
    """Deterministic id from normalised fields, so reruns, dedup and caches agree."""
    text = json.dumps([normalise(p) if isinstance(p, str) else p for p in parts], sort_keys=True, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def normalise(text: str) -> str:
    """Lower-case and collapse whitespace: the form ids and comparisons use."""
    return " ".join(text.lower().split())


class Record(BaseModel):
    """Frozen base: records are values; updates go through model_copy(update=...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Section(Record):
    """A run of a structured document's text under one heading path, on one page for PDFs: what a fact cites."""

    start: int
    end: int
    headings: tuple[str, ...] = ()
    page: int | None = None


class Document(Record):
    id: str
    path: str
    text: str
    domain: Domain = "general"
    lang: str = "en"
    title: str = ""
    # Set for HTML, DOCX and PDF files: the heading path (and page) of each stretch of text.
    sections: list[Section] = []


class Evidence(Record):
    doc_id: str
    sentence: str
    start: int = Field(description="character offset of the sentence in the document text")
    end: int
    # The neighbouring sentences of the same paragraph, so an answer can be written from the text ('It...').
    before: str = ""
    after: str = ""
    # The document's title ('VIAGRA (sildenafil citrate) tablets'): what a question names when the sentence does not.
    title: str = ""
    # Where in a structured document: the heading path ('4 Dosage', '4.2 Renal impairment') and the PDF page.
    # A tuple, as evidence is hashed (samples keep each evidence once).
    section: tuple[str, ...] = ()
    page: int | None = None


class Fact(Record):
    id: str
    subject: str
    relation: str
    object: str
    subject_type: str = "entity"
    object_type: str = "entity"
    evidence: list[Evidence]
    extractor: str = "spacy-rules"
    confidence: float = 1.0
    checks: list[str] = Field(default=[], description="the quality checks that lowered the confidence")
    negated: bool = False
    hedged: bool = False
    surface_relation: str = ""
    domain: Domain = "general"

    @staticmethod
    def make_id(subject: str, relation: str, obj: str, negated: bool = False) -> str:
        return content_id(subject, relation, obj, negated)


class Rejection(Record):
    """An item a stage could not handle: kept beside the output, counted by reason, never dropped silently."""

    item_id: str
    stage: str
    reason: str
    detail: str = ""
    raw: Any = None
