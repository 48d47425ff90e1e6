from pathlib import Path

import pytest

from kgraph.corpus import make_document
from kgraph.extract import extract_facts, load_nlp


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def triples(text: str, nlp, domain_dir: str = "medical"):
    doc = make_document(Path(domain_dir) / "t.txt", text)
    return {(f.subject, f.relation, f.object, f.negated, f.hedged) for f in extract_facts(doc, nlp)}


def test_subject_verb_object(nlp):
    assert ("Metformin", "reduces", "hepatic glucose production", False, False) in triples(
        "Metformin reduces hepatic glucose production.", nlp
    )


def test_prepositional_relation_is_canonical(nlp):
    assert ("Metformin", "contraindicated_in", "severe renal impairment", False, False) in triples(
        "Metformin is contraindicated in severe renal impairment.", nlp
    )


def test_passive_agent_becomes_subject(nlp):
    found = triples("Gout is caused by deposition of urate crystals.", nlp)
    assert ("deposition of urate crystals", "causes", "Gout", False, False) in found


def test_negation_is_kept_not_flipped(nlp):
    found = triples("Amoxicillin does not treat viral infections.", nlp)
    assert ("Amoxicillin", "treats", "viral infections", True, False) in found
    assert not any(not negated for *_, negated, _ in found)


def test_neither_nor_denies_every_conjunct(nlp):
    found = triples("Neither ibuprofen nor naproxen lowers serum potassium.", nlp)
    assert {(s, n) for s, r, o, n, h in found if o == "serum potassium"} == {("ibuprofen", True), ("naproxen", True)}
    found = triples("Clopidogrel prolongs neither the QT interval nor the PR interval.", nlp)
    assert {(o, n) for s, r, o, n, h in found if s == "Clopidogrel"} == {("QT interval", True), ("PR interval", True)}


def test_hedge_and_coordination(nlp):
    found = triples("Warfarin and aspirin may increase bleeding.", nlp)
    subjects = {s for s, r, o, n, h in found if h and o == "bleeding"}
    assert subjects == {"Warfarin", "aspirin"}


def test_evidence_points_into_the_document(nlp):
    text = "Heart failure is common. Loop diuretics relieve congestion."
    doc = make_document(Path("medical/hf.txt"), text)
    fact = next(f for f in extract_facts(doc, nlp) if f.subject == "Loop diuretics")
    evidence = fact.evidence[0]
    assert evidence.doc_id == doc.id
    assert text[evidence.start : evidence.end] == evidence.sentence == "Loop diuretics relieve congestion."


def test_a_markdown_heading_neither_fuses_with_the_paragraph_nor_becomes_a_fact(nlp):
    text = "# Paracetamol Overdose and Acetylcysteine\n\nParacetamol overdose is a common cause of acute liver failure."
    doc = make_document(Path("medical/p.md"), text)
    facts = extract_facts(doc, nlp)
    assert facts and all(not f.subject.startswith("#") for f in facts)
    assert {f.evidence[0].sentence for f in facts} == {"Paracetamol overdose is a common cause of acute liver failure."}


def test_a_quotation_does_not_end_its_sentence(nlp):
    text = (
        "Each carton shall bear the words “Export only. Not for sale in the U.S.” unless a label required by the"
        " importing country names that country. The carton is then sealed."
    )
    sentences = [s.text for s in nlp(text).sents]
    assert sentences == [text[: text.index(" The carton")], "The carton is then sealed."]
