"""English wordings for the offline generator: questions per type, persona and difficulty, and grounded answers."""

from __future__ import annotations

import re

from generation.plan import RELATION_TYPE, stable
from generation.verbalise import MODALS, lemma_phrase, looks_plural, sentence_case, statement
from kgraph.records import Fact, normalise

FRAMES = {
    "patient": ["{Q}", "My doctor mentioned {s}. {Q}", "I want to understand my treatment. {Q}"],
    "student": ["{Q}", "I'm revising for an exam. {Q}", "Study question: {q}"],
    "clinician": ["{Q}", "For a patient I am seeing today: {q}", "Clinically, {q}"],
    "client": ["{Q}", "I'm reading my contract and I'm unsure. {Q}", "As a client, I'd like to know: {q}"],
    "paralegal": ["{Q}", "For the file note I'm drafting: {q}", "Checking the clause: {q}"],
    "lawyer": ["{Q}", "On the text as drafted, {q}", "Strictly on the wording, {q}"],
    "learner": ["{Q}", "I'm new to this. {Q}"],
    "practitioner": ["{Q}", "In practice, {q}"],
}
ASKS = {
    "basic": ["", " In simple terms, please."],
    "intermediate": ["", " Please explain briefly."],
    "advanced": [" Please mention any qualification the source attaches.", " Please quote the supporting wording."],
}
TYPE_QUESTIONS = {
    "definition": ["What is {s}?", "How would you describe {s}?", "{What}"],
    "indication": ["What is {s} used for?", "{What}", "In which situations is {s} recommended?"],
    "contraindication": ["When should {s} be avoided?", "In which situations is {s} contraindicated?", "{What}"],
    "adverse_effect": ["What risks are linked to {s}?", "{What}", "What harm can {s} lead to?"],
    "mechanism": ["What effect does {s} have?", "How does {s} act, according to the source?", "{What}"],
    "diagnosis": ["{What}", "What part does {s} play in diagnosis?"],
    "dosage": ["What dosing does the source give for {s}?", "How is {s} dosed, according to the source?"],
    "obligation": ["What must {s} do under the text?", "What is {s} required to do?", "{What}"],
    "right": ["What is {s} entitled to?", "What right does {s} have here?", "{What}"],
    "condition": ["{What}", "Under the text, {what}", "According to the document, {what}"],
    "consequence": ["What consequence does the text attach for {s}?", "{What}", "What is {s} answerable for?"],
    "explanation": ["What is the relationship between {s} and {o}?", "How are {s} and {o} related?"],
    "clinical_vignette": [
        "A patient asks whether {o} matters when {s} is involved. What does the evidence say?",
        "During a consultation, the question of {s} and {o} comes up. What should the patient be told?",
        "A clinician is reviewing a case that involves {s}. What does the source say about its link with {o}?",
    ],
    "scenario": [
        "Two parties disagree about {o}. What does the document say about {s}?",
        "A client's contract raises a question about {s} and {o}. What does the text provide?",
        "Suppose a dispute turns on {o}. How does the text treat {s}?",
    ],
}
LEADS = ["The source puts it this way:", "In the source's words:", "As the text states:"]
CAUTION = {
    "negated": "Note that the source states this as a negative.",
    "hedged": "The source words this cautiously, as a possibility rather than a certainty.",
    "plain": "The source states this without qualification.",
}
FOLLOW_UPS = ["You mentioned {shared}. {Q}", "Following on from that, {q}", "That helps. {Q}", "And on {shared}: {q}"]
REPEATS = ["How certain is the source about that?", "Where exactly does the source say this?"]
CERTAINTY = {
    "negated": "The source is clear that this does not hold: {said}",
    "hedged": "Not fully certain: the source only says that it may be so. {said}",
    "plain": "The source states it plainly, without hedging: {said}",
}
MULTIHOP = [
    "How is {a} connected to {z}, according to the source?",
    "What links {a} and {z}? Explain step by step.",
    "Trace the connection from {a} to {z}.",
]


def pick(options: list[str], *keys: object) -> str:
    return options[stable(*keys) % len(options)]


def clean(text: str) -> str:
    return re.sub(r"\s+([?.,:])", r"\1", re.sub(r"\s+", " ", text)).strip()


def lower_first(text: str) -> str:
    return text if text.startswith(("I ", "I'")) else text[:1].lower() + text[1:]


def mid(name: str, fact: Fact) -> str:
    """A name inside a sentence: a capital that only marked the start of the source sentence is dropped."""
    first = name.split()[0] if name.split() else name
    return name[:1].lower() + name[1:] if fact.domain == "medical" and first[1:].islower() else name


def inverted(fact: Fact) -> tuple[str, str]:
    """Auxiliary and remaining predicate for a question: ('is', 'contraindicated in'), ('does', 'treat')."""
    words = lemma_phrase(fact).split()
    head, rest = words[0], " ".join(words[1:])
    if head in MODALS:
        return head, rest
    if head == "be":
        return ("are" if looks_plural(fact.subject) else "is"), rest
    return ("do" if looks_plural(fact.subject) else "does"), " ".join(words)


def positive(fact: Fact) -> str:
    return statement(fact.model_copy(update={"negated": False, "hedged": False})).rstrip(".")


def what_question(fact: Fact) -> str:
    """'What is metformin contraindicated in?'; for a negated fact, whether the positive claim holds."""
    if fact.negated:
        return f"What does the source say about whether {mid(positive(fact), fact)}?"
    aux, rest = inverted(fact)
    return clean(f"What {aux} {mid(fact.subject, fact)} {rest}?")


def yes_no_question(fact: Fact) -> str:
    aux, rest = inverted(fact)
    return sentence_case(clean(f"{aux} {mid(fact.subject, fact)} {rest} {fact.object}?"))


def core_question(facts: list[Fact], qtype: str, options: list[str], key: object) -> str:
    fact = facts[0]
    s, o = mid(fact.subject, fact), fact.object
    if qtype == "yes_no":
        return yes_no_question(fact)
    if qtype == "multiple_choice":
        letters = "ABCD"
        listed = "\n".join(f"{letters[i]}) {opt}" for i, opt in enumerate(mc_options(fact, options, key)))
        stem = statement(fact).rstrip(".")[: -len(fact.object)].strip() if stem_ok(fact) else positive(fact)
        return f'Which option completes the statement correctly? "{stem} ..."\n{listed}'
    if qtype == "comparison" and len(facts) > 1:
        other = facts[1]
        if other.subject == fact.subject:
            return pick(
                [
                    f"How do {o} and {other.object} compare as far as {s} is concerned?",
                    f"What does the source say about {s} in relation to {o} and to {other.object}?",
                ],
                key,
            )
        return f"How do {s} and {mid(other.subject, other)} compare with regard to {o}?"
    template = pick(TYPE_QUESTIONS.get(qtype, TYPE_QUESTIONS["explanation"]), key)
    what = what_question(fact)
    return sentence_case(clean(template.format(s=s, o=o, What=what, what=lower_first(what))))


def stem_ok(fact: Fact) -> bool:
    return statement(fact).rstrip(".").endswith(fact.object)


def mc_options(fact: Fact, options: list[str], key: object) -> list[str]:
    """The right object among the distractors, at a stable position."""
    choices = sorted([fact.object, *options[:3]], key=lambda o: stable(key, o))
    return choices


def framed(question: str, fact: Fact, persona: str, difficulty: str, key: object) -> str:
    frame = pick(FRAMES.get(persona, ["{Q}"]), key, "frame")
    ask = pick(ASKS.get(difficulty, [""]), key, "ask") if "\n" not in question else ""
    text = frame.format(Q=question, q=lower_first(question), s=mid(fact.subject, fact))
    return text + ask


def evidence_of(fact: Fact) -> str:
    return fact.evidence[0].sentence.strip() if fact.evidence else ""


def grounded(fact: Fact, difficulty: str, key: object) -> str:
    """The fact as a sentence; harder questions also get the source's wording and how firmly it is stated."""
    said, evidence = statement(fact), evidence_of(fact)
    quote = f'{pick(LEADS, key, "lead")} "{evidence}"' if evidence and normalise(evidence) != normalise(said) else ""
    if difficulty == "basic":
        return said
    if difficulty == "intermediate":
        return f"{said} {quote}".strip()
    caution = CAUTION["negated" if fact.negated else "hedged" if fact.hedged else "plain"]
    return f"{said} {caution} {quote}".strip()


def verdict(fact: Fact) -> str:
    if fact.negated:
        return "No, not according to the source."
    return "Possibly; the source states it with caution." if fact.hedged else "Yes."


def answer(facts: list[Fact], qtype: str, persona: str, difficulty: str, options: list[str], key: object) -> str:
    fact = facts[0]
    depth = (
        "intermediate" if qtype in ("dosage", "clinical_vignette", "scenario") and difficulty == "basic" else difficulty
    )
    body = grounded(fact, depth, key)
    if qtype == "yes_no":
        body = f"{verdict(fact)} {body}"
    elif qtype == "multiple_choice":
        letter = "ABCD"[mc_options(fact, options, key).index(fact.object)]
        body = f"{letter}) {fact.object}. {body}"
    elif qtype == "comparison" and len(facts) > 1:
        body = f"{body} {grounded(facts[1], depth, (key, 2))}"
    if persona == "patient" and fact.domain == "medical" and difficulty == "basic":
        body += " If this affects you, talk it through with your doctor."
    return body


def question(facts: list[Fact], qtype: str, persona: str, difficulty: str, options: list[str], key: object) -> str:
    return framed(core_question(facts, qtype, options, key), facts[0], persona, difficulty, key)


def natural_type(fact: Fact) -> str:
    return RELATION_TYPE.get(fact.relation, "explanation")


def shared_entity(fact: Fact, previous: Fact) -> str:
    mine = {normalise(fact.subject): fact.subject, normalise(fact.object): fact.object}
    theirs = {normalise(previous.subject), normalise(previous.object)}
    return next((name for key, name in mine.items() if key in theirs), fact.subject)


def follow_up(fact: Fact, previous: Fact, key: object) -> str:
    q = core_question([fact], natural_type(fact), [], key)
    template = pick(FOLLOW_UPS, key, "follow")
    return template.format(shared=mid(shared_entity(fact, previous), fact), Q=q, q=lower_first(q))


def repeat_question(extra: int) -> str:
    return REPEATS[extra % len(REPEATS)]


def repeat_answer(fact: Fact, extra: int) -> str:
    """The answer to the extra question: how firmly the source states the fact, or its exact words."""
    if extra % len(REPEATS) == 0:
        return CERTAINTY["negated" if fact.negated else "hedged" if fact.hedged else "plain"].format(
            said=statement(fact)
        )
    evidence = evidence_of(fact)
    return f'It says, word for word: "{evidence}"' if evidence else statement(fact)


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
    q = pick(MULTIHOP, key).format(a=mid(a, facts[0]), z=mid(z, facts[-1]))
    return framed(sentence_case(q), facts[0], persona, difficulty, key)


def multihop_answer(facts: list[Fact], difficulty: str, key: object) -> str:
    a, z, bridges = endpoints(facts)
    steps = " ".join(f"Step {i}: {grounded(f, 'basic', key)}" for i, f in enumerate(facts, 1))
    via = " and ".join(dict.fromkeys(mid(b, facts[0]) for b in bridges))
    return f"The connection runs through {via}. {steps} So {mid(a, facts[0])} and {mid(z, facts[-1])} are linked via {via}."
