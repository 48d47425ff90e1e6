"""Continued-pretraining text from an LLM: EntiGraph-style passages relating entities, and faithful rewordings of
the source paragraphs (WRAP-style: the same content in other registers). Prompt building is pure; the requests
go through the one LLM seam, and a failed request becomes a Rejection, never a passage."""

from __future__ import annotations

from pydantic import BaseModel

from generation.cpt import Passage
from generation.prompts import LANGUAGES, facts_block
from kgraph.llm import LLM, LLMError, Prompt, run_llm, run_pool
from kgraph.records import Fact, Rejection

PROMPT_VERSION = "cpt-v1"
SYSTEM = (
    "You write continued-pretraining text for a {domain} model. State only what the facts and passages given "
    "support, with their negations, hedges, numbers and conditions kept exactly. Write plain prose like a textbook, "
    "never mention a source, text, document or passage, and never write 'according to'. Write in {language}. "
    "Reply with a JSON object only."
)
# Registers for rewordings: the same claims read in several voices, so the model learns the fact, not the wording.
REGISTERS = (
    "a concise encyclopedia entry",
    "a plain-language explanation for a newcomer",
    "lecture notes for students of the field",
    "a precise summary for a practitioner",
    "a question-led explainer that answers its own questions",
)


class PassageText(BaseModel):
    text: str


def system_message(domain: str, lang: str) -> dict[str, str]:
    return {"role": "system", "content": SYSTEM.format(domain=domain, language=LANGUAGES.get(lang, "English"))}


def relation_prompt(passage: Passage, facts: list[Fact], lang: str = "en") -> Prompt:
    """EntiGraph: a passage on how the entities relate, written from the facts' evidence and nothing else."""
    entities = passage.text.split("\n", 1)[0]
    user = (
        f"{facts_block(facts)}\n\nWrite one coherent passage of 2-6 sentences about how {entities} relate to "
        "each other, using every fact above and nothing beyond them.\n"
        'Return {"text": "..."}.'
    )
    return Prompt(
        task="cpt_relation",
        messages=[system_message(facts[0].domain, lang), {"role": "user", "content": user}],
    )


def rephrase_prompt(paragraph: str, domain: str, register: str, lang: str = "en") -> Prompt:
    """A faithful rewording of one source paragraph in the given register: every claim kept, nothing added."""
    user = (
        f'Paragraph:\n"""\n{paragraph}\n"""\n\nRewrite this paragraph as {register}. Keep every claim with its '
        "qualifiers, numbers and negations; add no claim, example or advice of your own.\n"
        'Return {"text": "..."}.'
    )
    return Prompt(
        task="cpt_rephrase",
        messages=[system_message(domain, lang), {"role": "user", "content": user}],
    )


def written(llm: LLM) -> str:
    return f"llm:{llm.model}:{PROMPT_VERSION}"


async def ask(llm: LLM, prompt: Prompt, facts: list[str], kind) -> Passage | Rejection:
    try:
        reply = await llm.complete(prompt, PassageText)
    except LLMError as err:
        return Rejection(item_id=f"{kind}:{facts[0] if facts else ''}", stage="cpt", reason=err.reason, raw=err.raw)
    text = reply.text.strip()
    if not text:
        return Rejection(item_id=f"{kind}:{facts[0] if facts else ''}", stage="cpt", reason="empty_passage")
    return Passage.make(text, facts, kind, written(llm))


async def rewrite_all(passages: list[Passage], by_id: dict[str, Fact], rephrasings: int, llm: LLM) -> list:
    """(offline passage, LLM result) for the pair and triple passages written by the LLM from their facts, and
    `rephrasings` rewordings of each source paragraph, within the endpoint's bound on requests in flight."""
    jobs, origins = [], []  # (prompt, fact ids, kind) per request, and the passage each comes from
    for passage in passages:
        facts = [by_id[i] for i in passage.facts if i in by_id]
        if not facts:
            continue
        if passage.kind in ("pair", "triple"):
            jobs.append((relation_prompt(passage, facts), passage.facts, passage.kind))
            origins.append(passage)
        elif passage.kind == "source":
            for n in range(rephrasings):
                register = REGISTERS[n % len(REGISTERS)]
                prompt = rephrase_prompt(passage.text, facts[0].domain, register)
                jobs.append((prompt, passage.facts, "rephrase"))
                origins.append(passage)
    return list(zip(origins, await run_pool(jobs, lambda job: ask(llm, *job), llm)))


def llm_passages(
    passages: list[Passage], by_id: dict[str, Fact], rephrasings: int, llm: LLM
) -> tuple[list[Passage], list[Rejection]]:
    """The source paragraphs as they are, the LLM's relation passages in place of the offline ones (an offline one
    stays where its request failed) and the rewordings; failed requests as Rejections."""
    results = run_llm(llm, rewrite_all(passages, by_id, rephrasings, llm))
    replaced = {origin.id for origin, result in results if isinstance(result, Passage) and origin.kind != "source"}
    kept = [p for p in passages if p.id not in replaced]
    kept += [result for _, result in results if isinstance(result, Passage)]
    return kept, [result for _, result in results if isinstance(result, Rejection)]
