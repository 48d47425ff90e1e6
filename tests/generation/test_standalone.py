"""Failure classes people labelled in dev samples from FDA labels and US rules and contracts: questions missing the
document that makes them true, brand names read as plurals, answers cut before their list or pointing into the
label, a 'Yes' for an unknown, garbled questions from subjects that do not act, 'both' over alternatives."""

import asyncio

import networkx as nx
from fakes import make_fact

from generation.context import setting
from generation.generate import GenerationConfig, generate_samples
from generation.names import doses_drug
from generation.offline import OfflineGenerator
from generation.passage import complete, fact_text
from generation.plan import FactIndex, fitting_types
from generation.wording_en import yes_no_question
from kgraph.corpus import text_title
from kgraph.graph import add_facts
from kgraph.records import Evidence

VIAGRA = "VIAGRA (sildenafil citrate) tablets"


def fact(subject, relation, obj, surface="", sentence=None, title="", domain="medical", after="", **extra):
    flags = {k: extra.pop(k) for k in ("negated", "hedged") if k in extra}
    made = make_fact(subject, relation, obj, surface, domain=domain, sentence=sentence, **flags)
    e = made.evidence[0]
    evidence = Evidence(doc_id="d", sentence=e.sentence, start=0, end=e.end, after=after, title=title)
    return made.model_copy(update={"evidence": [evidence], **extra})


def index_of(facts):
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    return FactIndex.of(graph, 0.0)


def questions(f, facts=None, **settings):
    samples, _ = asyncio.run(
        generate_samples(f, index_of(facts or [f]), OfflineGenerator(), GenerationConfig(**settings))
    )
    return [s.messages[0].content for s in samples]


def test_titles_come_from_the_head_of_the_text_not_filing_labels():
    assert text_title("VIAGRA (sildenafil citrate) tablets\n\n1 INDICATIONS") == VIAGRA
    assert text_title("Exhibit 10.3\n\nGAS FRANCHISE AGREEMENT\n\nTHIS AGREEMENT is made.") == "GAS FRANCHISE AGREEMENT"
    assert text_title("[***] = CONFIDENTIAL TREATMENT REQUESTED\n\nSOFTWARE LICENSE SCHEDULE\n\nThis is.") == (
        "SOFTWARE LICENSE SCHEDULE"
    )
    assert text_title("Metformin reduces glucose. It is taken daily.") == ""
    enbrel = (
        "ENBREL (etanercept) injection, for subcutaneous use; ENBREL (etanercept) for injection, for subcutaneous use"
    )
    assert (
        text_title(f"{enbrel}\n\nWARNING: SERIOUS INFECTIONS\n\nText.")
        == "ENBREL (etanercept) injection, for subcutaneous use"
    )
    assert text_title("2.3 Preparation of Enbrel\n\nInspect the vial.") == ""


def test_the_setting_names_the_product_without_its_forms_and_strengths():
    talzenna = fact(
        "talzenna",
        "harm",
        "unborn baby",
        "could harm",
        title="Talzenna (talazoparib) 0.25 mg hard capsules, 1 mg hard capsules",
    )
    enbrel = fact(
        "enbrel", "treats", "psoriasis", "treats", title="ENBREL (etanercept) injection, for subcutaneous use"
    )
    assert setting(talzenna) == "For talzenna (talazoparib)"
    assert setting(enbrel) == "For ENBREL (etanercept)"
    heading = fact("licensee", "may_order", "copies", "may order", title="PERIOD OF ORDERING", domain="legal")
    assert setting(heading) == ""  # a legal heading names no product and no contract
    infliximab = fact("remicade", "treats", "psoriasis", "treats", title="REMICADE (infliximab) for Injection")
    assert setting(infliximab) == "For REMICADE (infliximab)"
    paged = fact("consultant", "must_report", "results", "shall report", title="Acme Services Agreement Page 1 of 5")
    assert setting(paged.model_copy(update={"domain": "legal"})) == "Under the Acme Services Agreement"


def test_a_question_names_the_product_rule_or_contract_it_is_about():
    dialysis = fact(
        "renal dialysis",
        "accelerate",
        "clearance",
        "be expected to accelerate",
        sentence="Renal dialysis is not expected to accelerate clearance as sildenafil is highly bound.",
        title=VIAGRA,
        negated=True,
    )
    assert questions(dialysis, question_types=["yes_no"]) == [
        "For VIAGRA (sildenafil citrate), is renal dialysis expected to accelerate clearance?"
    ]
    fee = fact(
        "Grantee",
        "must_pay",
        "a franchise fee",
        "shall pay",
        sentence="Grantee shall pay to Grantor a franchise fee.",
        title="GAS FRANCHISE AGREEMENT",
        domain="legal",
        subject_type="party",
    )
    assert all(q.startswith("Under the Gas Franchise Agreement, ") for q in questions(fee, aspect_questions=False))
    unnamed = fee.model_copy(update={"evidence": [fee.evidence[0].model_copy(update={"title": "contract_7"})]})
    assert questions(unnamed) == []  # which contract? a closed-book model would learn it as a general rule
    viagra = fact("VIAGRA", "treats", "erectile dysfunction", "treat", title=VIAGRA, subject_type="drug")
    assert all(q.count("VIAGRA") <= 1 for q in questions(viagra))  # named already: no setting in front
    other = fact("riociguat", "treats", "pulmonary hypertension", "treat", title=VIAGRA, subject_type="drug")
    assert all(q.startswith("Does riociguat treat") for q in questions(other, question_types=["yes_no"]))
    # the product the setting names is no answer to 'What ...?': not 'For LIPITOR, what lowers cholesterol?'
    lipitor = "LIPITOR (atorvastatin calcium) tablets"
    sentence = "LIPITOR is a prescription medicine that lowers cholesterol in your blood."
    lowers = fact("LIPITOR", "reduces", "cholesterol", "lower", sentence=sentence, title=lipitor, subject_type="drug")
    index = index_of([lowers, fact("LIPITOR", "reduces", "LDL", "lower", title=lipitor, subject_type="drug")])
    assert index.question_form(lowers) == "link"
    unnamed = lowers.model_copy(update={"evidence": [lowers.evidence[0].model_copy(update={"title": "Cholesterol"})]})
    assert (
        index_of([unnamed, fact("LIPITOR", "reduces", "LDL", "lower", subject_type="drug")]).question_form(unnamed)
        == "who_what"
    )
    # a rule asks who must act, never what: not 'what must exclude insurance?' of prices
    prices = fact("prices", "must_exclude", "insurance", "shall exclude", domain="legal", title="SUPPLY AGREEMENT",
                  sentence="Prices shall exclude insurance.")  # fmt: skip
    seller = fact("Seller", "must_pay", "insurance", "shall pay", domain="legal", title="SUPPLY AGREEMENT",
                  subject_type="party", sentence="Seller shall pay insurance.")  # fmt: skip
    assert (
        index_of(
            [prices, fact("prices", "must_exclude", "freight", domain="legal", title="SUPPLY AGREEMENT")]
        ).question_form(prices)
        == "link"
    )
    assert (
        index_of(
            [
                seller,
                fact("Seller", "must_pay", "freight", domain="legal", title="SUPPLY AGREEMENT", subject_type="party"),
            ]
        ).question_form(seller)
        == "who_what"
    )


def test_brand_names_in_capitals_are_singular():
    viagra = fact(
        "VIAGRA",
        "contraindicated_in",
        "known hypersensitivity",
        sentence="VIAGRA is contraindicated in patients with a known hypersensitivity to sildenafil.",
    )
    assert yes_no_question(viagra) == "Is VIAGRA contraindicated in known hypersensitivity?"
    contains = fact("VIAGRA", "contains", "sildenafil", "contain", sentence="VIAGRA contains sildenafil.")
    assert yes_no_question(contains) == "Does VIAGRA contain sildenafil?"
    statins = fact("Statins", "causes", "myalgia", "cause", sentence="Statins cause myalgia.")
    assert yes_no_question(statins) == "Do statins cause myalgia?"


def test_answers_cut_before_their_list_take_the_list_or_are_not_asked():
    cut = "LIPITOR can lower the risk for chest pain in patients who have risk factors for heart disease such as"
    listed = fact("LIPITOR", "reduces_risk_of", "chest pain", sentence=cut, after="age, smoking or diabetes.")
    assert fact_text(listed).endswith("heart disease such as age, smoking or diabetes.")
    assert questions(fact("LIPITOR", "reduces_risk_of", "chest pain", sentence=cut)) == []


def test_cross_references_are_stripped_and_pointers_into_the_label_not_asked():
    sentence = "VIAGRA potentiates the hypotensive effects of nitrates [see Clinical Pharmacology (12.2)]."
    nitrates = fact("VIAGRA", "potentiates", "hypotensive effects of nitrates", "potentiate", sentence=sentence)
    assert fact_text(nitrates) == "VIAGRA potentiates the hypotensive effects of nitrates."
    listed = fact("VIAGRA", "causes", "decreases", "cause", sentence="VIAGRA causes decreases, [see Pharmacology].")
    assert fact_text(listed) == "VIAGRA causes decreases."
    elsewhere = "The following are discussed in more detail in other sections of the labeling."
    assert questions(fact("following", "discussed_in", "more detail", "be discuss in", sentence=elsewhere)) == []
    above = "Hyperpyrexia, not associated with the above symptom complex, has been reported with haloperidol."
    assert questions(fact("hyperpyrexia", "associated_with", "above symptom complex", sentence=above)) == []


def test_glued_cross_references_attachments_and_redactions_are_not_answers():
    glued = "Cholestyramine lowers warfarin plasma levels [seeDrug Interactions (7.2)]."
    resin = fact("Cholestyramine", "reduces", "warfarin plasma levels", "lower", sentence=glued)
    assert fact_text(resin) == "Cholestyramine lowers warfarin plasma levels."
    attached = "The licensee shall pay the fees as per the attached schedule."
    redacted = "The supplier shall pay a royalty of [**] on each unit sold."
    shown = "The supplier shall pay a royalty of five percent on each unit sold."
    whole = {s: complete(fact("supplier", "must_pay", "royalty", "shall pay", sentence=s, domain="legal"))
             for s in (attached, redacted, shown)}  # fmt: skip
    assert whole == {attached: False, redacted: False, shown: True}


def test_no_yes_or_no_for_an_unknown_or_a_negation_the_fact_missed():
    unknown = fact(
        "antipsychotic drug products",
        "differ_in",
        "potential",
        "differ in",
        sentence="Whether antipsychotic drug products differ in their potential to cause it is unknown.",
    )
    deemed = fact(
        "representatives",
        "be_deem",
        "employees of Principal",
        "shall be deemed",
        sentence="Under no circumstances shall representatives be deemed employees of Principal.",
        domain="legal",
    )
    for f in (unknown, deemed):
        types = fitting_types(f, index_of([f]), None)
        assert not {"yes_no", "comparison", "clinical_vignette", "scenario"} & set(types)


def test_no_questions_that_make_a_bystander_the_subject_of_a_weak_verb():
    sentence = "Severe neurotoxicity may occur in patients with thyrotoxicosis who are also receiving haloperidol."
    garbled = fact("thyrotoxicosis", "receive", "antipsychotic medication", "receive", sentence=sentence)
    assert questions(garbled) == []  # 'What does thyrotoxicosis receive?'
    told = fact("healthcare provider", "tell", "to take", "tell", sentence="Your healthcare provider will tell you.")
    assert questions(told) == []


def test_no_both_question_over_alternatives():
    sentence = "All sealed bids must be filed with the Director or his delegate before the sale."
    director = fact("sealed bids", "be_file_with", "the Director", "must be filed with", sentence=sentence)
    delegate = fact("sealed bids", "be_file_with", "his delegate", "must be filed with", sentence=sentence)
    assert index_of([director, delegate]).sibling(director) is None


def test_a_both_question_answers_in_a_few_lines():
    short = fact("lithium", "causes", "tremor", "causes", sentence="Lithium causes tremor.")
    thirst = fact("lithium", "causes", "thirst", "causes", sentence="Lithium causes thirst.")
    long_sentence = (
        "In patients who have taken lithium for many years, usually at doses above the usual range and often with "
        "diuretics or anti-inflammatory drugs that raise its serum level, nephrogenic diabetes insipidus with thirst "
        "and large volumes of dilute urine has been reported, and renal function should be checked each year."
    )
    insipidus = fact("lithium", "causes", "nephrogenic diabetes insipidus", "causes", sentence=long_sentence)
    assert index_of([short, thirst]).sibling(short) == thirst
    assert index_of([short, insipidus]).sibling(short) is None


def test_a_dosage_question_asks_a_drugs_dose_only():
    given = fact("amoxicillin", "be_given_at", "500 mg three times daily", "is given at")
    given = given.model_copy(update={"subject_type": "drug"})
    raised = fact("iron", "raise", "haemoglobin by 20 g/L", "raises").model_copy(update={"subject_type": "drug"})
    assert doses_drug(given) and not doses_drug(raised)
    assert "dosage" not in fitting_types(raised, index_of([raised]), None)


def test_an_open_question_needs_a_relation_the_rules_name():
    passes = fact("small amount of drug", "pass_into", "breast milk", "pass into",
                  sentence="A small amount of the drug passes into breast milk.")  # fmt: skip
    assert "explanation" not in fitting_types(passes, index_of([passes]), None)
    paid = fact("franchise fee", "must_be_paid_to", "town treasurer", "shall be paid to", domain="legal",
                sentence="The franchise fee shall be paid to the town treasurer.")  # fmt: skip
    assert "explanation" in fitting_types(paid, index_of([paid]), None)


def test_how_a_condition_is_treated_is_asked_without_another_products_setting():
    nitrates = fact("Nitrates", "treats", "chest pain", "treat", sentence="Nitrates are used to treat chest pain.",
                    title=VIAGRA, subject_type="drug")  # fmt: skip
    asked = questions(nitrates, question_types=["aspect"])
    assert "How is chest pain treated?" in asked
    assert not any(q.startswith("For VIAGRA") and "treated" in q for q in asked)


def test_an_aspect_question_that_names_its_document_is_answered_from_that_document_only():
    exempt = fact("Director", "may_exempt", "certain explosive devices", "may exempt", domain="legal",
                  sentence="The Director may exempt certain explosive devices from this part.",
                  title="PART 555—COMMERCE IN EXPLOSIVES", subject_type="party")  # fmt: skip
    remit = fact("Director", "may_release", "seized vessels", "may release", domain="legal",
                 sentence="The Director may release seized vessels to their owners.",
                 title="PART 72—DISPOSITION OF SEIZED PERSONAL PROPERTY", subject_type="party")  # fmt: skip
    index = index_of([exempt, remit])
    groups = index.aspects_led_by(exempt) + index.aspects_led_by(remit)
    assert sorted((aspect, [f.id for f in group]) for _, aspect, group in groups) == sorted(
        [("rights", [exempt.id]), ("rights", [remit.id])]
    )  # one question per Part, each answered from its own rule
    nitrates = fact("Nitrates", "treats", "chest pain", "treat", sentence="Nitrates are used to treat chest pain.",
                    title=VIAGRA, subject_type="drug")  # fmt: skip
    aspirin = fact("Aspirin", "treats", "chest pain", "treat", sentence="Aspirin is used to treat chest pain.",
                   title="ASPIRIN tablets", subject_type="drug")  # fmt: skip
    index = index_of([nitrates, aspirin])
    treated = [
        group for f in (nitrates, aspirin) for _, aspect, group in index.aspects_led_by(f) if aspect == "treatment"
    ]
    assert [sorted(f.id for f in group) for group in treated] == [sorted([nitrates.id, aspirin.id])]  # asked unnamed


def test_an_answer_does_not_open_with_a_link_to_a_sentence_it_leaves_out():
    sentence = "However, since older patients clear digoxin slowly, a lower starting dose should be used."
    slow = fact("older patients", "clear", "digoxin", "clear", sentence=sentence)
    assert fact_text(slow) == "Since older patients clear digoxin slowly, a lower starting dose should be used."
    before = "Digoxin is excreted by the kidneys."
    linked = slow.model_copy(update={"evidence": [slow.evidence[0].model_copy(update={"before": before})]})
    assert fact_text(linked) == f"{before} {sentence}"


def test_no_yes_for_a_rare_use_nor_a_both_question_over_rewordings():
    rarely = "Colchicine is rarely indicated for use in adolescents with the exception of familial fever."
    rare_use = fact(
        "Colchicine", "indicated_for", "use in adolescents", "be indicated for", sentence=rarely, hedged=True
    )
    assert not any(q.startswith(("Is colchicine", "Can colchicine")) for q in questions(rare_use))
    # nor a list of options that presents it as a use
    options = [
        fact(drug, "indicated_for", use, "be indicated for")
        for drug, use in (("Aspirin", "headache"), ("Ibuprofen", "pain"))
    ]
    index = index_of([rare_use, *options])
    assert len(index.distractors(rare_use)) >= 2
    assert "multiple_choice" not in fitting_types(rare_use, index, None)
    usual = rare_use.model_copy(
        update={"evidence": [rare_use.evidence[0].model_copy(update={"sentence": rarely.replace("rarely ", "")})]}
    )
    assert "multiple_choice" in fitting_types(usual, index, None)
    sentence = "Febuxostat lowers serum urate levels and serum and plasma urate concentrations."
    levels = fact("Febuxostat", "reduces", "serum urate levels", "lower", sentence=sentence)
    concentrations = fact("Febuxostat", "reduces", "serum and plasma urate concentrations", "lower", sentence=sentence)
    assert index_of([levels, concentrations]).sibling(levels) is None
    other = fact("Febuxostat", "reduces", "gout flares", "lower", sentence="Febuxostat lowers gout flares.")
    assert index_of([levels, other]).sibling(levels) == other


def test_a_boxed_warning_in_capitals_is_not_an_answer():
    shouted = "WARFARIN CAN CAUSE MAJOR OR FATAL BLEEDING IN ELDERLY PATIENTS."
    bleeding = fact("WARFARIN", "causes", "MAJOR OR FATAL BLEEDING", "cause", sentence=shouted)
    assert not complete(bleeding)
    plain = fact(
        "Warfarin", "causes", "major or fatal bleeding", "cause", sentence="Warfarin can cause major bleeding."
    )
    assert complete(plain)
