"""Argument spans and clause readings fixed on the dev gold's error classes (bench/quality/gold/dev.jsonl), each on
sentences written for the test: complete noun phrases, list members, anaphors, cross-references, hedges."""

from test_fact_checks import facts, trusted


def test_nouns_of_change_keep_their_complement(nlp):
    found = trusted("Angioedema of the lips and tongue that may cause difficulty in swallowing has been reported.", nlp)
    assert ("Angioedema of the lips and tongue", "causes", "difficulty in swallowing", False, True) in found
    found = trusted("Metformin is not recommended for use in children.", nlp)
    assert ("Metformin", "be_recommended_for", "use in children", True, False) in found


def test_section_numbers_are_not_part_of_a_name(nlp):
    found = trusted("5.2 Severe hepatic impairment, which may include marked elevations in serum bilirubin", nlp)
    assert ("Severe hepatic impairment", "includes", "marked elevations in serum bilirubin", False, True) in found


def test_including_and_such_as_list_members(nlp):
    found = trusted("Hypersensitivity reactions including anaphylaxis have been reported.", nlp)
    assert ("Hypersensitivity reactions", "includes", "anaphylaxis", False, False) in found
    text = (
        "EPS can be categorized generally as Parkinson-like symptoms, akathisia, or dystonia (including opisthotonos)."
    )
    found = trusted(text, nlp)
    assert ("dystonia", "includes", "opisthotonos", False, False) in found
    assert not any(s != "dystonia" and r == "includes" for s, r, *_ in found)


def test_reported_cases_name_the_drug(nlp):
    found = trusted("Rare cases of hepatitis, including hepatic failure, have been reported with isoniazid.", nlp)
    assert ("isoniazid", "associated_with", "hepatitis", False, True) in found
    assert ("isoniazid", "associated_with", "hepatic failure", False, True) in found
    found = trusted("Severe hypotension occurred in patients given sildenafil.", nlp)
    assert ("sildenafil", "associated_with", "Severe hypotension", False, False) in found


def test_a_light_noun_carries_its_relation_to_every_listed_object(nlp):
    # the parser splits the list off 'risk' (and reads 'stroke' as a verb): the rest still has the risk relation
    found = trusted(
        "ZOCOR can lower the risk for heart attack, stroke, certain types of heart surgery, and chest pain.", nlp
    )
    assert {r for _, r, *_ in found} == {"reduces_risk_of"} and (
        "ZOCOR",
        "reduces_risk_of",
        "chest pain",
        False,
        True,
    ) in found


def test_noun_phrase_facts_take_the_hedge_of_their_clause(nlp):
    assert ("lamotrigine", "associated_with", "rash", False, True) in trusted(
        "A rash may develop in patients treated with lamotrigine.", nlp
    )


def test_pointers_anaphors_and_study_animals_are_not_trusted(nlp):
    assert not trusted("These events are reported voluntarily from clinical practice.", nlp)
    assert not trusted("The following adverse reactions have been identified in clinical trials.", nlp)
    assert not trusted("Hepatic necrosis was observed in rats given high doses.", nlp)
    text = "The lease shall be subject to the provisions of section 12 of this Act."
    assert "cross_reference" in {c for f in facts(text, nlp, "legal") for c in f.checks}
    assert not trusted(text, nlp, "legal")
    assert not trusted("Caution is advised in patients taking inhibitors of CYP3A4.", nlp)


def test_existential_and_singling_out_phrases_define_nothing(nlp):
    assert not trusted("At twice the human dose there was an increase in thyroid tumors.", nlp)
    assert not trusted("The risk appears to be greater in older patients on long-term therapy, especially men.", nlp)


def test_coordinated_passives_and_object_control(nlp):
    # read right, though a legal passive without a modal is below the threshold (a narrated step, not a rule)
    found = {
        (f.subject, f.relation, f.object, f.negated, f.hedged)
        for f in facts("Payments will be collected and transferred to the Trust Account.", nlp, "legal")
    }
    assert ("Payments", "be_transferred_to", "Trust Account", False, False) in found
    found = trusted("The Board may authorize the Trustee to sell the property.", nlp, "legal")
    assert found == {("Board", "may_authorize", "Trustee", False, False)}


def test_effort_nouns_give_the_relation_of_their_infinitive(nlp):
    found = trusted("The Supplier shall use commercially reasonable efforts to deliver the Products.", nlp, "legal")
    assert found == {("Supplier", "must_deliver", "Products", False, False)}
    text = "Company will not make any attempt to proof read or correct any typographical errors."
    assert ("Company", "correct", "typographical errors", True, False) in trusted(text, nlp, "legal")


def test_a_name_the_parser_split_is_one_argument(nlp):
    found = facts("Products shall mean BlackMP Living Water, BlackMP Sport and BlackMP Kids.", nlp, "legal")
    assert {f.object for f in found} == {"BlackMP Living Water"}  # not 'BlackMP' and 'Living Water'


def test_denied_objects_lists_and_reasons(nlp):
    found = trusted("In rat studies, atorvastatin revealed no evidence of teratogenicity.", nlp)
    assert ("atorvastatin", "reveal", "evidence of teratogenicity", True, False) in found
    found = trusted("The most common adverse reactions are headache, flushing and dyspepsia.", nlp)
    assert ("most common adverse reactions", "includes", "headache", False, False) in found
    assert not any(r == "is_a" for _, r, *_ in found)
    assert ("Aspirin", "is_a", "antipyretic", False, False) in trusted(
        "Aspirin is an analgesic and an antipyretic.", nlp
    )
    assert not trusted("Haloperidol should be discontinued because of the difference in excretion.", nlp)


def test_named_populations_participles_and_conditions(nlp):
    found = trusted("Warfarin should not be used in pregnant women.", nlp)
    assert found == {("Warfarin", "contraindicated_in", "pregnant women", False, False)}
    assert not trusted("Hepatitis was diagnosed in a 45-year-old man.", nlp)  # who had it is no fact
    found = trusted("Lithium toxicity is closely related to serum lithium concentrations.", nlp)
    assert ("Lithium toxicity", "associated_with", "serum lithium concentrations", False, False) in found
    found = trusted("Amoxicillin is used in the treatment of otitis media.", nlp)
    assert found == {("Amoxicillin", "treats", "otitis media", False, False)}
    found = trusted("The Supplier shall deliver the goods upon receipt of payment.", nlp, "legal")
    assert found == {("Supplier", "must_deliver", "goods", False, False)}


def test_a_hyphenated_word_the_parser_split_is_one_argument(nlp):
    found = trusted("A plain X-ray of the wrist shows the fracture.", nlp)
    assert any(s == "plain X-ray of the wrist" for s, *_ in found), found
    assert not any(s in ("ray", "plain X") for s, *_ in found)


def test_time_and_population_are_not_relations(nlp):
    found = trusted("Serum lithium levels may be raised during treatment with naproxen.", nlp)
    assert not any("during" in r for _, r, *_ in found), found
    found = trusted("Codeine is contraindicated during labour.", nlp)
    assert ("Codeine", "contraindicated_in", "labour", False, False) in found
    found = trusted("Warfarin is a derivative of the plant compound, coumarin.", nlp)
    assert ("coumarin", "is_a", "plant compound", False, False) in found, found


def test_the_subject_of_the_next_clause_is_no_apposition(nlp):
    text = "Since lithium is cleared only by the kidney, accumulation of the drug can occur in dehydration."
    assert not any(r == "is_a" for _, r, *_ in trusted(text, nlp))


def test_such_points_back_like_these(nlp):
    found = trusted("In this clinical setting, such combinations should be administered with caution.", nlp)
    assert not any(s == "combinations" for s, *_ in found), found
