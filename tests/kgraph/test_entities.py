from pathlib import Path

from kgraph.entities import (
    add_aliases,
    alias_index,
    entity_key,
    find_abbreviations,
    guess_type,
    load_aliases,
    typed_fact,
)
from kgraph.records import Evidence, Fact


def fact(subject, relation, obj, domain="medical"):
    evidence = [Evidence(doc_id="d", sentence="s", start=0, end=1)]
    return Fact(id="x", subject=subject, relation=relation, object=obj, evidence=evidence, domain=domain)


def test_plurals_case_and_determiners_fold():
    assert entity_key("The Parties") == entity_key("party")
    assert entity_key("losses") == "loss" and entity_key("therapies") == "therapy"
    assert entity_key("type 2 diabetes") == "type 2 diabetes"  # not a plural


def test_abbreviations_defined_in_the_text():
    text = "Adults with type 2 diabetes (T2D) and chronic kidney disease (CKD) need care. Warfarin (a coumarin) is old."
    assert find_abbreviations(text) == {"T2D": "type 2 diabetes", "CKD": "chronic kidney disease"}


def test_alias_table_resolves_and_keeps_first_meaning(tmp_path: Path):
    path = tmp_path / "aliases.tsv"
    path.write_text("T2D\ttype 2 diabetes\nT2D\tsomething else\nAF\tatrial fibrillation\n", encoding="utf-8")
    table = load_aliases(path)
    assert table == {"T2D": "type 2 diabetes", "AF": "atrial fibrillation"}
    typed = typed_fact(fact("Metformin", "treats", "T2D"), alias_index(table))
    same = typed_fact(fact("metformin", "treats", "type 2 diabetes"), alias_index(table))
    assert typed.object == "type 2 diabetes" and typed.id == same.id
    assert (typed.subject_type, typed.object_type) == ("drug", "disease")


def test_learned_abbreviations_are_suggestions_until_a_person_uncomments_them(tmp_path: Path):
    path = tmp_path / "aliases.tsv"
    assert add_aliases(path, {"AF": "atrial fibrillation"}) == {}
    assert add_aliases(path, {"AF": "atrial flutter"}) == {}  # the first suggestion stays the only one
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "#~ AF\tatrial fibrillation" and sum("AF" in line for line in lines) == 1
    path.write_text(path.read_text(encoding="utf-8").replace("#~ AF", "AF"), encoding="utf-8")
    assert add_aliases(path, {}) == {"AF": "atrial fibrillation"}


def test_abbreviations_must_fit_their_long_form():
    assert find_abbreviations("People with kidney damage should click on Renal (Kidney) for more information.") == {}
    assert find_abbreviations("Glycated haemoglobin (HbA1c) is a test.") == {}  # the letters do not fit
    text = "Non-steroidal anti-inflammatory drugs (NSAIDs) and messenger RNA (mRNA) vaccines."
    assert find_abbreviations(text) == {"NSAIDs": "Non-steroidal anti-inflammatory drugs", "mRNA": "messenger RNA"}


def test_types_from_names_and_roles():
    assert guess_type("lisinopril", "medical") == "drug"
    assert guess_type("Section 75", "legal") == "statute"
    assert guess_type("total liability of the Supplier", "legal") == "entity"
    assert typed_fact(fact("Supplier", "must_pay", "invoice", "legal"), {}).subject_type == "party"


def test_a_passive_duty_names_what_it_binds_not_a_party():
    bids = typed_fact(fact("sealed bids", "must_be_filed_with", "county clerk", "legal"), {})
    assert bids.subject_type != "party"
    assert typed_fact(fact("tenant", "must_pay", "rent", "legal"), {}).subject_type == "party"
    assert typed_fact(fact("permittee", "must_keep", "records", "legal"), {}).subject_type == "party"
    assert typed_fact(fact("prices", "must_exclude", "transport", "legal"), {}).subject_type != "party"
