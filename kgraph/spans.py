"""Entity spans from a dependency parse: which tokens name the entity, and which entities are not worth a fact."""

from __future__ import annotations

import re

# Children that start a clause or a side remark, not part of the entity's name.
CLAUSE_DEPS = {"relcl", "acl", "advcl", "conj", "cc", "appos", "punct", "parataxis", "prep"}
NESTED_CLAUSE_DEPS = {"relcl", "acl", "advcl", "appos", "parataxis", "prep"}
DROP_WORDS = {
    "the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "our", "your",
    "any", "each", "all", "either", "both", "neither", "no", "such", "other", "every", "some",
}  # fmt: skip
# Heads that name who or what was studied rather than a domain entity: "a patient treated with X".
POPULATION = {
    "patient", "man", "woman", "boy", "girl", "individual", "person", "people", "participant", "case",
    "animal", "rat", "mouse", "dog", "rabbit", "monkey", "rodent", "mother", "infant", "child", "adult", "volunteer",
}  # fmt: skip
# Nouns that count occurrences of what their of-phrase names: 'a few cases of hepatotoxicity', 'reports of rash'.
CASE_NOUNS = {"case", "report", "instance", "episode"}
GENERIC = POPULATION | {"study", "trial", "we", "author", "report", "it", "this", "which", "that", "they", "he", "she"}
TIME_ENTITIES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"}
TIME_NOUNS = {"day", "week", "month", "year", "hour", "minute", "time", "period", "date"}
# Nouns of change or difficulty name nothing without their complement: 'difficulty in breathing', 'elevations in
# transaminase levels', 'use in women', 'a mood swing to depression'.
COMPLEMENT_NOUNS = {
    "difficulty", "elevation", "increase", "decrease", "reduction", "rise", "fall", "decline", "change", "swing",
    "use", "abnormality", "impairment", "improvement", "damage", "injury", "exposure",
}  # fmt: skip
COMPLEMENT_PREPOSITIONS = {"in", "to"}
INFINITIVE_NOUNS = {
    "obligation", "right", "duty", "failure", "ability", "power", "option", "permission", "authority", "refusal",
    "commitment", "undertaking", "licence", "license", "entitlement", "requirement", "intention", "decision",
}  # fmt: skip
SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)+\.?")


def span_text(words: list) -> str:
    """The words' text; where a left-out token stood between two words, a space ('fluids, plasma' never becomes
    'fluidsplasma')."""
    parts = []
    for word, following in zip(words, [*words[1:], None]):
        adjacent = following is not None and following.i == word.i + 1
        parts.append(word.text_with_ws if adjacent or word.whitespace_ else word.text + " ")
    return " ".join("".join(parts).split()).strip(" ,;:-/")


def entity_tokens(token, exclude=frozenset()) -> list:
    """The tokens of the entity's name, in order: the token with its compounds, modifiers and of-phrases ('type 2
    diabetes mellitus', not 'mellitus'), without leading determiners and clause-starting children."""
    excluded = set(exclude)
    for child in token.children:
        kept = (child.dep_ == "prep" and is_complement(token, child)) or is_infinitive_complement(token, child)
        if child.dep_ in CLAUSE_DEPS and not kept:
            excluded.update(child.subtree)
        if is_adjective_phrase(token, child):
            excluded.update(child.subtree)
        # a hyphen or slash inside the name stays: 'myopathy/rhabdomyolysis', not 'myopathy rhabdomyolysis'
        if child.dep_ == "punct" and child.text in ("-", "/"):
            excluded.discard(child)
    excluded.update(nested_clauses(token))
    subtree = [*token.subtree, *shared_complement(token)]
    words = [t for t in subtree if t not in excluded and (t.dep_ != "punct" or t.text in ("-", "/", ","))]
    words = [t for t in words if not (t.dep_ == "det" and t.lower_ in DROP_WORDS and t.head == token)]
    while words and (words[0].lower_ in DROP_WORDS or words[0].dep_ == "case" or is_list_marker(words[0])):
        words = words[1:]
    if token.pos_ == "PROPN" and words:
        if name_run(words[0].doc[words[0].i - 1], reverse=True) if words[0].i > 0 else False:
            return []  # the tail of a name the parser split: the name's first part carries it
        words += name_run(token.doc[words[-1].i + 1]) if words[-1].i + 1 < len(token.doc) else []
    return words


def is_infinitive_complement(noun, child) -> bool:
    """'any obligation to pay money', 'the right to terminate': what the obligation or right is belongs to its name
    (a bare 'obligation' would turn 'does not excuse any obligation to pay money' into 'does not excuse obligations')."""
    infinitive = child.dep_ == "acl" and child.tag_ == "VB" and any(c.lower_ == "to" for c in child.children)
    return infinitive and noun.lemma_.lower() in INFINITIVE_NOUNS


def shared_complement(token) -> list:
    """'the bottom or wall of the cartridge': a bare conjunct shares the of-phrase the parser hung on the first."""
    if token.dep_ != "conj" or any(c.dep_ == "prep" for c in token.children):
        return []
    first = token
    while first.dep_ == "conj":
        first = first.head
    shared = [c for c in first.children if c.dep_ == "prep" and c.lower_ == "of" and c.i > token.i]
    return [t for prep in shared for t in prep.subtree]


def is_adjective_phrase(token, child) -> bool:
    """'the only distributor, subject to X', 'a company responsible for Y': an adjective after its noun with its own
    complement is a reduced relative clause, not part of the name."""
    return child.dep_ == "amod" and child.i > token.i and any(c.dep_ == "prep" for c in child.children)


def name_run(start, reverse: bool = False) -> list:
    """The rest of a capitalised name the parser split into sibling objects: 'contain FD&C Blue | No. 1 Aluminum
    Lake', 'mean BlackMP | Living Water'. Only words that hang on the name or on the same verb count."""
    doc, head, run, i = start.doc, None, [], start.i
    step = -1 if reverse else 1
    while 0 <= i < len(doc) and doc[i].sent == start.sent and is_name_word(doc[i]):
        run.append(doc[i])
        i += step
    if reverse:
        return [t for t in run if t.dep_ == "dobj"][:1]
    names = set(run)
    head = start.head if start.dep_ in ("compound", "nmod", "nummod") else None
    if not run or not all(t.head in names or t.dep_ in ("dobj", "npadvmod") for t in run) or head not in (*run, None):
        return []
    return run


def is_name_word(token) -> bool:
    """A word that can continue a proper name: capitalised, or the 'No. 1' of a colour or a statute."""
    if token.text == "." and token.i > 0 and token.doc[token.i - 1].text == "No":
        return True
    if token.pos_ in ("VERB", "AUX", "ADP", "CCONJ", "DET", "PRON") or token.dep_ == "punct":
        return False
    return token.text[:1].isupper() or (token.like_num and token.doc[token.i - 1].text in (".", "No."))


def nested_clauses(token) -> set:
    """Clauses and non-'of' phrases inside the entity's of-phrases: 'notice of the hearing upon the applicant' is
    the notice of the hearing, 'administration of VIAGRA in these patients' the administration of VIAGRA."""
    found = set()
    for prep in (c for c in token.children if c.dep_ == "prep" and is_complement(token, c)):
        for pobj in (c for c in prep.children if c.dep_ == "pobj"):
            for child in pobj.children:
                kept = (child.dep_ == "prep" and is_complement(pobj, child)) or defining_participle(child)
                if child.dep_ in NESTED_CLAUSE_DEPS and not kept:
                    found.update(child.subtree)
            found.update(nested_clauses(pobj))
    return found


def defining_participle(child) -> bool:
    """'concomitant use of drugs affecting hemostasis': a participle with its object, right after the of-phrase's noun,
    says which drugs (without it the phrase claims all drugs)."""
    return (
        child.dep_ == "acl"
        and child.tag_ == "VBG"
        and child.i == child.head.i + 1
        and any(c.dep_ == "dobj" for c in child.children)
    )


def is_complement(noun, prep) -> bool:
    """Whether a preposition belongs to the noun's name: any of-phrase, and 'in'/'to' after a noun of change."""
    return prep.lower_ == "of" or (
        prep.lower_ in COMPLEMENT_PREPOSITIONS and noun.lemma_.lower() in COMPLEMENT_NOUNS and noun.pos_ == "NOUN"
    )


def is_list_marker(token) -> bool:
    """'(d)', '(viii)', '2.', a section number opening the line ('4.1 Active liver disease'): not part of a name."""
    doc = token.doc
    if token.i == token.sent.start and SECTION_NUMBER.fullmatch(token.text):
        return True
    bracketed = 0 < token.i < len(doc) - 1 and doc[token.i - 1].text == "(" and doc[token.i + 1].text == ")"
    return bracketed and len(token.text) <= 4 and (token.text.isdigit() or token.text.isalpha() and token.is_lower)


def resolve_entity(token):
    """'patients with asthma' names asthma, 'a few cases of hepatotoxicity' hepatotoxicity: a population noun defers
    to its with-phrase, a case noun to its of-phrase."""
    lemma = token.lemma_.lower()
    wanted = "of" if lemma in CASE_NOUNS else "with" if lemma in POPULATION else None
    for prep in token.children if wanted else ():
        if prep.dep_ == "prep" and prep.lower_ == wanted:
            for pobj in prep.children:
                if pobj.dep_ == "pobj":
                    return pobj
    return token


def is_generic(token) -> bool:
    """Pronouns, study populations and time expressions: true facts about them teach nothing."""
    return (
        token.pos_ == "PRON"
        or token.lemma_.lower() in GENERIC
        or token.ent_type_ in TIME_ENTITIES
        or token.lemma_.lower() in TIME_NOUNS
    )


def named_population(token) -> bool:
    """A population the text singles out, as an object ('not be used in pregnant women', 'administered to women of
    childbearing age'); as a subject a population is the patient, never the fact's agent."""
    if token.lemma_.lower() not in POPULATION or token.pos_ == "PRON":
        return False
    return any(c.dep_ in ("amod", "compound") or (c.dep_ == "prep" and c.lower_ == "of") for c in token.children)


def conjuncts(token) -> list:
    """'X and Y cause Z' yields X and Y: coordination gives one fact per conjunct (verbs are not conjuncts)."""
    return [token, *(c for c in token.conjuncts if c.pos_ not in ("VERB", "AUX"))]
