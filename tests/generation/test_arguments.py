"""Generator defects found by labelling samples from the dev corpus (bench/quality/labels/dev-gen3.jsonl), each fixed
at the source: facts whose arguments are pieces of a phrase are not asked about, names keep their casing and the
article the evidence gives them, plurals agree, and a question never ends on a conjunction."""

from fakes import make_fact

from generation.arguments import fragment_fact
from generation.aspects import fact_aspects, legal_aspects
from generation.names import vague_fact
from generation.verbalise import looks_plural
from generation.wording_en import name, what_question, yes_no_question

SWELLING = (
    "Allergic reactions including swelling of the face, lips, tongue, and/or throat that may cause difficulty in "
    "breathing or swallowing which may require treatment right away."
)
ADVERSE = (
    "The most common adverse reactions reported in clinical trials (≥ 2%) are headache, flushing, dyspepsia, "
    "abnormal vision, nasal congestion, back pain, myalgia, nausea, dizziness, and rash."
)
POINTER = (
    "In some patients, concomitant use of these two drug classes can lower blood pressure significantly [see Drug "
    "Interactions (7.2) and Clinical Pharmacology (12.2) ] leading to symptomatic hypotension."
)
CIRCULAR = (
    "(b) Treasury Department Circular No. 570 is published in the Federal Register yearly as of the first workday."
)


def test_pieces_of_a_phrase_are_not_arguments():
    assert fragment_fact(make_fact("throat", "causes", "difficulty", sentence=SWELLING))  # an item of 'swelling of'
    assert fragment_fact(make_fact("most common adverse reactions", "is_a", "nausea", sentence=ADVERSE))  # a list
    assert fragment_fact(make_fact("Drug Interactions", "causes", "symptomatic hypotension", sentence=POINTER))
    held = "The hearing will be held in accordance with the applicable provisions of part 71 of this chapter."
    assert fragment_fact(make_fact("hearing", "be_held_in", "accordance", surface="be held in", sentence=held))
    glossed = "Medicines called HIV protease inhibitors, such as indinavir sulfate (Crixivan), may interact."
    assert fragment_fact(make_fact("indinavir", "sulfate", "Crixivan", sentence=glossed))
    bids = "All sealed bids must be filed with the Director or his delegate before the sale."
    assert fragment_fact(make_fact("delegate", "must_file", "sealed bids", sentence=bids))  # 'his delegate'
    harm = "LIPITOR may cause fetal harm when administered to a pregnant woman."
    assert not fragment_fact(make_fact("LIPITOR", "causes", "fetal harm", sentence=harm))
    lower = "LIPITOR is a prescription medicine that lowers cholesterol in your blood."
    assert not fragment_fact(make_fact("LIPITOR", "reduces", "cholesterol", sentence=lower))


def test_vague_subjects_and_dangling_relations_are_skipped():
    assert vague_fact("sexual activity", "be_because")  # 'What is sexual activity because?'
    assert vague_fact("relatively greater number of rats", "survive_to")
    assert vague_fact("Increases in HbA1c", "be_reported_with")
    assert not vague_fact("LIPITOR", "causes")


def test_names_keep_their_casing_and_the_article_of_the_evidence():
    circular = make_fact("Treasury Department Circular", "be_published_in", "Federal Register", domain="legal",
                         surface="be published in", sentence=CIRCULAR)  # fmt: skip
    assert name(circular.subject, circular, "entity") == "Treasury Department Circular"
    assert name(circular.object, circular, "entity") == "the Federal Register"
    stroke = "LIPITOR 80 mg reduced the incidence of ischemic stroke compared to placebo."
    reduces = make_fact("LIPITOR", "reduces", "incidence of ischemic stroke", sentence=stroke)
    assert yes_no_question(reduces) == "Does LIPITOR reduce the incidence of ischemic stroke?"
    sale = "All personal property to be sold shall be offered for sale without recourse against the United States."
    offered = make_fact("personal property", "must_be_offered_for", "sale", domain="legal", sentence=sale)
    assert name("sale", offered, "entity") == "sale"  # 'offered for sale', not 'for the sale'


def test_plural_subjects_opening_a_sentence_agree():
    statins = "Statins, like some other lipid-lowering therapies, have been associated with abnormal liver tests."
    assert looks_plural("statins", statins)
    assert not looks_plural("VIAGRA", "VIAGRA was shown to potentiate the hypotensive effects of nitrates.")
    fact = make_fact("statins", "associated_with", "abnormal liver tests", sentence=statins)
    assert what_question(fact) == "What are statins associated with?"
    # a coordination inside the head's phrase leaves the head singular; one of the heads makes them plural
    combined = "Combined use of warfarin and aspirin has been linked to major bleeding."
    assert not looks_plural("combined use of warfarin and aspirin", combined)
    linked = make_fact("combined use of warfarin and aspirin", "associated_with", "major bleeding", sentence=combined)
    assert yes_no_question(linked) == "Is combined use of warfarin and aspirin associated with major bleeding?"
    assert looks_plural("dizziness and headache", "Dizziness and headache were common.")


def test_passive_duties_are_not_asked_as_what_the_subject_must_do():
    passive = make_fact(
        "personal property", "must_be_offered_for", "sale", domain="legal", surface="shall be offered for"
    )
    active = make_fact("licensee", "must_report", "the theft", domain="legal", surface="shall report")
    assert legal_aspects(passive) == []
    assert legal_aspects(active) == [("licensee", "obligations")]
    # a term is no one who acts: 'What must prices do?'
    term = make_fact("prices", "must_exclude", "transport", domain="legal", surface="shall exclude")
    assert legal_aspects(term) == []
    assert legal_aspects(make_fact("Distributor", "may_sell", "the products", domain="legal", surface="may sell"))


def test_negated_facts_answer_no_aspect_question():
    sentence = "There is no assurance that such monitoring will prevent the occurrence of severe myopathy."
    unproven = make_fact("monitoring", "prevents", "severe myopathy", negated=True, sentence=sentence)
    assert fact_aspects(unproven, drug=False) == []
    assert fact_aspects(unproven.model_copy(update={"negated": False}), drug=False) == [
        ("severe myopathy", "prevention")
    ]


def test_an_effect_associated_with_a_drug_is_the_drugs_risk_and_an_association_has_no_direction():
    sentence = "Renal failure is rarely associated with hypersensitivity reactions associated with allopurinol."
    reaction = make_fact("hypersensitivity reactions", "associated_with", "allopurinol", sentence=sentence)
    reaction = reaction.model_copy(update={"object_type": "drug"})
    # reported with a drug, an effect is the drug's risk; it does not answer what causes the effect
    assert fact_aspects(reaction, drug=False) == [("allopurinol", "adverse_effects")]
    raised = make_fact("allopurinol", "increases_risk_of", "hypersensitivity reactions", sentence=sentence)
    assert ("hypersensitivity reactions", "causes") in fact_aspects(raised, drug=True)
    smoking = make_fact("smoking", "causes", "lung cancer")
    assert fact_aspects(smoking, drug=False) == [("smoking", "effects"), ("lung cancer", "causes")]
    # an association of two conditions has no direction: neither is the other's cause or effect
    kidneys = make_fact("renal failure", "associated_with", "gouty nephropathy")
    assert fact_aspects(kidneys, drug=False) == []


def test_how_a_drug_works_is_asked_only_of_what_it_acts_on_plainly():
    blocks = make_fact("Losartan", "inhibits", "angiotensin II receptor", sentence="Losartan blocks the AT1 receptor.")
    assert ("Losartan", "mechanism") in fact_aspects(blocks, drug=True)
    lowers = make_fact("Losartan", "reduces", "blood pressure", sentence="Losartan lowers blood pressure.")
    assert not any(aspect == "mechanism" for _, aspect in fact_aspects(lowers, drug=True))
    hedged = blocks.model_copy(update={"hedged": True})
    assert not any(aspect == "mechanism" for _, aspect in fact_aspects(hedged, drug=True))


def test_no_uses_or_mechanism_from_a_rare_or_an_additional_action_nor_causes_of_a_change():
    rarely = "Colchicine is rarely indicated for use in adolescents with the exception of familial fever."
    rare_use = make_fact("Colchicine", "indicated_for", "use in adolescents", "be indicated for", sentence=rarely)
    assert fact_aspects(rare_use.model_copy(update={"hedged": True}), drug=True) == []
    also = "Probenecid also blocks the renal secretion of penicillin."
    blocks = make_fact("Probenecid", "inhibits", "renal secretion of penicillin", "block", sentence=also)
    assert not any(aspect == "mechanism" for _, aspect in fact_aspects(blocks, drug=True))
    change = make_fact(
        "Febuxostat", "causes", "drop in serum urate", sentence="Febuxostat causes a drop in serum urate."
    )
    assert fact_aspects(change, drug=True) == [("Febuxostat", "adverse_effects")]


def test_a_common_noun_after_an_acronym_gets_its_article():
    sentence = "Any FBI agent may examine the records of any licensee."
    agent = make_fact("FBI agent", "may_examine", "records", "may examine", domain="legal", sentence=sentence)
    assert name("FBI agent", agent, "party") == "the FBI agent"
    assert name("Federal Register", agent, "entity") == "Federal Register"


def test_a_company_named_with_a_plural_word_is_one_firm():
    assert not looks_plural("Northwind Systems", "Northwind Systems will reimburse Acme for all travel.")
    assert looks_plural("Licensed Products", "Licensed Products are listed in Schedule A.")


def test_an_eponym_keeps_its_capital_inside_the_sentence():
    sentence = "Rituximab is indicated for patients with Burkitt lymphoma after chemotherapy."
    burkitt = make_fact("Rituximab", "indicated_for", "Burkitt lymphoma", sentence=sentence)
    assert name("Burkitt lymphoma", burkitt, "disease") == "Burkitt lymphoma"
    opening = make_fact("Statins", "associated_with", "myopathy", sentence="Statins are associated with myopathy.")
    assert name("Statins", opening, "drug") == "statins"
