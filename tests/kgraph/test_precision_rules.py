"""Shapes of wrong facts on public text that a syntactic check puts below generation's threshold (0.7), with the
right facts of the same shape that must stay above it. Sentences written for these tests."""

from pathlib import Path

from kgraph.corpus import make_document
from kgraph.extract import extract_facts

THRESHOLD = 0.7


def trusted(text: str, nlp, domain: str = "medical") -> set[tuple]:
    """(subject, relation, object) of the facts generation would use."""
    facts = extract_facts(make_document(Path(domain) / "t.txt", text), nlp)
    return {(f.subject, f.relation, f.object) for f in facts if f.confidence >= THRESHOLD}


def test_a_subject_owned_by_a_pronoun_points_back(nlp):
    assert not trusted("Its main ingredient is paracetamol.", nlp)
    assert ("party", "must_bear", "own costs") in trusted("Each party shall bear its own costs.", nlp, "legal")


def test_a_second_condition_read_as_a_conjunct_is_still_a_condition(nlp):
    text = "Do not inject the insulin if you see flakes are present or if white particles stick to the glass wall."
    assert not any(s == "white particles" for s, *_ in trusted(text, nlp))


def test_an_apposition_needs_its_comma(nlp):
    assert not any(r == "is_a" for _, r, _ in trusted("Lithium has a plasma half-life of about one day.", nlp))
    found = trusted("Tamoxifen, a selective estrogen receptor modulator, treats breast cancer.", nlp)
    assert ("Tamoxifen", "is_a", "selective estrogen receptor modulator") in found


def test_a_fronted_phrase_or_one_on_need_to_frames_the_clause(nlp):
    assert not trusted("With severe liver disease the starting dose may need to be halved.", nlp)
    assert not any(
        o == "precaution" for *_, o in trusted("As a precaution, the seller shall deliver it.", nlp, "legal")
    )
    found = trusted("In patients with severe asthma, inhaled steroids are recommended.", nlp)
    assert ("inhaled steroids", "be_recommended_in", "severe asthma") in found


def test_such_as_after_a_relative_clause_object_may_list_the_antecedent(nlp):
    found = trusted("Patients who have conditions which damage the liver such as hepatitis should avoid alcohol.", nlp)
    assert ("liver", "includes", "hepatitis") not in found
    assert ("skin reactions", "includes", "rash") in trusted("Allopurinol can cause skin reactions such as rash.", nlp)


def test_a_fronted_treated_patient_phrase_gives_the_clause_object_no_cause(nlp):
    text = "In patients treated with methotrexate, the use of trimethoprim will require a lower dose of folate."
    assert not any(s == "methotrexate" for s, *_ in trusted(text, nlp))
    found = trusted("Angioedema occurred in a patient treated with enalapril.", nlp)
    assert ("enalapril", "associated_with", "Angioedema") in found


def test_an_amount_is_no_thing_of_the_domain(nlp):
    assert not trusted("The usual serum level of urate is about 5 mg/dL in men.", nlp)
    assert ("syrup", "contain", "10 mg of codeine") in trusted("The syrup contains 10 mg of codeine.", nlp)


def test_the_first_of_two_objects_in_a_row_receives_the_second(nlp):
    found = trusted("The Vendor shall provide Bank of Utah the following support services.", nlp, "legal")
    assert not any(o == "Bank of Utah" for *_, o in found)
    found = trusted("Aspirin can lower the risk for stroke, certain heart attacks, and angina.", nlp)
    assert ("Aspirin", "reduces_risk_of", "stroke") in found


def test_when_used_with_on_a_noun_is_a_condition(nlp):
    found = trusted("The common side effects of ziprasidone when used with lithium are tremor and thirst.", nlp)
    assert not any(o == "lithium" for *_, o in found)
    assert ("common side effects of ziprasidone", "includes", "tremor") in found


def test_a_clause_read_as_subject_names_no_thing(nlp):
    text = "If nausea or vomiting develop in patients on digoxin, measurement of serum levels should be part of the workup."
    assert not any(r == "is_a" for _, r, _ in trusted(text, nlp))


def test_a_heading_run_into_its_sentence_is_no_argument(nlp):
    found = trusted("SCOPE OF SERVICES The Contractor is a company that repairs roofs.", nlp, "legal")
    assert not any(s.startswith("SCOPE OF SERVICES") for s, *_ in found)
    found = trusted("LIPITOR SHOULD BE ADMINISTERED TO WOMEN OF CHILDBEARING AGE WITH CARE.", nlp)
    assert any(o == "WOMEN OF CHILDBEARING AGE" for *_, o in found)


def test_complex_prepositions_set_the_scene(nlp):
    found = trusted("The appeal shall be heard in accordance with the rules of the tribunal.", nlp, "legal")
    assert not any(o == "accordance" for *_, o in found)
    assert not trusted("Dizziness has been reported in addition to headache.", nlp)


def test_a_heading_and_colon_before_the_verb_introduce_a_list(nlp):
    assert not trusted("Cardiac: palpitations, tachycardia, increased blood pressure, and syncope.", nlp)
    found = trusted("Ketoconazole (e.g. 200 mg daily) increases sildenafil exposure.", nlp)
    assert any(r == "increases" for _, r, _ in found)


def test_two_indefinite_nouns_in_a_row_are_alternatives(nlp):
    text = "A licence may be refused if the applicant (in the case of a company, a director) has a conviction."
    assert ("company", "is_a", "director") not in trusted(text, nlp, "legal")
    assert ("Tamoxifen", "is_a", "selective estrogen receptor modulator") in trusted(
        "Tamoxifen, a selective estrogen receptor modulator, treats breast cancer.", nlp
    )


def test_an_adjective_phrase_after_its_noun_is_no_part_of_the_name(nlp):
    found = trusted("The licensee shall pay a fee equal to the costs of the inspection.", nlp, "legal")
    assert found == {("licensee", "must_pay", "fee")}
    assert not trusted("Lithium is excreted in a manner similar to sodium.", nlp)


def test_a_bare_conjunct_shares_the_of_phrase(nlp):
    found = trusted("Theft or loss of any firearms shall be reported to the police.", nlp, "legal")
    assert any(s == "loss of any firearms" for s, *_ in found)


def test_a_case_noun_names_what_its_of_phrase_names(nlp):
    found = trusted("A few cases of acute pancreatitis have been noted in patients taking minocycline.", nlp)
    assert ("minocycline", "associated_with", "acute pancreatitis") in found
    assert not any("cases" in o for *_, o in found)


def test_a_clause_subject_owned_by_a_pronoun_points_back(nlp):
    text = "Clearance of warfarin rises when their absorption is reduced by cholestyramine."
    assert not any(o == "absorption" for *_, o in trusted(text, nlp))
    assert ("cholestyramine", "reduces", "absorption of digoxin") in trusted(
        "The absorption of digoxin is reduced by cholestyramine.", nlp
    )


def test_a_bare_noun_before_a_plural_compound_is_its_modifier(nlp):
    found = trusted("Probenecid raises both the plasma and urinary penicillin levels.", nlp)
    assert not any(o == "plasma" for *_, o in found)
    assert ("Probenecid", "increases", "urinary penicillin levels") in found
    assert ("Naproxen", "causes", "nausea") in trusted("Naproxen causes nausea and stomach ulcers.", nlp)


def test_a_span_that_stops_inside_a_range_is_cut(nlp):
    text = "Cimetidine will require a reduction in dose to approximately one-third to one-fourth of the usual dose."
    assert not any(o.endswith("one-third") for *_, o in trusted(text, nlp))


def test_a_claim_reported_in_a_that_clause_is_not_asserted(nlp):
    text = "The suggestion that lithium may cause goitre in the elderly has been disputed."
    assert not any(s == "lithium" for s, *_ in trusted(text, nlp))
    assert ("Lithium", "causes", "goitre") in trusted("Lithium may cause goitre in the elderly.", nlp)


def test_a_measure_is_no_agent(nlp):
    text = "In eight volunteers given rifampin, plasma digoxin levels were decreased by a mean of 40%."
    assert not any(s.startswith("mean") for s, *_ in trusted(text, nlp))


def test_a_conjunct_with_a_verb_of_its_own_opens_the_next_clause(nlp):
    text = (
        "Psoriasis is a chronic disease and withdrawal of topical steroids during pregnancy should have little effect."
    )
    found = trusted(text, nlp)
    assert ("Psoriasis", "is_a", "chronic disease") in found
    assert not any(o.startswith("withdrawal") for *_, o in found)


def test_a_present_plural_tagged_as_a_bare_verb_is_still_a_statement(nlp):
    found = trusted("Warfarin and aspirin increase the risk of bleeding.", nlp)
    assert {("Warfarin", "increases_risk_of", "bleeding"), ("aspirin", "increases_risk_of", "bleeding")} <= found


def test_a_noun_brought_in_by_a_and_described_by_its_clause_names_nothing_alone(nlp):
    text = "A syndrome consisting of fever and rigidity may develop in patients given neuroleptics."
    assert not any("syndrome" in (s, o) for s, _, o in trusted(text, nlp))
    found = trusted("The Licensee is a company operating in Spain.", nlp, "legal")
    assert ("Licensee", "is_a", "company") in found


def test_a_relative_clause_after_a_participles_object_may_be_about_an_earlier_noun(nlp):
    text = "The reactions in patients treated with ezetimibe that led to withdrawal of therapy were mild."
    assert not any(o.startswith("withdrawal") for *_, o in trusted(text, nlp))
    found = trusted("Ezetimibe, which lowers cholesterol absorption, is taken once daily.", nlp)
    assert ("Ezetimibe", "reduces", "cholesterol absorption") in found


def test_an_obligation_keeps_what_it_obliges(nlp):
    found = trusted("An insolvency event does not discharge any obligation to repay the loan.", nlp, "legal")
    assert any(o == "obligation to repay the loan" for *_, o in found)


def test_a_bare_subject_conjunct_after_a_phrase_belongs_to_that_phrase(nlp):
    text = "The clauses on confidentiality, limitation of liability and governing law survive expiry."
    found = trusted(text, nlp, "legal")
    assert ("clauses", "survive", "expiry") in found
    assert not any(s.startswith(("limitation", "governing")) for s, *_ in found)
    assert ("Tenants", "must_pay", "rent") in trusted("Tenants and subtenants shall pay rent.", nlp, "legal")


def test_a_participle_heading_a_sentence_alone_makes_a_fragment(nlp):
    text = "When used with respect to a distributor, the property on which the goods are kept or stored."
    assert not trusted(text, nlp, "legal")
    assert trusted("Goods seized under this part shall be stored by the Director.", nlp, "legal")


def test_an_instruction_after_a_condition_the_parser_made_the_root(nlp):
    text = (
        "If bronchospasm occurs, immediately and permanently discontinue administration of rituximab and administer "
        "appropriate medical therapy."
    )
    assert not any(s == "bronchospasm" for s, *_ in trusted(text, nlp))


def test_a_participle_with_its_object_says_which_things_the_of_phrase_means(nlp):
    found = trusted("Concomitant use of drugs affecting platelet function increases the risk of bleeding.", nlp)
    assert ("Concomitant use of drugs affecting platelet function", "increases_risk_of", "bleeding") in found
