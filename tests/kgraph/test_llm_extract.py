import asyncio
from pathlib import Path

from fakes import FakeLLM

from kgraph.corpus import make_document
from kgraph.extract import unreadable_documents
from kgraph.llm import LLMError
from kgraph.llm_extract import (
    ExtractConfig,
    ExtractedFact,
    Extraction,
    extract_documents,
    extract_with_llm,
    extraction_prompt,
)


def item(subject, relation, obj, evidence, **flags):
    return ExtractedFact(
        subject=subject, subject_type="drug", relation=relation, object=obj, object_type="disease",
        evidence=evidence, **flags,
    ).model_dump()  # fmt: skip


TEXT = "Metformin is contraindicated in severe renal impairment.\nAmoxicillin does not treat viral infections."


def test_facts_keep_their_evidence_and_invented_quotes_are_rejected():
    doc = make_document(Path("medical/m.txt"), TEXT)
    llm = FakeLLM()
    llm.enqueue(
        {"facts": [
            item("Metformin", "be contraindicated in", "severe renal impairment", TEXT.splitlines()[0]),
            item("Metformin", "cure", "diabetes", "Metformin cures diabetes."),
        ]},
        {"facts": [item("Amoxicillin", "treat", "viral infections", "Amoxicillin  does not treat viral infections.", negated=True)]},
    )  # fmt: skip
    facts, rejections = asyncio.run(extract_with_llm(doc, llm, ExtractConfig()))
    found = {(f.subject, f.relation, f.object, f.negated) for f in facts}
    assert found == {
        ("Metformin", "contraindicated_in", "severe renal impairment", False),
        ("Amoxicillin", "treats", "viral infections", True),
    }
    negated = next(f for f in facts if f.negated)
    assert TEXT[negated.evidence[0].start : negated.evidence[0].end] == TEXT.splitlines()[1]
    assert negated.extractor == "llm:fake-1" and negated.object_type == "disease"
    assert [(r.reason, r.raw["object"]) for r in rejections] == [("evidence_not_in_source", "diabetes")]
    assert [c.task for c in llm.calls] == ["extract_facts", "extract_facts_missed"]
    assert "Metformin | be contraindicated in | severe renal impairment" in llm.calls[1].messages[1]["content"]


def test_prompt_names_the_domain_schema():
    legal = extraction_prompt(make_document(Path("legal/c.txt"), "The Supplier shall pay the fee."), "x")
    assert "obligation" in legal.messages[0]["content"] and "penalty" in legal.messages[0]["content"]


def test_auto_sends_only_foreign_documents_to_the_llm_and_failures_are_reported():
    english = make_document(Path("medical/en.txt"), "Metformin reduces hepatic glucose production.")
    german = make_document(
        Path("medical/de.txt"), "Metformin senkt die Glukoseproduktion der Leber und ist nicht teuer."
    )
    french = make_document(
        Path("medical/fr.txt"), "La metformine est contre-indiquée dans les cas de insuffisance rénale."
    )
    llm = FakeLLM()
    llm.enqueue(
        {"facts": [item("Metformin", "senken", "Glukoseproduktion der Leber", "Metformin senkt die Glukoseproduktion der Leber")]},
        LLMError("invalid_json", "not json"),
    )  # fmt: skip
    facts, rejections = extract_documents([english, german, french], ExtractConfig(second_pass=False), llm)
    assert {(f.subject, f.extractor) for f in facts} == {("Metformin", "spacy-rules"), ("Metformin", "llm:fake-1")}
    assert [(r.item_id, r.reason) for r in rejections] == [(french.id, "invalid_json")]
    assert [r.item_id for r in unreadable_documents([english, german, french], facts)] == [french.id]


def test_without_an_endpoint_foreign_documents_are_reported():
    german = make_document(
        Path("medical/de.txt"), "Metformin senkt die Glukoseproduktion der Leber und ist nicht teuer."
    )
    facts, rejections = extract_documents([german], ExtractConfig(), None)
    assert facts == [] and rejections == []
    assert [r.reason for r in unreadable_documents([german], facts)] == ["unsupported_language"]


def test_schema_is_a_pydantic_model_the_openai_client_can_request():
    schema = Extraction.model_json_schema()
    assert "evidence" in schema["$defs"]["ExtractedFact"]["required"]
