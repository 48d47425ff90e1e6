"""More samples for the facts a fine-tune still answers wrong, each in a form no earlier sample of the fact had: a
question type, persona and difficulty that neither the regular plan nor an earlier focus round used."""

from __future__ import annotations

import dataclasses

from pydantic import BaseModel, Field

from generation.plan import DIFFICULTIES, PERSONAS, FactIndex, Job, plan_fact, stable
from kgraph.records import Fact, Rejection


class FocusConfig(BaseModel):
    """`kgsynth generate --focus-missed`: how many extra samples the missed facts get per round."""

    model_config = {"extra": "forbid"}
    extra_per_fact: int = Field(
        default=4, ge=1, le=36, description="new samples planned per missed fact in each --focus-missed round"
    )
    max_samples: int = Field(
        default=400, ge=1, description="the extra budget: most samples one --focus-missed round plans in all"
    )


def every_form(fact: Fact, index: FactIndex, cfg) -> list[Job]:
    """One single-fact question per type that fits the fact, aspect grouping off so the fact is asked on its own
    (the evaluation asks it on its own too). cfg is a GenerationConfig."""
    wide = cfg.model_copy(
        update={"qa_per_fact": 12, "aspect_questions": False, "dialogues_per_fact": 0, "multihop_per_fact": 0}
    )
    return plan_fact(fact, index, wide)


def form_of(job: Job) -> tuple[str, str, str]:
    return job.question_type, job.persona, job.difficulty


def unused_forms(fact: Fact, index: FactIndex, cfg) -> list[Job]:
    """Every (type, persona, difficulty) the fact can be asked in, minus those of its regular plan, in a stable
    order where the question type changes fastest, so each round first brings new types, then new framings."""
    by_type = {job.question_type: job for job in every_form(fact, index, cfg)}
    domain = fact.domain if fact.domain in PERSONAS else "general"
    framings = [(p, d) for p in PERSONAS[domain] for d in DIFFICULTIES]
    shift = stable(fact.id, "focus") % len(framings)
    used = {form_of(job) for job in plan_fact(fact, index, cfg) if job.kind == "qa"}
    forms = [
        dataclasses.replace(job, persona=persona, difficulty=difficulty)
        for persona, difficulty in framings[shift:] + framings[:shift]
        for job in by_type.values()
    ]
    return [job for job in forms if form_of(job) not in used]


def focus_jobs(
    facts: list[Fact], index: FactIndex, cfg, focus: FocusConfig, rounds: dict[str, int]
) -> tuple[list[Job], list[Rejection]]:
    """The next round's jobs for each missed fact (`rounds` says how many rounds it had), within the extra budget;
    a Rejection for a fact with no new form left or past the budget."""
    jobs: list[Job] = []
    skipped: list[Rejection] = []
    for fact in facts:
        start = rounds.get(fact.id, 0) * focus.extra_per_fact
        planned = unused_forms(fact, index, cfg)[start : start + focus.extra_per_fact]
        if not planned:
            detail = f"every fitting question form was used in {rounds.get(fact.id, 0)} earlier rounds"
            skipped.append(Rejection(item_id=fact.id, stage="generate", reason="no_new_form", detail=detail))
        elif len(jobs) + len(planned) > focus.max_samples:
            detail = f"{len(jobs)} samples planned of focus.max_samples {focus.max_samples}"
            skipped.append(Rejection(item_id=fact.id, stage="generate", reason="over_focus_budget", detail=detail))
        else:
            jobs += planned
    return jobs, skipped
