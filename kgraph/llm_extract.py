"""Schema-guided fact extraction through the LLM seam, for any language the model reads.

Every fact must quote its evidence sentence; a quote that is not in the document makes the fact a Rejection,
never a kept fact. An optional second pass shows the model what it found and asks what it missed."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from kgraph.layout import placed, section_texts
from kgraph.llm import LLM, LLMError, Prompt, run_llm, run_pool
from kgraph.parse import PARSE_CHARS
from kgraph.records import Document, Evidence, Fact, Rejection, content_id
from kgraph.relations import VOCABULARY, canonical_relation

ENTITY_TYPES = {
    "medical": [
        "drug", "disease", "symptom", "test", "procedure", "dosage", "adverse_effect", "contraindication",
        "population",
    ],
    "legal": ["party", "obligation", "right", "condition", "term", "penalty", "statute", "definition"],
}  # fmt: skip
ENTITY_TYPES["general"] = ENTITY_TYPES["medical"] + ENTITY_TYPES["legal"]


class ExtractedFact(BaseModel):
    subject: str = Field(description="entity as written in the text, without leading articles")
    subject_type: str = Field(description="one of the domain's entity types")
    relation: str = Field(description="base-form verb phrase, e.g. 'treat', 'be contraindicated in', 'shall pay'")
    object: str
    object_type: str
    negated: bool = Field(default=False, description="the text says the relation does NOT hold")
    hedged: bool = Field(default=False, description="the text says it may or might hold")
    evidence: str = Field(description="the sentence that states the fact, copied exactly from the text")


class Extraction(BaseModel):
    facts: list[ExtractedFact] = Field(default_factory=list)


class ExtractConfig(BaseModel):
    """How facts are extracted; the LLM extractor needs an endpoint in [llm]."""

    model_config = {"extra": "forbid"}
    extractor: Literal["spacy", "llm", "auto"] = Field(
        default="auto", description="auto: spaCy rules for English, the LLM (when configured) for other languages"
    )
    second_pass: bool = Field(default=True, description="ask the LLM a second time what the first answer missed")
    max_chars: int = Field(default=6000, ge=500, description="characters of a document per LLM request")
    parse_chars: int = Field(
        default=PARSE_CHARS,
        ge=1_000,
        le=1_000_000,
        description="characters spaCy parses at once: bounds the rules' memory (about 3.3 MB per 1,000)",
    )


def extraction_prompt(doc: Document, chunk: str, found: list[ExtractedFact] | None = None) -> Prompt:
    """The request for one chunk; with `found`, the second pass that asks only for what is missing."""
    types = ", ".join(ENTITY_TYPES.get(doc.domain, ENTITY_TYPES["general"]))
    relations = ", ".join(sorted({k for k in VOCABULARY[doc.domain] if " " not in k})[:40])
    system = (
        f"You extract facts from {doc.domain} documents into a knowledge graph. Entity types: {types}. "
        f"Prefer these relation verbs when they fit: {relations}. Give each fact the sentence that states it, "
        "copied character for character from the text, in the text's own language. Mark negated facts "
        "('does not cause') with negated=true and uncertain ones ('may cause') with hedged=true; never turn "
        "a negated statement into a positive one. Extract only what the text states."
    )
    user = f"Text:\n<<<\n{chunk}\n>>>"
    if found:
        listed = "\n".join(f"- {f.subject} | {f.relation} | {f.object}" for f in found)
        user += (
            f"\n\nThese facts were already extracted:\n{listed}\nReturn only facts the text states that are missing."
        )
    return Prompt(
        task="extract_facts_missed" if found else "extract_facts",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
    )


def chunks(text: str, size: int) -> list[str]:
    """Paragraph-aligned pieces of at most about `size` characters, so each request stays small."""
    pieces, current = [], ""
    for paragraph in re.split(r"(\n\s*\n)", text):
        if current and len(current) + len(paragraph) > size:
            pieces.append(current)
            current = ""
        current += paragraph
    return [p for p in [*pieces, current] if p.strip()]


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Offsets of the quoted evidence in the document, tolerant of whitespace differences only."""
    quote = quote.strip()
    if not quote:
        return None
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def facts_from_extraction(doc: Document, extraction: Extraction, model: str) -> tuple[list[Fact], list[Rejection]]:
    """Facts whose evidence is in the document; the others become Rejections with the reason."""
    facts, rejections = [], []
    for item in extraction.facts:
        span = locate(doc.text, item.evidence)
        if span is None or not item.subject.strip() or not item.object.strip():
            reason = "evidence_not_in_source" if span is None else "empty_entity"
            item_id = content_id(doc.id, item.subject, item.relation, item.object)
            rejections.append(Rejection(item_id=item_id, stage="extract", reason=reason, raw=item.model_dump()))
            continue
        relation = canonical_relation(item.relation, doc.domain)
        evidence = Evidence(doc_id=doc.id, sentence=doc.text[span[0] : span[1]], start=span[0], end=span[1])
        facts.append(
            Fact(
                id=Fact.make_id(item.subject, relation, item.object, item.negated),
                subject=item.subject.strip(),
                relation=relation,
                object=item.object.strip(),
                subject_type=item.subject_type or "entity",
                object_type=item.object_type or "entity",
                evidence=[evidence],
                extractor=f"llm:{model}",
                confidence=0.6 if item.hedged else 0.8,
                negated=item.negated,
                hedged=item.hedged,
                surface_relation=" ".join(item.relation.lower().split()),
                domain=doc.domain,
            )
        )
    return facts, rejections


async def extract_with_llm(doc: Document, llm: LLM, cfg: ExtractConfig) -> tuple[list[Fact], list[Rejection]]:
    """Facts of one document, chunk by chunk, with the optional what-was-missed pass."""
    facts, rejections = [], []
    for chunk in (piece for section in section_texts(doc) for piece in chunks(section, cfg.max_chars)):
        try:
            first = await llm.complete(extraction_prompt(doc, chunk), Extraction)
            found = list(first.facts)
            if cfg.second_pass:
                found += (await llm.complete(extraction_prompt(doc, chunk, first.facts), Extraction)).facts
        except LLMError as err:
            rejections.append(Rejection(item_id=doc.id, stage="extract", reason=err.reason, raw=err.raw[:2000]))
            continue
        kept, rejected = facts_from_extraction(doc, Extraction(facts=found), llm.model)
        facts += kept
        rejections += rejected
    return list({f.id: f for f in facts}.values()), rejections


async def extract_all_with_llm(
    documents: list[Document], llm: LLM, cfg: ExtractConfig
) -> tuple[list[Fact], list[Rejection]]:
    """Many documents, within the endpoint's bound on requests in flight (`[llm] concurrency`)."""
    results = await run_pool(documents, lambda doc: extract_with_llm(doc, llm, cfg), llm)
    return [f for facts, _ in results for f in facts], [r for _, rejected in results for r in rejected]


def llm_documents(documents: list[Document], cfg: ExtractConfig, has_llm: bool) -> list[Document]:
    """Which documents go to the LLM: all of them in 'llm' mode, the non-English ones in 'auto' mode."""
    if not has_llm or cfg.extractor == "spacy":
        return []
    return list(documents) if cfg.extractor == "llm" else [d for d in documents if d.lang != "en"]


def extract_documents(
    documents: list[Document], cfg: ExtractConfig | None = None, llm: LLM | None = None
) -> tuple[list[Fact], list[Rejection]]:
    """Facts of a batch: the LLM for the documents the config sends it, the spaCy rules for the rest."""
    from kgraph.extract import extract_corpus

    cfg = cfg or ExtractConfig()
    by_llm = llm_documents(documents, cfg, llm is not None)
    sent = {d.id for d in by_llm}
    rules = [d for d in documents if d.id not in sent]
    facts = extract_corpus(rules, parse_chars=cfg.parse_chars) if rules else []
    if not by_llm:
        return placed(facts, documents), []
    llm_facts, rejections = run_llm(llm, extract_all_with_llm(by_llm, llm, cfg))
    return placed(facts + llm_facts, documents), rejections
