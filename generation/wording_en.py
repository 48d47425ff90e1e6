"""English wordings for the offline generator. Questions are built from the relation with real morphology
(lemminflect); answers are the evidence itself (generation/passage.py), so they are grammatical and true as written.
Closed-book wording never points at a source: the model trained on it will not have one."""

from __future__ import annotations

import re

from generation.aspects import ASPECT_QUESTIONS
from generation.context import asked_in_setting, in_context
from generation.names import PREPOSITIONS, noun_lemma
from generation.passage import distinct, fact_text, joined
from generation.plan import stable
from generation.prompts import JobContext
from generation.syntax import sentence_of
from generation.verbalise import (
    MODALS,
    inflect,
    inverted,
    lemma_phrase,
    looks_plural,
    lower_first,
    sentence_case,
)
from kgraph.records import Fact, normalise
from kgraph.relations import CANONICAL

# Persona frames, each only where it fits the question; most questions are asked plainly.
FRAMES = {
    ("patient", "indication"): "I've been prescribed {s}. {Q}",
    ("patient", "adverse_effect"): "I've just started taking {s}. {Q}",
    ("patient", "dosage"): "I've been prescribed {s}. {Q}",
    ("student", "*"): "I'm revising for an exam. {Q}",
    ("client", "obligation"): "I'm reading my contract. {Q}",
    ("client", "right"): "I'm reading my contract. {Q}",
    ("learner", "*"): "I'm new to this. {Q}",
}
SIMPLE = {"patient", "client", "learner"}  # personas who may ask for plain words
DOCTOR = {"indication", "contraindication", "adverse_effect", "dosage", "aspect"}  # where a patient is pointed on
FOLLOW_UPS = ["{Q}", "And {q}", "What about {shared}? {Q}", "I see. {Q}"]
MULTIHOP = ["How is {a} connected to {z}?", "What links {a} and {z}?", "How does {a} relate to {z}?"]
VIGNETTE = {"clinical_vignette": 'A patient asks me: "{Q}" What should I tell them?', "scenario": 'A client asks: "{Q}" What is the answer?'}  # fmt: skip
LETTERS = "ABCD"


def pick(options: list[str], *keys: object) -> str:
    return options[stable(*keys) % len(options)]


def clean(text: str) -> str:
    return re.sub(r"\s+([?.,:])", r"\1", re.sub(r"\s+", " ", text)).strip()


def name(text: str, fact: Fact, kind: str = "") -> str:
    """An entity inside a sentence: a capital that only marked the start of the source sentence is dropped (not from a
    multiword name such as 'Treasury Department Circular'), the article or 'your' the evidence gives a common noun is
    kept ('the incidence of ischemic stroke', 'your baby'), and a bare singular legal noun gets one ('the supplier'),
    unless the evidence uses it bare after a preposition ('offered for sale')."""
    words = text.split()
    if not words:
        return text
    defined = len(words) == 1 and words[0][:1].isupper()  # a contract's defined term ('Grantor', 'Client')
    # 'Treasury Department', 'Federal Register' are names; 'Clinical manifestations of NMS' is not.
    titled = len(words) > 1 and words[1][:1].isupper() and words[1][1:].islower()
    # 'Hodgkin lymphoma' keeps the capital it has inside the sentence (a contract's 'Agreement' is a defined term)
    inside = fact.domain != "legal" and re.search(rf"[^\s(\[•*-]\s+{re.escape(text)}", sentence_of(fact))
    if words[0][1:].islower() and not titled and not words[0].endswith("'s") and fact.domain in DOMAINS and not inside:
        text = text[:1].lower() + text[1:]
    if text.split()[0].lower() in ARTICLES:
        return text
    before = preceding_word(text, sentence_of(fact))
    # 'the Federal Register', not 'the LIPITOR'; a leaflet's 'your baby' stays 'your baby', never a bare 'baby'
    if before in ("the", "your") and (text[:1].islower() or len(words) > 1):
        return f"{before} {text}"
    # 'the Federal Register' keeps its capitals bare; 'ATF officer' is a common noun after its acronym
    acronym_led = len(words) > 1 and words[0].isupper() and words[-1].islower()
    if not text[:1].islower() and not acronym_led:
        return text
    # 'offered for sale', 'exclude transport, insurance and VAT' stay bare as the source has them; not 'paid to
    # grantor', nor a noun opening the sentence
    listed = kind == "entity" and before != "" and before not in ARTICLES | {"your", "a", "an"}
    bare = (before in PREPOSITIONS or listed) and kind != "party" and not defined
    if fact.domain == "legal" and kind in ("party", "entity") and not bare:
        text = text if looks_plural(text, sentence_of(fact)) else f"the {text}"
    return text


def preceding_word(text: str, sentence: str) -> str:
    """The word before the phrase's first occurrence in the sentence, lower-cased ('' at the start or when absent)."""
    found = re.search(rf"\b{re.escape(text)}\b", sentence, flags=re.IGNORECASE)
    before = re.findall(r"\w+", sentence[: found.start()]) if found else []
    return before[-1].lower() if before else ""


DOMAINS = ("medical", "legal")
ARTICLES = {"the", "a", "an", "any", "either", "each", "every", "neither", "no", "all", "this", "that", "its", "their"}


def subject_of(fact: Fact) -> str:
    """The subject as a question names it, with the 'a' its sentence gives it: 'Can a history of renal impairment
    ...?' (an object keeps it bare after a preposition: 'contraindicated in known hypersensitivity')."""
    return indefinite(name(fact.subject, fact, fact.subject_type), sentence_of(fact))


def indefinite(entity: str, sentence: str) -> str:
    before = preceding_word(entity, sentence)
    return f"{before} {entity}" if before in ("a", "an") else entity  # 'an ACE inhibitor' too


# 'in patients with decreased renal function': the population a condition was named through
POPULATION_BEFORE = (
    r"\b((?:(?:adult|pediatric|paediatric|elderly|older|younger|pregnant) )?"
    r"(?:patients|people|adults|children|women|men|individuals|subjects)) (?:with|who have) (?:[\w -]*?\b(?:or|and) )?"
)


def object_of(fact: Fact) -> str:
    """The object as a question names it; a verb's direct object keeps the 'a' of its sentence ('remove an incorrect
    allergy label'), an object after a preposition stays bare ('contraindicated in known hypersensitivity'). After a
    relation read off the verb, a condition keeps the patients it was named through ('be increased in patients with
    decreased renal function', not 'in decreased renal function')."""
    named = name(fact.object, fact, fact.object_type)
    last = lemma_phrase(fact).split()[-1:] or [""]
    if last[0] in ("in", "among") and fact.relation not in CANONICAL:
        found = re.search(POPULATION_BEFORE + re.escape(fact.object), sentence_of(fact), re.IGNORECASE)
        return f"{found.group(1).lower()} with {named}" if found else named
    return named if last[0] in PREPOSITIONS else indefinite(named, sentence_of(fact))


def ask_parts(fact: Fact, subject: str) -> tuple[str, str]:
    """Auxiliary and predicate for a question; a hedged fact is asked with 'can' ('What can statins cause?')."""
    head = lemma_phrase(fact).split()[0]
    if fact.hedged and head not in MODALS:
        return "can", lemma_phrase(fact)
    return inverted(fact, subject)


def what_question(fact: Fact, form: str = "what") -> str:
    """An open question whose whole answer is this fact: 'What is metformin contraindicated in?', 'What causes
    lactic acidosis?', or, when neither side is unique, 'What is the link between X and Y?'."""
    s, o = subject_of(fact), object_of(fact)
    if form == "who_what":
        words = lemma_phrase(fact).split()
        head, rest = words[0], " ".join(words[1:])
        modal = "must" if head == "shall" else head
        verb = modal if head in MODALS else ("can " + head if fact.hedged else inflect(head, False))
        wh = "Who" if fact.subject_type == "party" else "What"
        return clean(f"{wh} {verb} {rest} {o}?")
    if form != "what":
        return f"What is the link between {s} and {o}?"
    aux, rest = ask_parts(fact, s)
    # 'be initiated in a State Court' asks where, not who: a party after a place's preposition is a place
    located = rest.split()[-1:] in (["in"], ["at"], ["on"], ["into"], ["within"])
    wh = "Who" if fact.object_type == "party" and not located else "What"
    return clean(f"{wh} {aux} {s} {rest}?")


def predicate_noun(fact: Fact, subject: str) -> str:
    """The object of 'X is a Y' agreeing with the subject: 'Is empagliflozin an SGLT2 inhibitor?'."""
    obj = object_of(fact)
    words = obj.split()
    if (
        looks_plural(subject, sentence_of(fact))
        or words[0].lower() in ARTICLES
        or " and " in obj
        or re.search(r"(?<!\w)\d", obj)
    ):
        return obj
    if looks_plural(obj, sentence_of(fact)):
        from lemminflect import getInflection

        words[-1] = (getInflection(noun_lemma(words[-1]), tag="NN") or [words[-1]])[0]
    else:
        said = source_article(obj, sentence_of(fact))
        if said is not None:  # as the source says it: 'is an SGLT2 inhibitor', 'is talazoparib'
            return f"{article(words[0])} {obj}" if said else obj
        if not words[0][:1].islower():  # a name: 'Is warfarin Coumadin?'
            return obj
    return f"{article(words[0])} {' '.join(words)}"


def source_article(obj: str, sentence: str) -> bool | None:
    """Whether the source puts 'a'/'an' before the object after a copula (True), says it bare ('The active substance
    is talazoparib': False), or neither (None)."""
    found = re.search(rf"\b(?:is|are|was|were|be)\s+(an?\s+)?{re.escape(obj)}\b", sentence, re.IGNORECASE)
    return None if found is None else bool(found.group(1))


def article(word: str) -> str:
    """'a' or 'an' by sound: an acronym is read letter by letter ('an SGLT2 inhibitor', 'a TSH test')."""
    spelled = word[:2].isupper()
    return "an" if word[:1].upper() in ("AEFHILMNORSX" if spelled else "AEIOU") else "a"


def yes_no_question(fact: Fact, subject: str = "", obj: str = "", both: str = "") -> str:
    """'Does amoxicillin treat viral infections?', asked in the positive whatever the fact says."""
    s = subject or subject_of(fact)
    o = obj or (predicate_noun(fact, s) if fact.relation == "is_a" else object_of(fact))
    aux, rest = ask_parts(fact, s)
    return sentence_case(clean(f"{aux} {s} {both} {rest} {o}?"))


def verdict(fact: Fact, plural: bool) -> str:
    """The opening word of a yes/no answer, true to the fact's negation and hedging."""
    if fact.negated:
        return "No."
    head = lemma_phrase(fact).split()[0]
    if fact.hedged and head not in MODALS:
        return f"Yes, {'they' if plural else 'it'} can."
    return "Yes."


def specific_question(fact: Fact, qtype: str, form: str) -> str:
    if qtype == "dosage":
        return f"What dose of {subject_of(fact)} is recommended?"
    if qtype == "indication" and form == "what" and fact.subject_type == "drug":
        return f"What {inflect('be', looks_plural(fact.subject, sentence_of(fact)))} {subject_of(fact)} used for?"
    return what_question(fact, form)


def core_question(facts: list[Fact], qtype: str, options: list[str], key: object, form: str) -> str:
    fact = facts[0]
    if qtype == "yes_no":
        return in_context(yes_no_question(fact), fact)
    if qtype in VIGNETTE:
        return VIGNETTE[qtype].format(Q=in_context(yes_no_question(fact), fact))
    if qtype == "multiple_choice":
        listed = "\n".join(f"{LETTERS[i]}) {opt}" for i, opt in enumerate(mc_options(fact, options, key)))
        aux, rest = ask_parts(fact, subject_of(fact))
        return in_context(clean(f"Which of these {aux} {subject_of(fact)} {rest}?"), fact) + "\n" + listed
    if qtype == "comparison" and len(facts) > 1:
        other = facts[1]
        if normalise(other.subject) == normalise(fact.subject):
            return in_context(yes_no_question(fact, obj=f"both {object_of(fact)} and {object_of(other)}"), fact)
        pair = f"{subject_of(fact)} and {subject_of(other)}"
        return in_context(yes_no_question(fact, subject=pair, both="both"), fact)
    return in_context(specific_question(fact, qtype, form), fact)


def mc_options(fact: Fact, options: list[str], key: object) -> list[str]:
    """The right object among the distractors, at a stable position."""
    return sorted([fact.object, *options[:3]], key=lambda o: stable(key, o))


def aspect_question(entity: str, aspect: str, fact: Fact) -> str:
    template = ASPECT_QUESTIONS[aspect]
    kind = fact.subject_type if normalise(entity) == normalise(fact.subject) else fact.object_type
    # 'How is diagnosis of type 2 diabetes diagnosed?', 'How is the control of tics treated?': the aspect is already in
    # the question.
    entity = re.sub(
        r"^(the )?(diagnosis|treatment|management|control|symptoms?|causes?|risk) of ", "", entity, flags=re.I
    )
    if looks_plural(entity, sentence_of(fact)):
        template = template.replace("is {e}", "are {e}").replace("does {e}", "do {e}")
    return template.format(e=indefinite(name(entity, fact, kind), sentence_of(fact)))


def framed(question: str, fact: Fact, qtype: str, persona: str, difficulty: str, key: object) -> str:
    """A persona frame on a third of the questions it fits, and a request for plain words from a lay persona."""
    frame = FRAMES.get((persona, qtype)) or FRAMES.get((persona, "*"))
    if frame and qtype not in VIGNETTE and "\n" not in question and stable(key, "frame") % 3 == 0:
        question = frame.format(Q=question, s=subject_of(fact))
    if persona in SIMPLE and difficulty == "basic" and "\n" not in question and stable(key, "ask") % 2 == 0:
        question += " Please keep it simple."
    return question


def question(ctx: JobContext, facts: list[Fact], key: object) -> str:
    qtype, persona, level = ctx.question_type, ctx.persona, ctx.difficulty
    if qtype == "aspect":
        q = aspect_question(ctx.entity, ctx.aspect, facts[0])
        q = in_context(q, facts[0]) if asked_in_setting(facts[0], ctx.aspect) else q
    else:
        q = core_question(facts, qtype, ctx.options, key, (ctx.forms or ["what"])[0])
    return framed(q, facts[0], qtype, persona, level, key)


def answered_facts(qtype: str, facts: list[Fact]) -> list[Fact]:
    """The facts an answer states: all of them for an aspect or a comparison, else the seed."""
    return facts if qtype == "aspect" or (qtype == "comparison" and len(facts) > 1) else facts[:1]


def question_verdict(qtype: str, facts: list[Fact]) -> str:
    """'Yes.', 'No.' or 'Yes, they can.' for a question answered yes or no; a comparison's subjects are plural."""
    fact = facts[0]
    plural = looks_plural(fact.subject, sentence_of(fact)) or (
        qtype == "comparison" and fact.object == facts[-1].object
    )
    return verdict(fact, plural)


def letter_of(fact: Fact, options: list[str], key: object) -> str:
    return LETTERS[mc_options(fact, options, key).index(fact.object)]


def answer(ctx: JobContext, facts: list[Fact], key: object) -> str:
    """The evidence, standing alone; a verdict or the right letter in front where the question asks for one."""
    fact, qtype = facts[0], ctx.question_type
    body = joined([fact_text(f) for f in answered_facts(qtype, facts)])
    if qtype in ("yes_no", "comparison", *VIGNETTE):
        body = f"{question_verdict(qtype, facts)} {body}"
    elif qtype == "multiple_choice":
        body = f"{letter_of(fact, ctx.options, key)}) {fact.object}. {body}"
    if ctx.persona == "patient" and fact.domain == "medical" and ctx.difficulty == "basic" and qtype in DOCTOR:
        body += " If this affects you, talk it through with your doctor."
    return body


def shared_entity(fact: Fact, previous: Fact) -> str:
    mine = {normalise(fact.subject): fact.subject, normalise(fact.object): fact.object}
    theirs = {normalise(previous.subject), normalise(previous.object)}
    return next((name for key, name in mine.items() if key in theirs), fact.subject)


def turn_question(facts: list[Fact], turn: int, forms: list[str], key: object) -> str:
    """A dialogue's question: the opening one, or a follow-up that moves to the next fact of the walk."""
    fact = facts[turn]
    form = forms[turn] if turn < len(forms) else "what"
    q = yes_no_question(fact) if form == "yes_no" else what_question(fact, form)
    if turn == 0:
        return q
    template = pick(FOLLOW_UPS, key, "follow")
    shared = shared_entity(fact, facts[turn - 1])
    shared = name(shared, fact, fact.subject_type if shared == fact.subject else fact.object_type)
    return template.format(shared=shared, Q=q, q=lower_first(q))


def turn_answer(facts: list[Fact], turn: int, forms: list[str]) -> str:
    fact = facts[turn]
    form = forms[turn] if turn < len(forms) else "what"
    return (
        f"{verdict(fact, looks_plural(fact.subject, sentence_of(fact)))} {fact_text(fact)}"
        if form == "yes_no"
        else fact_text(fact)
    )


def endpoints(facts: list[Fact]) -> tuple[str, str, list[str]]:
    """The path's first and last entity and the bridges between, as names."""
    names = []
    for current, nxt in zip(facts, facts[1:]):
        names.append(shared_entity(nxt, current))
    first = facts[0].object if normalise(facts[0].subject) == normalise(names[0]) else facts[0].subject
    last = facts[-1].object if normalise(facts[-1].subject) == normalise(names[-1]) else facts[-1].subject
    return first, last, names


def multihop_question(facts: list[Fact], persona: str, difficulty: str, key: object) -> str:
    a, z, _ = endpoints(facts)
    q = pick(MULTIHOP, key).format(a=name(a, facts[0]), z=name(z, facts[-1]))
    return framed(sentence_case(q), facts[0], "multihop", persona, difficulty, key)


def link_conclusion(facts: list[Fact]) -> str:
    """'So A and Z are linked through B.': what a path's facts add up to."""
    a, z, bridges = endpoints(facts)
    via = " and ".join(dict.fromkeys(name(b, facts[0]) for b in bridges))
    return f"So {name(a, facts[0])} and {name(z, facts[-1])} are linked through {via}."


def multihop_answer(facts: list[Fact], difficulty: str, key: object) -> str:
    steps = joined([fact_text(f) for f in facts]).replace("\n", " ")
    return f"{steps} {link_conclusion(facts)}"


def multihop_reasoning(facts: list[Fact]) -> list[str]:
    """One step per hop, each the hop's fact as its sentence says it, then the link they make."""
    return [*(fact_text(f) for f in facts), link_conclusion(facts)]


def reasoning(ctx: JobContext, facts: list[Fact], key: object) -> list[str]:
    """The facts a QA answer rests on, as their sentences say them, then the conclusion the question asks for."""
    steps = distinct([fact_text(f) for f in answered_facts(ctx.question_type, facts)])
    return [*steps, conclusion(ctx, facts, key, len(steps))]


def conclusion(ctx: JobContext, facts: list[Fact], key: object, steps: int = 1) -> str:
    """The step from the facts to the answer: the verdict, the option's letter, or the entity asked for."""
    fact, qtype = facts[0], ctx.question_type
    if qtype == "aspect":
        kind = fact.subject_type if normalise(ctx.entity) == normalise(fact.subject) else fact.object_type
        gathered = "Together, these points cover" if steps > 1 else "That covers"
        return f"{gathered} the {ctx.aspect.replace('_', ' ')} of {name(ctx.entity, fact, kind)}."
    if qtype in ("yes_no", "comparison", *VIGNETTE):
        said = lower_first(question_verdict(qtype, facts))
        return f"{'This holds for both, so' if qtype == 'comparison' else 'So'} the answer is {said}"
    if qtype == "multiple_choice":
        letter = letter_of(fact, ctx.options, key)
        return f"Of the options, {fact.object} is the one that fits, so the answer is {letter}."
    form = (ctx.forms or ["what"])[0]
    if form not in ("what", "who_what"):
        return f"That is how {subject_of(fact)} and {object_of(fact)} are related."
    entity = subject_of(fact) if form == "who_what" else object_of(fact)
    # 'the answer is an incorrect allergy label': the article the sentence gives the phrase, which name() drops
    return f"So the answer is {indefinite(entity, sentence_of(fact))}."
