import asyncio
import re
from types import SimpleNamespace

import networkx as nx
from fakes import make_fact

from generation.generate import GenerationConfig, generate_samples, run_generation
from generation.offline import OfflineGenerator
from generation.passage import clean_sentence, standalone
from generation.plan import FactIndex
from generation.verbalise import statement, verb_phrase
from generation.wording_en import aspect_question, what_question, yes_no_question
from kgraph.graph import add_facts

SOURCE_TALK = re.compile(r"\b(source|text|document|passage|according to)\b|原文", re.IGNORECASE)


def fact(subject, relation, obj, surface="", negated=False, hedged=False, sentence=None, **extra):
    made = make_fact(subject, relation, obj, surface, negated=negated, hedged=hedged, sentence=sentence)
    return made.model_copy(update=extra) if extra else made


METFORMIN = fact(
    "Metformin",
    "contraindicated_in",
    "severe renal impairment",
    "be contraindicated in",
    sentence="Metformin is contraindicated in severe renal impairment.",
)
ACIDOSIS = fact(
    "Metformin", "causes", "lactic acidosis", "cause", hedged=True, sentence="Metformin may cause lactic acidosis."
)
AMOXICILLIN = fact(
    "Amoxicillin",
    "treats",
    "viral infections",
    "treat",
    negated=True,
    sentence="Amoxicillin does not treat viral infections.",
)


def index_of(facts, min_confidence=0.7):
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    return FactIndex.of(graph, min_confidence)


def run(f, facts, **settings):
    return asyncio.run(generate_samples(f, index_of(facts), OfflineGenerator(), GenerationConfig(**settings)))


def texts(samples, role=None):
    return [m.content for s in samples for m in s.messages if role in (None, m.role)]


def test_statements_keep_negation_and_hedging():
    assert statement(METFORMIN) == "Metformin is contraindicated in severe renal impairment."
    assert statement(ACIDOSIS) == "Metformin may cause lactic acidosis."
    assert statement(AMOXICILLIN) == "Amoxicillin does not treat viral infections."


def test_morphology_comes_from_lemminflect():
    # The extractor's surface form is sometimes inflected already ('impairs'): it must not become 'impairses'.
    coeliac = fact("Coeliac disease", "impairs", "absorption", "impairs")
    assert statement(coeliac) == "Coeliac disease impairs absorption."
    assert yes_no_question(coeliac) == "Does coeliac disease impair absorption?"
    statins = fact("Statins", "inhibits", "HMG-CoA reductase", "inhibit")
    assert statement(statins) == "Statins inhibit HMG-CoA reductase."
    assert what_question(statins) == "What do statins inhibit?"
    assert verb_phrase(fact("ACE inhibitors", "is_a", "x", "be"), plural=True) == "are"
    assert verb_phrase(fact("Diabetes", "is_a", "x", "be"), plural=False) == "is"
    assert statement(fact("Warfarin", "carries", "a bleeding risk", "carry")) == "Warfarin carries a bleeding risk."
    assert statement(fact("Diabetes", "has", "two main types", "have")) == "Diabetes has two main types."
    assert yes_no_question(
        fact("Empagliflozin", "is_a", "SGLT2 inhibitors", "be", sentence="Empagliflozin is an SGLT2 inhibitor.")
    ).endswith("an SGLT2 inhibitor?")


def test_sentences_are_cleaned_and_made_to_stand_alone():
    assert clean_sentence("- Statins lower LDL cholesterol [12].") == "Statins lower LDL cholesterol."
    assert clean_sentence("Treatment\nLevothyroxine is the standard treatment [3, 4]") == (
        "Levothyroxine is the standard treatment."
    )
    assert clean_sentence("2) the supplier shall invoice monthly:") == "The supplier shall invoice monthly."
    anaphoric = SimpleNamespace(sentence="It is excreted unchanged by the kidneys.", before="Metformin is a biguanide.")
    assert standalone(anaphoric) == "Metformin is a biguanide. It is excreted unchanged by the kidneys."
    alone = SimpleNamespace(sentence="Metformin is a biguanide.", before="Diabetes is common.", after="")
    assert standalone(alone) == "Metformin is a biguanide."
    assert standalone(SimpleNamespace(sentence="These include nausea.")) == "These include nausea."  # no neighbour


def test_answers_are_the_evidence_and_never_point_at_a_source():
    samples, rejections = run(METFORMIN, [METFORMIN, ACIDOSIS], qa_per_fact=4)
    assert rejections == [] and samples
    for sample in samples:
        assert not any(SOURCE_TALK.search(m.content) for m in sample.messages)
        if sample.kind == "qa":
            assert "Metformin is contraindicated in severe renal impairment." in sample.messages[1].content


def test_negated_and_hedged_facts_answer_yes_no_truthfully():
    samples, _ = run(AMOXICILLIN, [AMOXICILLIN])
    yes_no = next(s for s in samples if s.style.get("question_type") == "yes_no")
    assert yes_no.messages[0].content == "Does amoxicillin treat viral infections?"
    assert yes_no.messages[1].content == "No. Amoxicillin does not treat viral infections."
    assert all("does not treat" in a for a in texts(samples, "assistant"))
    hedged, _ = run(ACIDOSIS, [ACIDOSIS], question_types=["yes_no"])
    assert hedged[0].messages[0].content == "Can metformin cause lactic acidosis?"
    assert hedged[0].messages[1].content == "Yes, it can. Metformin may cause lactic acidosis."


def test_distractors_are_false_for_the_subject_and_of_its_type():
    drug = dict(subject_type="drug", object_type="disease")
    asked = fact("Statins", "causes", "myalgia", "cause", **drug)
    linked = fact("Statins", "reduces_risk_of", "stroke", "reduce risk of", **drug)  # true under another relation
    others = [
        fact(d, "causes", o, "cause", **drug)
        for d, o in [("Warfarin", "bleeding"), ("Triptans", "stroke"), ("Metformin", "lactic acidosis")]
    ]
    untyped = fact("Supplier", "causes", "delay", "cause", subject_type="party", object_type="event")
    options = index_of([asked, linked, *others, untyped]).distractors(asked)
    assert set(options) == {"bleeding", "lactic acidosis"}  # not stroke (linked), not delay (another type)
    # 'Low platelet counts on statins can cause bleeding': its subject is the counts, but it names statins
    counts = fact(
        "low platelet counts",
        "causes",
        "bleeding",
        "cause",
        sentence="Low platelet counts on statins can cause bleeding.",
        **drug,
    )
    options = index_of([asked, linked, counts, *others[1:], untyped]).distractors(asked)
    assert options == ("lactic acidosis",)
    # 'muscle damage' beside the right 'muscle pain' may be as right: only the head differs
    pain = fact("Statins", "causes", "muscle pain", "cause", **drug)
    damage = fact("Colchicine", "causes", "muscle damage", "cause", **drug)
    options = index_of([pain, damage, *others[:2]]).distractors(pain)
    assert "muscle damage" not in options and "bleeding" in options
    # ... also beside another effect of the subject: statins cause muscle pain, so 'muscle damage' may be right too
    options = index_of([pain, asked, damage, *others[:2]]).distractors(asked)
    assert "muscle damage" not in options and "bleeding" in options
    # two wordings of one thing are not two options
    reworded = [fact(d, "causes", o, "cause", **drug) for d, o in [("Colchicine", "loss of appetite"),
                ("Digoxin", "appetite loss")]]  # fmt: skip
    options = index_of([asked, *reworded, others[0]]).distractors(asked)
    assert len(options) == 2 and "bleeding" in options


def test_aspect_questions_gather_every_fact_of_the_aspect():
    effects = [
        fact("Statins", "causes", "myalgia", "cause", hedged=True, sentence="Statins may cause myalgia."),
        fact("Statins", "causes", "rhabdomyolysis", "cause", sentence="Rhabdomyolysis is a rare adverse effect."),
        fact("Statins", "increases_risk_of", "diabetes", "increase risk of", sentence="Statins raise diabetes risk."),
    ]
    effects = [f.model_copy(update={"subject_type": "drug"}) for f in effects]
    treated = [
        fact(d, "treats", "gout", "treat", sentence=f"{d} treats gout.", subject_type="drug")
        for d in ("Colchicine", "Allopurinol")
    ]
    facts = effects + treated
    index = index_of(facts)
    samples, _ = run_generation([(GenerationConfig(), facts)], index, OfflineGenerator())
    aspects = {s.style["aspect"]: s for s in samples if s.style.get("question_type") == "aspect"}
    side = aspects["adverse_effects"]
    assert side.messages[0].content == "What are the side effects and risks of statins?"
    assert all(f.evidence[0].sentence in side.messages[1].content for f in effects)
    assert set(side.fact_ids) == {f.id for f in effects}
    treatment = aspects["treatment"]
    assert treatment.messages[0].content == "How is gout treated?"
    assert "Colchicine treats gout." in treatment.messages[1].content
    assert "Allopurinol treats gout." in treatment.messages[1].content
    assert sum(s.style.get("aspect") == "treatment" for s in samples) == 1  # written once, by one fact


def test_an_aspect_answer_is_a_sentence_about_the_fact():
    sentences = [
        ("angioedema", "Angioedema has been reported with statins."),
        ("hepatitis", "Cases of hepatitis have been reported with statins."),
        ("neuropathy", "Hypothyroidism is linked to myopathy and rarely to neuropathy associated with statins."),
    ]
    effects = [
        fact(effect, "associated_with", "statins", "be associated with", sentence=s, object_type="drug")
        for effect, s in sentences
    ]
    samples, _ = run_generation([(GenerationConfig(), effects)], index_of(effects), OfflineGenerator())
    side = next(s for s in samples if s.style.get("aspect") == "adverse_effects")
    assert set(side.fact_ids) == {effects[0].id, effects[1].id}
    assert "Hypothyroidism" not in side.messages[1].content


def test_confidence_gate_generic_arguments_and_document_budget_are_counted():
    weak = fact("Clarithromycin", "interacts_with", "simvastatin", "interact with", confidence=0.5)
    generic = fact("Clarithromycin", "is_a", "alternatives", "be")
    busy = [fact(f"drug{i}", "treats", f"condition{i}", "treat") for i in range(10)]
    facts = [weak, generic, *busy]
    cfg = GenerationConfig(max_samples_per_document=12, dialogues_per_fact=0, multihop_per_fact=0)
    samples, rejections = run_generation([(cfg, facts)], index_of(facts), OfflineGenerator())
    reasons = [r.reason for r in rejections]
    assert reasons.count("low_confidence") == 1 and reasons.count("generic_argument") == 1
    assert reasons.count("over_document_budget") > 0
    assert 0 < len(samples) <= 12
    assert weak.id not in {i for s in samples for i in s.fact_ids}


def test_dialogues_end_when_the_walk_ends_and_never_ask_about_a_source():
    samples, _ = run(METFORMIN, [METFORMIN, ACIDOSIS], min_turns=5, max_turns=6, dialogues_per_fact=1)
    dialogue = next(s for s in samples if s.kind == "dialogue")
    assert len(dialogue.messages) == 4  # two facts, two exchanges, no padding
    assert not any(SOURCE_TALK.search(t) for t in texts([dialogue]))


def test_no_paths_or_comparisons_through_generic_hubs():
    a = fact("Asthma", "affect", "patients", "affect")
    b = fact("Warfarin", "causes", "bleeding in patients", "cause")
    c = fact("Gout", "affect", "patients", "affect")
    index = index_of([a, b, c], min_confidence=0.0)
    assert index.path(a, 2) == [] and index.sibling(a) is None


def test_grounded_style_is_opt_in_and_cites_the_passage():
    closed, _ = run(METFORMIN, [METFORMIN, ACIDOSIS])
    grounded, _ = run(METFORMIN, [METFORMIN, ACIDOSIS], style="grounded")
    assert not any(SOURCE_TALK.search(t) for t in texts(closed))
    qa = next(s for s in grounded if s.kind == "qa")
    assert qa.messages[0].content.startswith("Read this passage:\nMetformin is contraindicated")
    assert qa.messages[1].content.startswith("According to the passage")
    assert qa.style["answer_style"] == "grounded"


def test_chinese_samples_do_not_cite_either():
    negated = fact("阿莫西林", "treats", "病毒感染", negated=True, sentence="阿莫西林不能治疗病毒感染。")
    hedged = fact("阿莫西林", "causes", "腹泻", hedged=True, sentence="阿莫西林可能引起腹泻。")
    samples, _ = run(negated, [negated, hedged], qa_per_fact=4)
    assert samples and not any(SOURCE_TALK.search(t) for t in texts(samples))


def test_generation_is_deterministic():
    first, _ = run(METFORMIN, [METFORMIN])
    second, _ = run(METFORMIN, [METFORMIN])
    assert [s.id for s in first] == [s.id for s in second]


def test_no_source_wording_in_closed_book_samples_over_the_demo_graph():
    from pathlib import Path

    from kgraph.corpus import read_corpus
    from kgraph.llm_extract import extract_documents

    documents, _ = read_corpus(Path(__file__).parents[2] / "data" / "examples")
    facts, _ = extract_documents(documents)
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    index = FactIndex.of(graph)
    samples, _ = run_generation([(GenerationConfig(), list(index.by_id.values()))], index, OfflineGenerator())
    assert len(samples) > 200
    cited = [t for t in texts(samples) if SOURCE_TALK.search(t)]
    assert cited == []
    # Morphology the old hand rules got wrong never shows up.
    assert not any(re.search(r"impairses|\bis (adults|alternatives|mg)\.", t) for t in texts(samples))


def test_a_predicate_noun_takes_its_article_as_the_source_says_it():
    bare = fact("active substance", "is_a", "olaparib", "be", sentence="The active substance is olaparib.")
    assert yes_no_question(bare) == "Is the active substance olaparib?"
    acronym = fact("dapagliflozin", "is_a", "SGLT2 inhibitor", "be", sentence="Dapagliflozin is an SGLT2 inhibitor.")
    assert yes_no_question(acronym) == "Is dapagliflozin an SGLT2 inhibitor?"


def test_an_object_the_leaflet_calls_yours_stays_yours():
    harm = fact(
        "ISOTRETINOIN", "harm", "unborn baby", "harm", hedged=True, sentence="ISOTRETINOIN can harm your unborn baby."
    )
    assert what_question(harm, "who_what") == "What can harm your unborn baby?"
    assert yes_no_question(harm) == "Can ISOTRETINOIN harm your unborn baby?"


def test_a_subject_keeps_the_indefinite_article_of_its_sentence():
    history = fact(
        "history of gastric bleeding",
        "increases_risk_of",
        "ulcer recurrence",
        "increase risk of",
        hedged=True,
        sentence="A history of gastric bleeding may increase the risk of ulcer recurrence.",
    )
    assert yes_no_question(history) == "Can a history of gastric bleeding increase the risk of ulcer recurrence?"
    assert aspect_question("history of gastric bleeding", "effects", history) == (
        "What can a history of gastric bleeding lead to?"
    )
    tics = fact(
        "pimozide",
        "indicated_for",
        "control of tics",
        "be indicated for",
        sentence="Pimozide is indicated for the control of tics.",
    )
    assert aspect_question("control of tics", "treatment", tics) == "How are tics treated?"


def test_a_drug_name_the_tagger_calls_plural_is_one_drug():
    sentence = "Dapagliflozin and remogliflozin are SGLT2 inhibitors."  # the small tagger reads 'remogliflozin' NNS
    drug = fact("remogliflozin", "is_a", "SGLT2 inhibitors", "be", sentence=sentence)
    assert yes_no_question(drug).startswith("Is remogliflozin ")


def test_a_direct_object_keeps_its_article():
    label = fact(
        "skin testing",
        "remove",
        "incorrect allergy label",
        "remove",
        sentence="Skin testing can remove an incorrect allergy label.",
    )
    assert yes_no_question(label) == "Does skin testing remove an incorrect allergy label?"
    inhibitor = fact("ARB", "replace", "ACE inhibitor", "replace", sentence="An ARB may replace an ACE inhibitor.")
    assert yes_no_question(inhibitor).endswith("replace an ACE inhibitor?")


def test_a_party_after_a_place_preposition_is_asked_with_what():
    venue = fact("claim", "may_be_brought_in", "District Court", "may be brought in", sentence="Any claim may be"
                 " brought in the District Court.", object_type="party", domain="legal")  # fmt: skip
    assert what_question(venue).startswith("What may")
    payee = fact("tenant", "must_pay_to", "landlord", "shall pay to", sentence="The tenant shall pay the deposit to"
                 " the landlord.", object_type="party", domain="legal")  # fmt: skip
    assert what_question(payee).startswith("Who")


def test_a_duty_to_be_responsible_is_not_asked_as_a_liability():
    duty = fact("Consultant", "responsible_for", "strategic planning", "be responsible for", domain="legal",
                sentence="The Consultant shall be responsible for the strategic planning.")  # fmt: skip
    assert aspect_question("Consultant", "liability", duty) == "What is the consultant responsible for?"


def test_a_condition_after_a_verb_read_relation_keeps_its_patients():
    raised = fact("exposure to lithium", "be_increased_in", "renal impairment", "be increased in", hedged=True,
                  sentence="Exposure to lithium may be increased in elderly patients with renal impairment.")  # fmt: skip
    assert yes_no_question(raised) == "Can exposure to lithium be increased in elderly patients with renal impairment?"
    named = fact("Lithium", "contraindicated_in", "renal impairment", "be contraindicated in",
                 sentence="Lithium is contraindicated in patients with renal impairment.")  # fmt: skip
    assert yes_no_question(named) == "Is lithium contraindicated in renal impairment?"


def test_a_legal_noun_the_source_lists_bare_stays_bare():
    priced = fact("prices", "must_exclude", "insurance", "shall exclude", object_type="entity", domain="legal",
                  sentence="Unless otherwise agreed, prices shall exclude transport, insurance and VAT.")  # fmt: skip
    assert yes_no_question(priced) == "Must prices exclude insurance?"
    named = fact("Licensee", "must_return", "license", "shall return", object_type="entity", domain="legal",
                 sentence="The Licensee shall return the license to the Chief.")  # fmt: skip
    assert yes_no_question(named) == "Must the licensee return the license?"
