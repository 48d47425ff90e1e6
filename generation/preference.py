"""Rejected answers for preference pairs (DPO, ORPO, KTO): each one copies the accepted answer and changes only what
the graph knows to be false, a sibling object of the same relation, a dropped negation or hedge, a swapped
subject, so the pair teaches the fact against its nearest mistake rather than against noise."""

from __future__ import annotations

import re

from generation.plan import FactIndex, nodes, stable
from generation.syntax import sentence_of
from generation.verbalise import inflect, looks_plural
from kgraph.entities import entity_key
from kgraph.records import Fact

KINDS = ("sibling_object", "dropped_polarity", "swapped_subject")
NEGATED_AUX = re.compile(r"\b(do|does|did)(?: not|n't) (\w+)", re.IGNORECASE)
NOT_AFTER = re.compile(
    r"\b(is|are|was|were|has|have|had|can|could|should|shall|must|may|might|will|would|need)(?: not|n't)\b",
    re.IGNORECASE,
)
OPTION_ANSWER = re.compile(r"^([A-J])\) ([^.]+)\.")
QUESTION_OPTION = re.compile(r"(?:^|\s)([A-J])\) (.+?)(?=\s+[A-J]\) |\n|$)")
HEDGE_MODAL = re.compile(r"\b(may|might|could) (not )?(\w+)", re.IGNORECASE)
HEDGE_WORDS = re.compile(r"\b(possibly|probably|potentially|rarely|occasionally|sometimes|reportedly) ", re.IGNORECASE)
HEDGE_FRAME = re.compile(
    r"\b(studies|evidence|data|reports|it is thought|it is believed) (suggests?|indicates?|that)( that)? ",
    re.IGNORECASE,
)


def with_case(found: str, new: str) -> str:
    """`new` capitalised like the words it replaces (a sentence's first word, or mid-sentence where the graph kept a
    sentence's capital: 'Electrocardiogram'); acronyms ('ECG', 'VIAGRA') untouched."""
    if new[1:2].isupper():
        return new
    return new[:1].upper() + new[1:] if found[:1].isupper() else new[:1].lower() + new[1:]


def replace_words(text: str, old: str, new: str) -> str | None:
    """`text` with every whole-word occurrence of `old` (any case) replaced by `new`; None when `old` is absent."""
    pattern = re.compile(rf"(?<!\w){re.escape(old)}(?!\w)", re.IGNORECASE)
    if not old or not pattern.search(text):
        return None
    return pattern.sub(lambda m: with_case(m.group(0), new), text)


def sibling_objects(answer: str, fact: Fact, index: FactIndex) -> list[str]:
    """The answer with the object swapped for another object of the relation that no fact links to the subject, of
    the same number ('is the first-line drug', never 'is the SGLT2 inhibitors')."""
    plural = looks_plural(fact.object)
    others = [other for other in index.distractors(fact) if looks_plural(other) == plural]
    found = (replace_words(answer, fact.object, other) for other in others)
    return [text for text in found if text]


def dropped_polarity(answer: str, fact: Fact) -> list[str]:
    """The answer with the fact's negation (or hedge) taken out, so it asserts what the source denies (or doubts)."""
    if not (fact.negated or fact.hedged):
        return []
    text = answer
    if fact.negated:
        text = NEGATED_AUX.sub(lambda m: agree(m.group(1), m.group(2)), text)
        text = NOT_AFTER.sub(lambda m: m.group(1), text)
        text = re.sub(r"\b(can)(not|'t)\b", r"\1", text, flags=re.IGNORECASE)
        text = re.sub(r"\bnever ", "", text)
        text = re.sub(r"^No\.", "Yes.", text)
    else:
        plural = looks_plural(fact.subject, sentence_of(fact))
        text = HEDGE_MODAL.sub(lambda m: m.group(0) if m.group(2) else inflect(m.group(3).lower(), plural), text)
        text = HEDGE_FRAME.sub("", HEDGE_WORDS.sub("", text))
        text = text[:1].upper() + text[1:]
    text = re.sub(r"\s{2,}", " ", text)
    return [text] if text != answer else []


def agree(aux: str, verb: str) -> str:
    """'does not treat' -> 'treats', 'do not treat' -> 'treat', 'did not treat' -> 'treated'."""
    tag = {"does": "VBZ", "did": "VBD"}.get(aux.lower())
    from lemminflect import getInflection

    forms = getInflection(verb, tag=tag) if tag else None
    return forms[0] if forms else verb


def subjects_by_relation(index: FactIndex) -> dict[str, list[Fact]]:
    """One usable fact per distinct subject of each relation: where swapped subjects come from."""
    found: dict[str, dict[str, Fact]] = {}
    for fact in sorted(index.by_id.values(), key=lambda f: f.id):
        if index.usable(fact):
            found.setdefault(fact.relation, {}).setdefault(entity_key(fact.subject), fact)
    return {relation: list(by_subject.values()) for relation, by_subject in found.items()}


def swapped_subjects(answer: str, fact: Fact, index: FactIndex, subjects: dict[str, list[Fact]]) -> list[str]:
    """The answer with the subject swapped for another subject of the relation that no fact links to the object,
    of the same type, domain and number (so the sentence still agrees)."""
    subject, obj = nodes(fact)
    linked = index.links.get(obj, set()) | {subject, obj}
    plural = looks_plural(fact.subject, sentence_of(fact))
    out = []
    for other in subjects.get(fact.relation, []):
        key = entity_key(other.subject)
        if (
            key in linked or key in index.hubs or other.subject_type != fact.subject_type
            or other.domain != fact.domain or looks_plural(other.subject, sentence_of(other)) != plural
        ):  # fmt: skip
            continue
        if text := replace_words(answer, fact.subject, other.subject):
            out.append(text)
    return out


def relettered(text: str, question: str) -> str | None:
    """A multiple-choice answer ('C) gynaecomastia. ...') with the letter the question gives its option; None when
    the question does not offer that option (a wrong answer that is not even a choice teaches only the format)."""
    found = OPTION_ANSWER.match(text)
    offered = {option.strip().lower(): letter for letter, option in QUESTION_OPTION.findall(question)}
    if not found or not offered:
        return text
    letter = offered.get(found.group(2).strip().lower())
    return f"{letter}) {text[found.end(1) + 2 :]}" if letter else None


def rejected_answers(
    answer: str, fact: Fact, index: FactIndex, subjects: dict[str, list[Fact]], sample_id: str, question: str = ""
) -> list[tuple[str, str]]:
    """(kind, text) of every wrong answer the graph supports, the kinds in an order that varies per sample (so the
    set mixes them), the first option of each kind before any second one."""
    # A swapped argument in a denial ('does not treat hypothyroidism') is usually still true: negated facts only
    # lose their negation.
    siblings = [] if fact.negated else sibling_objects(answer, fact, index)
    options = {
        "sibling_object": [t for t in (relettered(t, question) for t in siblings) if t],
        "dropped_polarity": dropped_polarity(answer, fact),
        "swapped_subject": [] if fact.negated else swapped_subjects(answer, fact, index, subjects),
    }
    start = stable(sample_id, "preference") % len(KINDS)
    order = KINDS[start:] + KINDS[:start]
    depth = max(len(v) for v in options.values())
    seen, out = {answer}, []
    for rank in range(depth):
        for kind in order:
            if rank < len(options[kind]) and options[kind][rank] not in seen:
                seen.add(options[kind][rank])
                out.append((kind, options[kind][rank]))
    return out
