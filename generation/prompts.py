"""Prompt building: pure functions from planned jobs to Prompts (tested without a model)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from generation.passage import clean_sentence, passage
from generation.plan import Job
from kgraph.llm import Prompt
from kgraph.records import Fact

PROMPT_VERSION = "v3"
LANGUAGES = {"en": "English", "zh": "Simplified Chinese"}
SYSTEM = (
    "You write training data for a {domain} assistant. Use only the facts and passages given and never add claims "
    "they do not support. A negated fact must be stated as negated and a hedged fact as uncertain, never as a "
    "plain positive. {style} Write in {language}. Reply with a JSON object only."
)
# Closed-book samples teach a model that will never see the passage, so they must not point at one.
STYLES = {
    "closed_book": "Write closed-book: the answer reads like an expert's answer from knowledge. Never mention or "
    "point to a source, text, document, passage, study or guideline, and never write 'according to'.",
    "grounded": "The reader will see the passage above the question: the answer may cite it and quote it.",
}
QUESTION_TYPE_HINTS = {
    "definition": "asks what the subject is",
    "mechanism": "asks how the subject works or what effect it has",
    "indication": "asks what the subject is used for or recommended in",
    "contraindication": "asks when the subject must be avoided",
    "dosage": "asks about the dose, amount or schedule given",
    "adverse_effect": "asks about harms, side effects or risks",
    "diagnosis": "asks how something is diagnosed, tested or monitored",
    "comparison": "asks the reader to compare the two facts given",
    "yes_no": "can be answered yes or no; the answer starts with the verdict and then explains",
    "clinical_vignette": "opens with a short realistic patient scenario (2-3 sentences) and asks what applies",
    "scenario": "opens with a short realistic situation between parties (2-3 sentences) and asks what applies",
    "multiple_choice": "lists the options given as A) B) C) D) in the question; the answer names the letter and explains",
    "obligation": "asks what a party must do",
    "right": "asks what a party may do or is entitled to",
    "condition": "asks when or to what the rule applies",
    "consequence": "asks what follows, such as liability",
    "explanation": "asks how the subject and the object are related",
    "aspect": "asks about one aspect of the entity as a whole; the answer gathers every fact given, none left out",
}
PERSONA_HINTS = {
    "patient": "a patient without medical training, in plain everyday words",
    "student": "a medical student preparing for an exam",
    "clinician": "a busy clinician who wants a precise, practical answer",
    "client": "a client without legal training, worried about their own situation",
    "paralegal": "a paralegal checking the exact wording of a document",
    "lawyer": "a lawyer who wants the precise rule and its qualifications",
    "learner": "a curious newcomer to the subject",
    "practitioner": "an experienced practitioner",
}
DIFFICULTY_HINTS = {
    "basic": "a simple question with a short answer",
    "intermediate": "a question that needs a short explanation",
    "advanced": "a demanding question whose answer also gives the qualifications",
}


def fact_block(fact: Fact, label: str = "Fact") -> str:
    """The fact as an index into its passage: the sentence with the ones around it, which is what is true."""
    flags = ", ".join(f for f, on in (("negated", fact.negated), ("hedged", fact.hedged)) if on) or "none"
    evidence = fact.evidence[0] if fact.evidence else None
    document = f"Document: {evidence.title}\n" if evidence and evidence.title else ""
    return (
        f"{label}: ({fact.subject}) -[{fact.relation}]-> ({fact.object})\n{document}"
        f"Qualifiers: {flags}\n"
        f'Evidence sentence: "{clean_sentence(evidence.sentence) if evidence else ""}"\n'
        f'Passage around it: "{passage(evidence) if evidence else ""}"'
    )


def facts_block(facts: tuple[Fact, ...] | list[Fact]) -> str:
    return "\n".join(fact_block(f, f"Fact {i}") for i, f in enumerate(facts, 1))


def system_message(job: Job) -> dict[str, str]:
    style = STYLES["grounded" if job.grounded else "closed_book"]
    return {
        "role": "system",
        "content": SYSTEM.format(domain=job.seed.domain, style=style, language=LANGUAGES[job.lang]),
    }


def style_lines(job: Job) -> str:
    return (
        f"The person asking is {PERSONA_HINTS.get(job.persona, job.persona)}.\n"
        f"Difficulty: {DIFFICULTY_HINTS.get(job.difficulty, job.difficulty)}."
    )


class JobContext(BaseModel):
    """What the offline generator reads instead of the prose: the job's facts and style, and the dialogue turn."""

    model_config = ConfigDict(frozen=True)

    facts: list[Fact] = Field(min_length=1)
    question_type: str = ""
    persona: str = ""
    difficulty: str = ""
    options: list[str] = Field(default_factory=list)
    lang: str = "en"
    forms: list[str] = Field(default_factory=list)
    aspect: str = ""
    entity: str = ""
    grounded: bool = False
    turn: int = 0


def job_prompt(task: str, job: Job, user: str, turn: int = 0) -> Prompt:
    """The job's system message, one user message, and the context the offline generator reads."""
    return Prompt(
        task=task,
        messages=[system_message(job), {"role": "user", "content": user}],
        context=JobContext(
            facts=list(job.facts),
            question_type=job.question_type,
            persona=job.persona,
            difficulty=job.difficulty,
            options=list(job.options),
            lang=job.lang,
            forms=list(job.forms),
            aspect=job.aspect,
            entity=job.entity,
            grounded=job.grounded,
            turn=turn,
        ),
    )


def qa_prompt(job: Job) -> Prompt:
    """Huatuo-style single-turn QA: the fact, its evidence sentence, a question type, a persona, a difficulty."""
    options = f"\nOptions to list (one is right): {', '.join([job.seed.object, *job.options])}" if job.options else ""
    if job.aspect:
        options = f"\nThe question is about {job.entity} as a whole: its {job.aspect.replace('_', ' ')}."
    user = (
        f"{facts_block(job.facts)}\n\n{style_lines(job)}\n"
        f"Write one question of type '{job.question_type}' ({QUESTION_TYPE_HINTS[job.question_type]}) that this "
        "person would ask, naming the subject (and the document's product, rule or contract when the question would "
        f"not stand alone without it), and the answer an expert would give from the evidence.{options}\n"
        f"{reply_format(job, 'one step per fact given')}"
    )
    return job_prompt("qa", job, user)


def reply_format(job: Job, steps: str) -> str:
    """The JSON to return; with `[generation] reasoning`, the reasoning as steps of its own beside the answer."""
    if not job.reasoning:
        return 'Return {"question": "...", "answer": "..."}.'
    closed = "" if job.grounded else " Like the answer, it never mentions a source, text, passage or document."
    return (
        f"Also write the reasoning that leads to the answer as a list of short steps: {steps}, each stating that "
        f"fact in plain words, then a last step that draws the conclusion.{closed}\n"
        'Return {"question": "...", "reasoning": ["...", "..."], "answer": "..."}.'
    )


def multihop_prompt(job: Job) -> Prompt:
    """A question that needs every fact of a 2-3 hop path to answer, reasoning step by step in the answer."""
    user = (
        f"These facts form a chain through shared entities:\n{facts_block(job.facts)}\n\n{style_lines(job)}\n"
        "Write one question that can only be answered by combining all of them (name the first and the last "
        "entity, not the ones in between), and an answer that walks through each step in order.\n"
        f"{reply_format(job, 'one step per fact of the chain, in its order')}"
    )
    return job_prompt("multihop", job, user)


def transcript(history: list[dict[str, str]]) -> str:
    return "\n".join(f"{m['role']}: {m['content']}" for m in history) or "(no turns yet)"


def dialogue_user_prompt(job: Job, turn: int, history: list[dict[str, str]]) -> Prompt:
    """Baize self-chat, user side: the next question, moving the talk to the turn's fact."""
    fact = job.facts[turn]
    ask = (
        "Open the conversation with a question about this fact"
        if turn == 0
        else "Ask a natural follow-up that moves on to this fact"
    )
    user = (
        f"You play the human in a conversation about {job.seed.subject}. {style_lines(job)}\n"
        f"So far:\n{transcript(history)}\n\n{ask}:\n{fact_block(fact)}\n"
        'Return {"content": "<the question>"}.'
    )
    return job_prompt("dialogue_user", job, user, turn=turn)


def dialogue_assistant_prompt(job: Job, turn: int, history: list[dict[str, str]]) -> Prompt:
    """Baize self-chat, assistant side: answer the last question from the turn's fact and its passage."""
    fact = job.facts[turn]
    user = (
        f"You play the assistant, answering {PERSONA_HINTS.get(job.persona, job.persona)}.\n"
        f"Conversation:\n{transcript(history)}\n\nAnswer the last question using only:\n{fact_block(fact)}\n"
        'Return {"content": "<the answer>"}.'
    )
    return job_prompt("dialogue_assistant", job, user, turn=turn)
