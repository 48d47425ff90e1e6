"""Offline fact extraction: dependency-parse rules over spaCy's small English model.

Rules cover subject-verb-object, passives ('Y is caused by X'), prepositional and light-verb relations
('is contraindicated in', 'increases the risk of'), copular definitions and copular nouns ('X is a risk
factor for Y'), apposition, relative clauses, coordination, xcomp ('is used to treat') and the noun-phrase
patterns of case reports (kgraph.nominal). Negation and hedging are kept as attributes, never dropped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kgraph.checks import (
    HARD_CHECKS,
    MODAL_PREFIXES,
    argument_checks,
    clause_checks,
    complexity_checks,
    confidence,
    echo_checks,
    indefinite,
    listed_change,
    narrowing_line,
    others_checks,
    recital_checks,
    reference_checks,
    relation_checks,
    relational_checks,
    restricted_elsewhere,
    sentence_checks,
    subject_checks,
    tally_checks,
    value_checks,
)
from kgraph.entities import entity_key, find_abbreviations
from kgraph.nominal import ambiguous_member, nominal_facts
from kgraph.objects import NOUNISH, light_noun, modal_of, object_candidates, prep_objects
from kgraph.parse import PARSE_CHARS, load_nlp, parse_stream
from kgraph.polarity import (
    SUBJECT_DEPS,
    called_rare,
    governing_verb,
    in_rare_report,
    own_auxiliaries,
    polarity_source,
    verb_attributes,
)
from kgraph.records import Document, Evidence, Fact, Rejection, content_id
from kgraph.relations import CANONICAL, canonical_relation
from kgraph.spans import POPULATION, conjuncts, entity_tokens, is_generic, named_population, resolve_entity, span_text

PROHIBITED_USE = {"use", "give", "start", "prescribe", "administer", "combine", "take"}
RELATIVE = {"which", "that", "who", "whom"}
# Prepositions of time, manner and circumstance: 'within thirty days', 'after surgery' are not relations.
NON_RELATIONAL = {
    "after", "before", "until", "since", "within", "without", "despite", "except", "throughout", "like", "because",
    "due", "upon", "among",
}  # fmt: skip
# 'increased during treatment', 'reported during the early stages' set the time; only a ban reads as a relation:
# 'contraindicated during the third trimester', 'should not be started during an acute attack'.
TIME_PREPOSITIONS = {"during"}
EXTRACTOR = "spacy-rules"
# Nouns of complex prepositions that set the scene: 'in the presence of', 'in the case of', 'in the event of',
# 'in accordance with', 'in addition to', 'on behalf of'; and measures ('decreased by a mean of 70%').
CIRCUMSTANCES = {
    "presence", "absence", "case", "event", "course", "context", "light", "respect", "basis", "turn", "accordance",
    "addition", "connection", "compliance", "lieu", "behalf", "regard", "view", "spite", "mean", "median", "average",
    "judgment", "judgement", "opinion", "discretion",
}  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A relation found in the parse, before spans are named: tokens, surface phrase and attributes."""

    subject: object
    surface: str
    object: object
    negated: bool = False
    hedged: bool = False
    exclude: frozenset = frozenset()  # tokens left out of the object's span (the pattern's own words)
    checks: tuple = ()  # what the pattern itself doubts ('ambiguous_antecedent')
    reduced: bool = False  # from a reduced relative's own preposition ('products forfeited under the laws')
    single_subject: bool = False  # 'akathisia, or dystonia (including X)': the listed subject alone includes X


def subjects_of(verb) -> list:
    """The verb's subjects, through relative pronouns, reduced relatives, coordination, copulas and appositions."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    if verb.dep_ in ("relcl", "acl") and (not subjects or subjects[0].lower_ in RELATIVE):
        subjects = [antecedent(verb.head)] if verb.dep_ == "relcl" or verb.tag_ == "VBN" else []
    if not subjects and verb.dep_ == "conj":
        governor = governing_verb(verb)
        # 'If anaphylaxis occurs, ... and administer therapy': a bare verb does not share a tensed verb's subject
        imperative = governor is not None and verb.tag_ == "VB" and not own_auxiliaries(verb)
        shared = governor is not None and not (imperative and governor.tag_ in ("VBZ", "VBD"))
        subjects = subjects_of(governor) if shared else []
    lifted = []
    for subject in subjects:
        # 'Salbutamol is an agonist that relieves bronchospasm': the relieving is Salbutamol's.
        if subject.dep_ == "attr" and subject.head.lemma_ == "be":
            subject = next((c for c in subject.head.children if c.dep_ in SUBJECT_DEPS), subject)
        if subject.dep_ == "appos":
            subject = subject.head
        lifted.append(subject)
    return lifted


def antecedent(noun):
    """What a relative clause describes: the noun it hangs on, or the whole phrase when that noun is one of a list
    inside an of-phrase ('swelling of the face, lips and throat that may cause...' is about the swelling)."""
    if noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.conjuncts and noun.head.head.pos_ in NOUNISH:
        return noun.head.head
    return noun


def is_passive(verb) -> bool:
    """A passive participle, also one coordinated with a passive that shares its auxiliary ('will be allocated and
    dispersed to')."""
    if any(c.dep_ == "auxpass" for c in verb.children) or is_reduced_relative(verb) or paired_participles(verb):
        return True
    governor = governing_verb(verb) if verb.dep_ == "conj" and verb.tag_ == "VBN" else None
    return governor is not None and not own_auxiliaries(verb) and is_passive(governor)


def paired_participles(verb) -> bool:
    """'tubes transferred or removed from a factory', 'materials omitted and filed with the SEC': a past form with
    neither auxiliary nor object, coordinated with a participle that has neither, is a participle too (the tagger
    read the first as a past tense)."""

    def bare(v) -> bool:
        return v.tag_ in ("VBD", "VBN") and not any(c.dep_ in ("aux", "auxpass", "dobj") for c in v.children)

    pair = [c for c in verb.children if c.dep_ == "conj" and c.tag_ == "VBN"]
    pair += [verb.head] if verb.dep_ == "conj" and verb.tag_ == "VBN" else []
    return bare(verb) and any(bare(other) for other in pair)


def lemma_phrase(verb) -> str:
    """'be contraindicated' for a passive (its participle reads right), 'reduce' for an active verb."""
    passive = is_passive(verb)
    return f"be {verb.lower_}" if passive else verb.lemma_.lower()


def is_reduced_relative(verb) -> bool:
    """A participle hung on a noun: 'products forfeited under the laws', also where the parser made the participle
    the sentence's root ('All tubes forfeited under the laws shall be sold', a participle with no auxiliary)."""
    bare_root = verb.dep_ == "ROOT" and not any(c.dep_ in ("aux", "auxpass") for c in verb.children)
    return verb.tag_ == "VBN" and (verb.dep_ == "acl" or bare_root)


def stacked(prep) -> bool:
    """'were directed against the antibody component of brentuximab vedotin in all patients with positive antibodies':
    a phrase the parse hangs on the verb right after a noun nested in another noun's phrase ('in all patients' after
    'of brentuximab vedotin', 'with ...' after 'in all patients' hung on 'component') is no argument of the verb. After
    a phrase of the verb's own ('transferred by the Director to any State agency') both readings hold: the verb keeps
    it."""
    before = prep.doc[prep.i - 1] if prep.i > 0 else prep
    party_to = before.lemma_.lower() == "party" and prep.lower_ == "to"  # 'signed by all parties to this Agreement'
    return before.dep_ == "pobj" and (before.head.head.i != prep.head.i or party_to)


def prep_candidates(verb, subject, phrase: str, prohibited: bool) -> Iterator[tuple]:
    """Relations carried by a preposition: 'is contraindicated in Y', 'is liable for Y', 'is caused by X'."""
    passive = any(c.dep_ == "auxpass" for c in verb.children) or (verb.dep_ == "acl" and verb.tag_ == "VBN")
    preps = [(c, phrase) for c in verb.children if c.dep_ in ("prep", "agent")]
    preps += [(p, f"be {a.lower_}") for a in verb.children if a.dep_ == "acomp" for p in a.children]
    for prep, base in preps:
        if prep.dep_ not in ("prep", "agent") or prep.lower_ in NON_RELATIONAL or stacked(prep):
            continue
        if prep.lower_ in TIME_PREPOSITIONS and not (prohibited or verb.lemma_.lower() == "contraindicate"):
            continue
        for obj in prep_objects(prep):
            if obj.lemma_.lower() in CIRCUMSTANCES:
                continue
            if prep.dep_ == "agent" or (passive and prep.lower_ == "by"):
                yield obj, modal_of(phrase, verb.lemma_.lower()), subject  # 'Y is caused by X': X causes Y
                continue
            if prep.lower_ == "including":  # 'reactions have been reported, including rash': reactions include rash
                yield subject, "include", obj
                continue
            light = light_noun(obj)
            if light:
                noun, inner, objects = light
                yield from ((subject, f"{base} {prep.lower_} {noun} {inner}", o) for o in objects)
            elif prohibited:
                yield subject, f"should not {base} {prep.lower_}", obj
            else:
                yield subject, f"{base} {prep.lower_}", obj


def predicate_candidates(verb, domain: str) -> Iterator[Candidate]:
    """Every relation rooted at one verb, with its negation and hedging."""
    subjects = subjects_of(verb)
    if not subjects or any(c.dep_ == "expl" for c in verb.children):  # 'there was an increase in...'
        return
    negated, hedged, modal = verb_attributes(verb, domain)
    # 'X should not be used in Y' states a contraindication, not a negated use.
    prohibited = (
        negated
        and domain != "legal"
        and verb.lemma_.lower() in PROHIBITED_USE
        and any(c.lower_ in ("should", "must") for c in polarity_source(verb).children)
    )
    phrase = f"{modal} {lemma_phrase(verb)}" if modal and not prohibited else lemma_phrase(verb)
    doubts = (
        *clause_checks(verb),
        *narrowing_line(verb),
        *listed_change(verb),
        *(("ambiguous_antecedent",) if ambiguous_antecedent(verb) else ()),
    )
    reduced = is_reduced_relative(verb)
    for subject in subjects:
        # 'Ocular: diplopia, ... increased intraocular pressure': a heading, then a list the parser read as a clause
        headed = ("enumeration",) if any(t.text == ":" for t in verb.doc[subject.left_edge.i : verb.i]) else ()
        found = list(object_candidates(verb, subject, phrase))
        has_objects = bool(found)
        for source, surface, target in prep_candidates(verb, subject, phrase, prohibited):
            inverted = source is not subject
            if inverted or not has_objects:
                found.append((source, surface, target))
        scenes = [p for p in verb.children if p.dep_ == "prep" and sets_the_scene(verb, p, subject)]
        arguments = [t for _, _, t in found if t.lemma_.lower() not in POPULATION]
        for source, surface, target in found:
            flip = prohibited and surface.startswith("should not")
            listed = ("enumeration",) if surface == "be" and enumerated(source, target) else ()
            # 'led to discontinuation in patients with HL': beside another argument, a population is where it happened
            aside = source is subject and target.lemma_.lower() in POPULATION and bool(arguments)
            framed = ("circumstance",) if source is subject and in_scene(target, scenes) or aside else ()
            own = reduced and source is subject  # a reduced relative's own circumstance, not a 'by' inversion
            negation = (negated or denied(source) or denied(target)) and not flip
            checks = doubts + listed + framed + headed
            yield Candidate(source, surface, target, negation, hedged, checks=checks, reduced=own)


def in_condition(noun) -> bool:
    """Whether the noun lies in a clause headed by 'if', 'when' or a like condition."""
    return any(clause_checks(a) == ["subordinate_clause"] for a in noun.ancestors if a.pos_ in ("VERB", "AUX"))


def sets_the_scene(verb, prep, subject) -> bool:
    """A phrase before the subject ('As an alternative, the mark may consist of...') or on a verb that hands its
    action to an infinitive ('With renal impairment the interval may need to be lengthened') frames the clause;
    it is no argument of the verb."""
    fronted = prep.i < subject.i < verb.i
    return fronted or any(c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX") for c in verb.children)


def in_scene(target, scenes: list) -> bool:
    """Whether an object lies in a scene-setting phrase; 'In patients with asthma, X is recommended' still names
    the population X is for."""
    return target.lemma_.lower() not in POPULATION and any(target in prep.subtree for prep in scenes)


def denied(noun) -> bool:
    """'No cases were reported', 'revealed no evidence of X': the argument's 'no' denies the fact; so does a
    'neither' before the first of its conjuncts ('Neither X nor Y causes Z', 'causes neither Y nor Z')."""
    first = noun
    while first.dep_ == "conj" and first.head != first:
        first = first.head
    own = any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in noun.children)
    return own or any(c.dep_ in ("det", "preconj") and c.lower_ == "neither" for c in first.children)


def ambiguous_antecedent(verb) -> bool:
    """', which causes...' after an object may refer to the whole clause ('blood flows into the penis, which causes
    an erection'), not to the noun it hangs on; a clause after a participle's object to any noun before it; a modal
    conjunct's subject may be another clause's."""
    if verb.dep_ == "conj":
        return modal_beside_clause(verb)
    if verb.dep_ != "relcl" or verb.head.dep_ not in ("pobj", "dobj"):
        return False
    # 'adverse reactions in patients treated with LIPITOR that led to discontinuation': after the object of a
    # participle the clause may be about any noun before it
    if verb.head.dep_ == "pobj" and verb.head.head.head.dep_ == "acl":
        return True
    pronoun = next((c for c in verb.children if c.dep_ in SUBJECT_DEPS and c.lower_ == "which"), None)
    return pronoun is not None and pronoun.i > 0 and pronoun.doc[pronoun.i - 1].text == ","


def modal_beside_clause(verb) -> bool:
    """'Consultant shall only disclose that Confidential Information required to be disclosed and shall maintain its
    confidentiality': a modal conjunct hung on a subordinate clause's plain verb more likely continues the modal clause
    above it, whose subject is another."""
    governor = governing_verb(verb)
    own = any(c.tag_ == "MD" for c in verb.children) and not any(c.dep_ in SUBJECT_DEPS for c in verb.children)
    plain = governor is not None and not any(c.tag_ == "MD" for c in governor.children)
    return own and plain and governor.dep_ in ("ccomp", "advcl", "relcl", "acl")


def apposition_candidates(sent) -> Iterator[Candidate]:
    """'Allopurinol, a xanthine oxidase inhibitor, ...': allopurinol is a xanthine oxidase inhibitor; never the
    items of a list ('cyclosporine and inhibitors (e.g., clarithromycin, ...)', 'side effects: diarrhea, ...')."""
    for token in sent:
        if token.dep_ == "appos" and token.pos_ in ("NOUN", "PROPN") and token.head.pos_ in ("NOUN", "PROPN"):
            bracketed = token.i > 0 and token.doc[token.i - 1].text == "("
            listed = token.conjuncts or token.head.conjuncts or enumerated(token.head, token, ("(", ";"))
            titled = token.pos_ == "PROPN" and not any(c.dep_ == "det" for c in token.children)
            # 'elderly patients on high dose therapy, especially females' singles out members, defines nothing
            singled = any(c.dep_ == "advmod" for c in token.children)
            # 'eliminated by the kidney, accumulation of the drug can occur': a clause's subject, misread as apposition
            end = token.right_edge.i + 1
            subject = end < len(token.doc) and token.doc[end].pos_ in ("VERB", "AUX")
            # 'a plasma half-life': an apposition needs its comma or dash, else it is a misread compound
            unmarked = token.left_edge.i == 0 or token.doc[token.left_edge.i - 1].text not in (",", "-", "–", "—")
            # 'in the case of a partnership, a partner': two indefinite nouns in a row are alternatives, not one thing
            parallel = indefinite(token) and indefinite(token.head)
            if (
                not (bracketed or listed or titled or singled or subject or unmarked or parallel)
                and not token.text.isupper()
            ):
                # 'the natural purine base, hypoxanthine': the bare name is the instance, the described noun its class
                named = not has_determiner(token) and has_determiner(token.head)
                doubts = ("ambiguous_antecedent",) if after_nested_noun(token) else ()
                # 'If injury occurs during treatment with LIPITOR, promptly interrupt therapy': the main clause read
                # as an apposition to the condition's last noun
                doubts += ("subordinate_clause",) if in_condition(token.head) else ()
                source, target = (token, token.head) if named else (token.head, token)
                yield Candidate(source, "be", target, checks=doubts)


def after_nested_noun(appos) -> bool:
    """'the enzyme responsible for the conversion of xanthine to uric acid, the end product of purine metabolism':
    the comma follows a noun nested in the head's phrases, which the apposition may describe instead."""
    before = appos.doc[appos.left_edge.i - 2] if appos.left_edge.i >= 2 else None
    return before is not None and before.pos_ in ("NOUN", "PROPN", "NUM") and appos.head in before.ancestors


def has_determiner(noun) -> bool:
    return any(c.dep_ in ("det", "poss") for c in noun.children)


def enumerated(first, second, separators=()) -> bool:
    """Whether a colon or 'e.g.' stands between two tokens: the second is an item of a list, not a definition."""
    start, end = sorted((first.i, second.i))
    return any(t.text in (":", "e.g.", "i.e.", "e.g", "i.e", *separators) for t in first.doc[start:end])


def sentence_candidates(sent, domain: str) -> Iterator[Candidate]:
    for verb in sent:
        # a participle tagged as adjective still has its passive: 'X is closely related to Y'
        participle = verb.pos_ == "ADJ" and any(c.dep_ == "auxpass" for c in verb.children)
        if (
            verb.pos_ == "VERB"
            or participle
            or (verb.pos_ == "AUX" and verb.dep_ in ("ROOT", "conj", "relcl", "ccomp"))
        ):
            yield from predicate_candidates(verb, domain)
    yield from apposition_candidates(sent)
    for subject, surface, obj, exclude in nominal_facts(sent):
        hedged = any(called_rare(t) or in_rare_report(t) for t in (subject, obj)) or clause_hedged(obj, domain)
        member = surface == "include"
        doubts = ("ambiguous_antecedent",) if member and ambiguous_member(subject) else ()
        yield Candidate(subject, surface, obj, hedged=hedged, exclude=exclude, checks=doubts, single_subject=member)


def clause_hedged(noun, domain: str) -> bool:
    """Whether the clause a noun-phrase fact sits in is hedged: 'a syndrome may develop in patients treated with X'."""
    if noun.dep_ not in (*SUBJECT_DEPS, "dobj") or noun.head.pos_ not in ("VERB", "AUX"):
        return False
    return verb_attributes(noun.head, domain)[1]


def extract_sentence_facts(sent, doc: Document, evidence: Evidence, abbreviations: dict[str, str]) -> list[Fact]:
    """All facts of one parsed sentence, each with its checks and confidence; plainly garbage ones are dropped."""
    facts = []
    doubts = sentence_checks(sent) + complexity_checks(sent) + recital_checks(sent)
    for found in sentence_candidates(sent, doc.domain):
        relation = canonical_relation(found.surface, doc.domain)
        relation_doubts = relation_checks(found.surface, relation, CANONICAL, found.reduced, doc.domain)
        ruled = relation in CANONICAL or relation.startswith(MODAL_PREFIXES)  # 'contraindicated in pregnant women'
        # A population noun as object names its condition ('contraindicated in patients with asthma'); as subject it
        # is the patient ('a woman with diabetes developed hepatitis' says nothing about diabetes).
        for subject_token in [found.subject] if found.single_subject else conjuncts(found.subject):
            for object_token in conjuncts(resolve_entity(found.object)):
                if is_generic(subject_token) or (
                    is_generic(object_token) and not (ruled and named_population(object_token))
                ):
                    continue
                subject, subject_doubts = argument(subject_token, frozenset(), doc.domain, abbreviations, object_token)
                subject_doubts += subject_checks(subject_token)
                obj, object_checks = argument(object_token, found.exclude, doc.domain, abbreviations, subject_token)
                object_checks += reference_checks(obj) + value_checks(relation, subject_token, object_token, obj)
                object_checks += relational_checks(object_token) + echo_checks(subject, obj)
                object_checks += tally_checks(relation, subject, obj)
                object_checks += others_checks(object_token) if found.negated else []
                object_checks += subject_checks(object_token) if object_token.dep_ in SUBJECT_DEPS else []
                checks = [*doubts, *relation_doubts, *found.checks, *subject_doubts, *object_checks] + (
                    ["hedged"] if found.hedged else []
                )
                if not subject or not obj or subject.lower() == obj.lower() or HARD_CHECKS & set(checks):
                    continue
                facts.append(make_fact(subject, relation, obj, found, evidence, doc, checks))
    return facts


def argument(token, exclude: frozenset, domain: str, abbreviations: dict[str, str], other) -> tuple[str, list[str]]:
    """An argument's text (an abbreviation the document defines is written out) and its failed checks, with the
    fact's other argument (a relative clause the span leaves out narrows it unless the fact is read from it)."""
    tokens = entity_tokens(token, exclude)
    text = span_text(tokens)
    narrowed = ["truncated_span"] if restricted_elsewhere(tokens or [token], other) else []
    return abbreviations.get(text, text), argument_checks(token, text, tokens, domain) + narrowed


def make_fact(
    subject: str, relation: str, obj: str, found: Candidate, evidence: Evidence, doc: Document, checks: list[str]
) -> Fact:
    return Fact(
        id=Fact.make_id(subject, relation, obj, found.negated),
        subject=subject,
        relation=relation,
        object=obj,
        evidence=[evidence],
        negated=found.negated,
        hedged=found.hedged,
        surface_relation=found.surface,
        domain=doc.domain,
        extractor=EXTRACTOR,
        confidence=confidence(checks),
        checks=sorted(set(checks)),
    )


def extract_facts(doc: Document, nlp=None) -> list[Fact]:
    """Facts of one document, deduplicated by id within it."""
    nlp = nlp or load_nlp()
    return facts_from_parsed(doc, nlp(doc.text))


def is_heading(sent) -> bool:
    return sent.text.lstrip().startswith("#") or bool(sentence_checks(sent))


def paragraph_break(text: str, first, second) -> bool:
    """Whether a blank line separates two sentences."""
    end = first.start_char + len(first.text.rstrip())
    start = second.start_char + len(second.text) - len(second.text.lstrip())
    return text.count("\n", end, start) >= 2


def evidence_of(doc: Document, sents: list, index: int) -> Evidence:
    """The sentence with its neighbours in the same paragraph (empty across a blank line or next to a heading)."""
    sent = sents[index]

    def neighbour(other: int) -> str:
        if not 0 <= other < len(sents) or is_heading(sents[other]):
            return ""
        first, second = sorted((sents[index], sents[other]), key=lambda s: s.start)
        return "" if paragraph_break(doc.text, first, second) else sents[other].text.strip()

    return Evidence(
        doc_id=doc.id,
        sentence=sent.text.strip(),
        start=sent.start_char,
        end=sent.end_char,
        before=neighbour(index - 1),
        after=neighbour(index + 1),
        title=doc.title,
    )


def facts_from_parsed(doc: Document, parsed) -> list[Fact]:
    """Facts of a parsed document; markdown headings are titles, not statements. Abbreviations the document
    defines are written out in its own facts only (other documents need WS/aliases.tsv)."""
    seen: dict[str, Fact] = {}
    abbreviations = find_abbreviations(doc.text)
    sents = [s for s in parsed.sents if s.text.strip()]
    for index, sent in enumerate(sents):
        if sent.text.lstrip().startswith("#"):
            continue
        for fact in extract_sentence_facts(sent, doc, evidence_of(doc, sents, index), abbreviations):
            seen.setdefault(fact.id, fact)
    return list(seen.values())


def reread_confidence(fact: Fact, parsed) -> float | None:
    """The confidence today's rules give a fact read again from its parsed evidence sentence, or None where they no
    longer find it: a fact extracted by older rules is held to the current ones."""
    doc = Document(id=content_id(parsed.text), path="evidence", text=parsed.text, domain=fact.domain)
    found = [f.confidence for f in facts_from_parsed(doc, parsed) if same_fact(f, fact)]
    return max(found, default=None)


def same_fact(read: Fact, stored: Fact) -> bool:
    """The same fact, where an abbreviation the sentence uses ('MMAE') may stand for the stored name, which its
    document defined elsewhere ('monomethyl auristatin E')."""

    def same(name: str, stored_name: str) -> bool:
        return entity_key(name) == entity_key(stored_name) or (name.isupper() and " " not in name)

    polarity = (read.relation, read.negated) == (stored.relation, stored.negated)
    return polarity and same(read.subject, stored.subject) and same(read.object, stored.object)


def extract_corpus(documents: Iterable[Document], nlp=None, parse_chars: int = PARSE_CHARS) -> list[Fact]:
    """Facts of many documents, parsed in batches of at most about `parse_chars` characters (kgraph.parse)."""
    nlp = nlp or load_nlp()
    english = (d for d in documents if d.lang == "en")
    return [fact for doc, parsed in parse_stream(nlp, english, parse_chars) for fact in facts_from_parsed(doc, parsed)]


def unreadable_documents(documents: list[Document], facts: list[Fact]) -> list[Rejection]:
    """Documents the English rules cannot read and no other extractor covered: reported, never silently lost."""
    covered = {e.doc_id for f in facts for e in f.evidence}
    return [
        Rejection(item_id=d.id, stage="extract", reason="unsupported_language", detail=f"{d.lang}: {d.path}")
        for d in documents
        if d.lang != "en" and d.id not in covered
    ]
