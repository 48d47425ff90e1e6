"""Shapes of facts that real public text gets wrong (dev gold, bench/quality/gold/dev.jsonl): they fall below
generation's threshold (0.7), while clean vocabulary relations between specific noun phrases stay above; and the
rule fixes the dev set asked for."""

from test_fact_checks import facts, trusted


def checks_of(text: str, nlp, domain: str = "medical") -> set[str]:
    return {check for f in facts(text, nlp, domain) for check in f.checks}


def test_weak_verbs_and_bare_copulas_fall_below_the_threshold(nlp):
    assert not trusted(
        "The cigarettes are in the possession of any person other than an exempted person.", nlp, "legal"
    )
    assert not trusted("The notice will specify the date of revocation.", nlp, "legal")
    assert "weak_relation" in checks_of("The licensee has knowledge of the theft.", nlp, "legal")


def test_clause_subjects_statistics_and_conditions_fall_below_the_threshold(nlp):
    text = "Dividing a single agreement into smaller components does not exempt the distributor from the rules."
    assert "clause_argument" in checks_of(text, nlp, "legal") and not trusted(text, nlp, "legal")
    assert "statistic" in checks_of("The placebo group included 3% Blacks and 2% Asians.", nlp)
    text = "If you do not know if the child's prescription drug contains an MAOI, ask a doctor."
    assert "subordinate_clause" in checks_of(text, nlp) and not trusted(text, nlp)
    text = "The Director may require that a sample of the device be submitted for examination."
    assert not trusted(text, nlp, "legal")
    text = "Whether beta blockers reduce mortality in heart failure with preserved ejection fraction is not known."
    assert "subordinate_clause" in checks_of(text, nlp) and not trusted(text, nlp)
    text = "If rash or itching develop in patients taking lamotrigine, evaluation of the skin should be part of their care."
    assert "clause_argument" in checks_of(text, nlp) and not trusted(text, nlp)


def test_long_sentences_fall_below_the_threshold_but_keep_their_facts(nlp):
    text = (
        "In respect of property seized under the internal revenue laws and found by the appraisers to be of little"
        " value, the Director shall publish a description of the articles in a newspaper of the judicial district"
        " where the seizure was made, and the claimant shall pay the costs of the sale to the Treasury."
    )
    assert "long_sentence" in checks_of(text, nlp, "legal")
    # samples from such sentences were good 7-18% of the time on the labelled dev samples, against 35-45%
    assert not trusted(text, nlp, "legal")
    assert ("claimant", "must_pay", "costs of the sale") in {
        (f.subject, f.relation, f.object) for f in facts(text, nlp, "legal")
    }


def test_clean_vocabulary_facts_stay_above_the_threshold(nlp):
    assert ("Metformin", "contraindicated_in", "severe renal impairment", False, False) in trusted(
        "Metformin is contraindicated in severe renal impairment.", nlp
    )
    assert ("Tenant", "must_pay", "rent", False, False) in trusted("The Tenant shall pay the rent.", nlp, "legal")


def test_a_modal_cut_off_by_an_inserted_phrase_reaches_the_relation(nlp):
    text = "The licensee shall, within 24 hours of discovery, report the theft to the nearest ATF office."
    assert ("licensee", "must_report", "theft", False, False) in trusted(text, nlp, "legal")
    found = trusted("A patent airway must be established by use of an oropharyngeal airway.", nlp)
    assert ("use of an oropharyngeal airway", "must_establish", "patent airway", False, False) in found


def test_including_risk_for_and_nested_phrases(nlp):
    found = trusted("Hypersensitivity reactions have been reported, including rash and urticaria.", nlp)
    assert {("Hypersensitivity reactions", "includes", o, False, False) for o in ("rash", "urticaria")} <= found
    found = trusted("Atorvastatin lowers the risk for stroke.", nlp)
    assert ("Atorvastatin", "reduces_risk_of", "stroke", False, False) in found
    text = "Administration of VIAGRA in these patients resulted in higher plasma levels of sildenafil."
    assert ("Administration of VIAGRA", "causes", "higher plasma levels of sildenafil", False, False) in trusted(
        text, nlp
    )


def test_titles_in_apposition_are_no_definitions_and_rare_reports_hedge(nlp):
    text = "The Director, Industry Operations shall issue a notice of denial."
    assert not any(r == "is_a" for _, r, *_ in trusted(text, nlp, "legal"))
    text = "There have been rare reports of hepatic failure in patients taking statins."
    assert all(f.hedged for f in facts(text, nlp) if f.object == "hepatic failure")


def test_a_value_needs_what_it_measures_and_keeps_its_scope(nlp):
    assert "unscoped_value" in checks_of("The mean is 40 to 80 mg per day for adults with mild hypertension.", nlp)
    assert "unscoped_value" in checks_of("In mice the median lethal dose is 900 mg/kg.", nlp)
    assert "unscoped_value" in checks_of(
        "The lower limit of normal is about 4 g/dL for adults and 3 g/dL for infants.", nlp
    )
    assert "unscoped_value" not in checks_of("Digoxin is a cardiac glycoside.", nlp)


def test_a_legal_passive_without_a_modal_narrates(nlp):
    assert "unruled_legal" in checks_of("Royalties are paid into the escrow account of the Licensor.", nlp, "legal")
    assert trusted("The Licensee shall pay the royalties into the escrow account.", nlp, "legal")
    assert "unruled_legal" not in checks_of("Samples are shipped to the central laboratory.", nlp, "medical")


def test_a_manner_similar_to_something_is_no_argument(nlp):
    text = "Lithium is reabsorbed in the proximal tubule in a way similar to the handling of sodium."
    assert {o for _, _, o, *_ in trusted(text, nlp)} == {"proximal tubule"}


def test_a_participle_the_parser_made_the_root_is_a_reduced_relative(nlp):
    """'Tubes forfeited under the laws shall be sold' parsed with 'forfeited' as root (it happens on long rules):
    a participle without an auxiliary is no predicate."""
    from spacy.tokens import Doc

    from kgraph.extract import is_reduced_relative

    words = ["Tubes", "forfeited", "under", "the", "laws", "shall", "be", "sold", "."]
    heads = [1, 1, 1, 4, 2, 7, 7, 1, 1]
    deps = ["nsubj", "ROOT", "prep", "det", "pobj", "aux", "auxpass", "conj", "punct"]
    tags = ["NNS", "VBN", "IN", "DT", "NNS", "MD", "VB", "VBN", "."]
    doc = Doc(nlp.vocab, words=words, heads=heads, deps=deps, tags=tags)
    assert is_reduced_relative(doc[1]) and not is_reduced_relative(doc[7])


def test_a_counted_or_active_ingredient_names_nothing(nlp):
    text = "Triumeq is a tablet with three active ingredients used to treat HIV infection."
    assert not any("ingredients" in s or "ingredients" in o for s, _, o, *_ in trusted(text, nlp))
    assert trusted("Section 75 applies to credit card purchases.", nlp, "legal")  # a number after the noun names it


def test_a_temperature_is_a_bare_number(nlp):
    text = "Opened vials must be refrigerated at 36°F to 46°F and used within 28 days."
    assert not any("°" in f.object for f in facts(text, nlp))


def test_a_passive_with_a_direct_object_lost_its_preposition(nlp):
    text = "Leftover solution of one bottle must not be poured into, or mixed with, the solution of another bottle."
    assert not any(r == "must_be_poured" for _, r, *_ in trusted(text, nlp))


def test_an_apposition_after_a_nested_noun_may_describe_that_noun(nlp):
    text = (
        "Lisinopril is an inhibitor of ACE, the enzyme responsible for the conversion of angiotensin I to angiotensin"
        " II, the main pressor hormone of the body."
    )
    assert not any(o == "main pressor hormone of the body" for _, _, o, *_ in trusted(text, nlp))
    text = "Allopurinol is a structural analogue of the natural purine base, hypoxanthine."
    assert ("hypoxanthine", "is_a", "natural purine base", False, False) in trusted(text, nlp)


def test_an_adverb_read_as_a_subject_is_no_entity(nlp):
    """'Atorvastatin 80 mg once daily is recommended ...' parsed with 'daily' as a second subject."""
    from spacy.tokens import Doc

    from kgraph.checks import argument_checks

    words = ["Insulin", "once", "daily", "is", "advised", "."]
    doc = Doc(nlp.vocab, words=words, heads=[4, 2, 4, 4, 4, 4], pos=["PROPN", "ADV", "ADV", "AUX", "VERB", "PUNCT"],
              deps=["nsubjpass", "advmod", "nsubjpass", "auxpass", "ROOT", "punct"],
              tags=["NNP", "RB", "RB", "VBZ", "VBN", "."])  # fmt: skip
    assert "clause_argument" in argument_checks(doc[2], "once daily", [doc[1], doc[2]], "medical")
    assert "clause_argument" not in argument_checks(doc[0], "Insulin", [doc[0]], "medical")


def test_a_preposition_after_a_nested_noun_belongs_to_that_noun(nlp):
    """'directed against the linker region of the conjugate in all subjects with positive titres': a phrase right after
    a noun nested in another phrase is no argument of the verb, though the parse hangs it there ('directed in
    subjects'); after the verb's own phrase ('by the Secretary to ...') the verb keeps it."""
    text = (
        "The neutralising antibodies were directed against the linker region of the conjugate in all subjects with"
        " persistently positive titres."
    )
    found = {(f.subject, f.relation, f.object) for f in facts(text, nlp)}
    assert ("neutralising antibodies", "be_directed_against", "linker region of the conjugate") in found
    assert not any(r in ("be_directed_in", "be_directed_with") for _, r, _ in found)
    text = "Seized vessels may be transferred by the Secretary to any local agency that took part in the seizure."
    assert ("Seized vessels", "may_be_transferred_to", "local agency", False, False) in trusted(text, nlp, "legal")
    # but a party is a party to something: 'signed by both parties to this lease'
    text = "Any change to this Lease must be approved by both parties to this Lease."
    assert not any(r.endswith("_to") for _, r, *_ in trusted(text, nlp, "legal"))


def test_a_slash_between_words_stays_in_the_name(nlp):
    """'myopathy/rhabdomyolysis' and 'mg/kg' keep their slash; the name is not 'myopathy rhabdomyolysis'."""
    text = "Use of high doses of simvastatin with gemfibrozil increases the risk of myositis/rhabdomyolysis."
    assert any(o == "myositis/rhabdomyolysis" for _, _, o, *_ in trusted(text, nlp))


def test_due_to_names_the_effect_of_an_onset_verb_only(nlp):
    """'decreased sensation of thirst due to central inhibition' parsed with 'decreased' as a verb is no 'central
    inhibition causes sensation of thirst'; 'developed hepatitis due to X' is X causing hepatitis."""
    text = (
        "It is thought that fatigue and decreased sensation of hunger due to central suppression may cause weight loss."
    )
    assert not any(o == "sensation of hunger" for _, _, o, *_ in trusted(text, nlp))
    text = "Two patients developed hepatitis due to isoniazid."
    assert ("isoniazid", "causes", "hepatitis", False, False) in trusted(text, nlp)
