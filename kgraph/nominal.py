"""The noun-phrase relations of case reports and abstracts: 'X-induced Y', 'Y due to X', 'Y following X
therapy', 'Y in a patient treated with X', 'a patient who received X developed Y'. Each yields (subject, surface
relation, object, excluded tokens)."""

from __future__ import annotations

from collections.abc import Iterator

from kgraph.spans import CASE_NOUNS, POPULATION

HYPHEN_VERBS = {"induced": "induce", "associated": "be associated with", "related": "be related to"}
THERAPY_NOUNS = {"therapy", "treatment", "use", "administration", "exposure", "ingestion", "infusion", "injection"}
TREATED = {"treat", "receive", "take", "give", "administer"}
# What a case report's patient does: 'a woman with diabetes who received X developed Y' (X causes Y, never D -> Y).
ONSET_VERBS = {"develop", "experience", "suffer", "present", "acquire", "sustain"}
REPORT_VERBS = {"report", "observe", "describe", "see"}
OUTCOME_VERBS = ONSET_VERBS | REPORT_VERBS | {"occur", "appear", "note", "happen", "arise", "be"}  # 'is common in'

DRUG_VERBS = TREATED | {"start", "use", "begin", "give", "commence", "ingest"}


def clause_entity(token):
    """The noun a modifier describes: the token itself, or the object (else subject) of the verb it hangs on."""
    if token.pos_ in ("NOUN", "PROPN"):
        return token
    for deps in (("dobj",), ("nsubj", "nsubjpass")):
        for child in token.children:
            if child.dep_ in deps:
                return child
    return None


def hyphen_facts(sent) -> Iterator[tuple]:
    """'Isoniazid-induced hepatitis': isoniazid induces hepatitis. 'An infusion-related reaction' names a kind of
    reaction by when it happens: a therapy noun is no cause of its own."""
    for token in sent:
        if token.lower_ in HYPHEN_VERBS and token.i >= 2 and token.doc[token.i - 1].text == "-":
            cause = token.doc[token.i - 2]
            named = cause.lemma_.lower() not in THERAPY_NOUNS
            if named and cause.pos_ in ("NOUN", "PROPN") and token.head.pos_ in ("NOUN", "PROPN"):
                yield cause, HYPHEN_VERBS[token.lower_], token.head, frozenset(token.subtree) | {cause}


def due_to_facts(sent) -> Iterator[tuple]:
    """'Lactic acidosis due to metformin': metformin causes lactic acidosis."""
    for token in sent:
        if token.lower_ not in ("due", "secondary") or token.i + 1 >= len(token.doc):
            continue
        if token.doc[token.i + 1].lower_ != "to":
            continue
        # 'Y due to X', 'Y is due to X', 'developed Y due to X'; a verb's subject is no effect ('X should be
        # avoided due to Y' gives a reason), nor the object of a verb other than an onset or a report
        # ('discontinued treatment due to X'; 'decreased sensation of thirst due to X' is no sensation of thirst).
        head = token.head
        onset = head.lemma_.lower() in ONSET_VERBS | REPORT_VERBS | {"have"}
        objects = [c for c in head.children if c.dep_ == "dobj"] if onset else []
        effect = (
            clause_entity(head) if head.pos_ in ("NOUN", "PROPN") or head.lemma_ == "be" else next(iter(objects), None)
        )
        for cause in token.doc[token.i + 1].children:
            if cause.dep_ == "pobj" and effect is not None:
                yield cause, "be due to", effect, frozenset(token.subtree)


def following_facts(sent) -> Iterator[tuple]:
    """'Agranulocytosis following clozapine therapy': clozapine is associated with agranulocytosis."""
    for token in sent:
        if token.lower_ not in ("following", "after") or token.dep_ != "prep":
            continue
        effect = clause_entity(token.head)
        for therapy in token.children:
            if therapy.dep_ != "pobj" or therapy.lemma_.lower() not in THERAPY_NOUNS or effect is None:
                continue
            drugs = [c for c in therapy.children if c.dep_ in ("compound", "amod", "nmod")]
            if drugs:
                yield drugs[-1], "follow", effect, frozenset(token.subtree)


def treated_patient_facts(sent) -> Iterator[tuple]:
    """'Angioedema occurred in a patient treated with enalapril': enalapril is associated with angioedema. Only where
    the clause reports an outcome: in 'X may lower blood pressure in patients taking Y' X acts, and in 'a dose of
    25 mg should be considered in patients taking Y' the dose is advice."""
    for token in sent:
        if token.lemma_.lower() not in TREATED or token.dep_ != "acl":
            continue
        patient = token.head
        if patient.lemma_.lower() not in POPULATION or patient.dep_ != "pobj" or sets_the_scene(patient.head):
            continue
        # 'reports of X in patients taking Y' hang on a noun, the outcome itself, unless a verb acts on it ('X may
        # lower blood pressure in patients taking Y')
        clause = patient.head.head
        clause = clause.head if clause.dep_ == "dobj" else clause
        if clause.pos_ in ("VERB", "AUX") and clause.lemma_.lower() not in OUTCOME_VERBS:
            continue
        effect = clause_entity(patient.head.head)
        drugs = [g for p in token.children if p.dep_ == "prep" and p.lower_ in ("with", "on") for g in p.children]
        drugs += [c for c in token.children if c.dep_ == "dobj"]
        for drug in drugs:
            if drug.dep_ in ("pobj", "dobj") and effect is not None:
                yield drug, "be treated with", effect, frozenset(patient.head.subtree)


def sets_the_scene(prep) -> bool:
    """'In patients receiving X, the dose of Y will require a reduction': a phrase before a transitive verb sets the
    scene for the whole clause; the verb's object is no effect of X ('In patients on X, hepatitis occurred' is)."""
    verb = prep.head
    transitive = any(c.dep_ == "dobj" for c in verb.children)
    return verb.pos_ in ("VERB", "AUX") and prep.i < verb.i and transitive


def drugs_of(verb) -> list:
    """What a drug verb names: 'received gliclazide', 'treated with amiodarone', 'taking X'."""
    found = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass") and c.tag_ != "WP"]
    found += [g for p in verb.children if p.dep_ == "prep" and p.lower_ in ("with", "on") for g in prep_nouns(p)]
    return [d for d in found if d.lemma_.lower() not in POPULATION]


def prep_nouns(prep) -> list:
    return [c for c in prep.children if c.dep_ == "pobj"]


def exposures(verb, patient) -> list:
    """The drugs a case report's patient was exposed to: a relative clause on the patient ('who received X',
    'treated with X') or an after-phrase on the verb ('after gliclazide', 'after taking X', 'after X therapy')."""
    drugs = []
    for clause in patient.children:
        if clause.dep_ in ("relcl", "acl") and clause.lemma_.lower() in DRUG_VERBS:
            drugs += drugs_of(clause)
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.lower_ not in ("after", "following", "on", "while"):
            continue
        for child in prep.children:
            if child.dep_ == "pcomp" and child.lemma_.lower() in DRUG_VERBS:
                drugs += drugs_of(child)
            elif child.dep_ == "pobj" and child.lemma_.lower() in THERAPY_NOUNS:
                drugs += [c for c in child.children if c.dep_ in ("compound", "amod", "nmod")][-1:]
            elif child.dep_ == "pobj" and prep.lower_ != "while":
                drugs.append(child)
    return drugs


def case_report_facts(sent) -> Iterator[tuple]:
    """'A woman with diabetes who received gliclazide developed hepatitis': gliclazide causes hepatitis."""
    for verb in sent:
        if verb.lemma_.lower() not in ONSET_VERBS:
            continue
        patients = [c for c in verb.children if c.dep_ == "nsubj" and c.lemma_.lower() in POPULATION]
        effects = [c for c in verb.children if c.dep_ == "dobj"]
        effects += [g for p in verb.children if p.dep_ == "prep" and p.lower_ == "with" for g in prep_nouns(p)]
        for patient in patients:
            for drug in exposures(verb, patient):
                for effect in effects:
                    yield drug, "cause", effect, frozenset()


def member_facts(sent) -> Iterator[tuple]:
    """'Allergic reactions including swelling', 'vasodilators including VIAGRA', 'symptoms such as chest pain': the
    noun includes its listed members (a verb's 'including' is the extractor's)."""
    for token in sent:
        if token.dep_ != "prep" or token.head.pos_ not in ("NOUN", "PROPN"):
            continue
        such_as = token.lower_ == "as" and any(c.lower_ == "such" for c in token.children)
        if token.lower_ == "including" or such_as:
            head = token.head
            if token.doc[token.i - 1].text == "(":  # 'X, Y, or Z (including W)': the bracket follows Z
                head = max((t for t in (head, *head.conjuncts) if t.i < token.i), key=lambda t: t.i)
            for member in (c for c in token.children if c.dep_ == "pobj"):
                yield head, "include", member, frozenset()


def reported_case_facts(sent) -> Iterator[tuple]:
    """'Cases of myopathy have been reported with atorvastatin': atorvastatin is associated with myopathy (and with
    the cases' listed members, 'cases of myopathy, including rhabdomyolysis')."""
    for verb in sent:
        if verb.lemma_.lower() not in REPORT_VERBS:
            continue
        cases = [c for c in verb.children if c.dep_ == "nsubjpass" and c.lemma_.lower() in CASE_NOUNS]
        drugs = [g for p in verb.children if p.dep_ == "prep" and p.lower_ == "with" for g in prep_nouns(p)]
        for case in cases:
            effects = [g for p in case.children if p.dep_ == "prep" and p.lower_ == "of" for g in prep_nouns(p)]
            effects += [g for p in case.children if p.lower_ == "including" for g in prep_nouns(p)]
            for drug in (d for d in drugs if d.pos_ in ("NOUN", "PROPN")):
                for effect in effects:
                    yield drug, "be associated with", effect, frozenset()


def ambiguous_member(head) -> bool:
    """Whether a listing may belong to an outer noun: 'risk factors for heart disease such as age', 'a purchaser of
    property, including carriers', 'illnesses which affect the kidneys such as gout' (after an of- or for-phrase or
    a relative clause's object, with a comma or 'such as')."""
    if head.dep_ != "pobj" and not (head.dep_ == "dobj" and head.head.dep_ == "relcl"):
        return False
    marker = next((c for c in head.children if c.dep_ == "prep" and c.lower_ in ("including", "as")), None)
    comma = marker is not None and marker.i > 0 and head.doc[marker.i - 1].text == ","
    return marker is None or comma or marker.lower_ == "as"


def nominal_facts(sent) -> Iterator[tuple]:
    """Every noun-phrase relation of one sentence."""
    patterns = (hyphen_facts, due_to_facts, following_facts, treated_patient_facts, case_report_facts)
    for pattern in (*patterns, member_facts, reported_case_facts):
        yield from pattern(sent)
