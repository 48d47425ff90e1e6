"""Knowledge-gap probe: does the base model already prefer each fact's true object over distractors?
Facts it knows get a smaller generation quota, so the samples go where the model has something to learn."""

from __future__ import annotations

import math
from pathlib import Path

from generation.verbalise import looks_plural, verb_phrase
from kgraph.records import Fact, normalise
from training.records import FactQuota, read_record, write_record
from training.sft import TrainingError
from training.split import draw

NEUTRAL_PREFIX = "The answer is"


class ProbeError(TrainingError):
    """The probe cannot run: the model gives no usable likelihoods, or there is nothing to compare against."""


def cloze(fact: Fact) -> str:
    """The statement up to its object: 'Metformin reduces'."""
    return f"{fact.subject} {verb_phrase(fact, looks_plural(fact.subject))}"


def distractors(fact: Fact, facts: list[Fact], count: int, seed: int = 0) -> list[str]:
    """Objects of other facts, preferring the same object type and excluding any true object of this cloze."""
    true = {normalise(f.object) for f in facts if f.subject == fact.subject and f.relation == fact.relation}
    others = {normalise(f.object): f for f in facts if normalise(f.object) not in true}
    ranked = sorted(
        others.values(), key=lambda f: (f.object_type != fact.object_type, draw(seed, "distractor", fact.id, f.object))
    )
    return [f.object for f in ranked[:count]]


def continuation_logprobs(model, tokenizer, prefix: str, candidates: list[str]) -> list[float]:
    """Total log-probability of each candidate's tokens after the prefix; non-finite values are an error."""
    import torch

    prefix_ids = tokenizer(prefix)["input_ids"]
    sequences = [tokenizer(f"{prefix} {c}")["input_ids"] for c in candidates]
    width = max(len(s) for s in sequences)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.tensor([s + [pad] * (width - len(s)) for s in sequences], device=model.device)
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences], device=model.device)
    with torch.no_grad():
        logits = getattr(model(input_ids=ids, attention_mask=mask), "logits", None)
    if logits is None:
        raise ProbeError("the model returned no logits, so it cannot give likelihoods: probe with a causal LM")
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    scores = []
    for row, sequence in enumerate(sequences):
        start = len(prefix_ids) if sequence[: len(prefix_ids)] == prefix_ids else len(prefix_ids) - 1
        positions = range(max(start, 1), len(sequence))
        values = [logprobs[row, p - 1, sequence[p]].item() for p in positions]
        if not values or not all(math.isfinite(v) for v in values):
            raise ProbeError(f"no finite likelihood for {candidates[row]!r} after {prefix!r}: the model is unusable")
        scores.append(sum(values))
    return scores


def pmi_scores(model, tokenizer, prefix: str, candidates: list[str]) -> list[float]:
    """log P(candidate | prefix) - log P(candidate | a neutral prefix): how much the fact's context raises each
    candidate, which cancels the pull of short or common phrases that raw or per-token likelihoods have."""
    conditional = continuation_logprobs(model, tokenizer, prefix, candidates)
    prior = continuation_logprobs(model, tokenizer, NEUTRAL_PREFIX, candidates)
    return [c - p for c, p in zip(conditional, prior)]


def probe_facts(model, tokenizer, facts: list[Fact], count: int = 3, seed: int = 0) -> list[dict]:
    """Per fact: the true object's score, the distractors' scores, and whether the model ranks the truth first."""
    if len({normalise(f.object) for f in facts}) < 2:
        raise ProbeError("the probe needs at least two different objects in the graph to use as distractors")
    results = []
    for fact in facts:
        others = distractors(fact, facts, count, seed)
        if not others:
            raise ProbeError(f"no distractor for fact {fact.id} ({fact.object!r}): the graph is too small to probe")
        true, *wrong = pmi_scores(model, tokenizer, cloze(fact), [fact.object, *others])
        results.append(
            {
                "fact_id": fact.id,
                "cloze": cloze(fact),
                "object": fact.object,
                "true": round(true, 4),
                "distractors": dict(zip(others, (round(w, 4) for w in wrong))),
                "known": true > max(wrong),
            }
        )
    return results


def write_quota(results: list[dict], path: Path, known_quota: float) -> dict:
    """WS/state/fact_quota.json: a share of the normal sample count per fact (known facts get `known_quota`)."""
    quota = {r["fact_id"]: (known_quota if r["known"] else 1.0) for r in results}
    write_record(path, FactQuota(quota=quota, probe=results))
    return quota


def read_quota(path: Path) -> dict[str, float]:
    """The per-fact quota of the last probe; no file means no probe was run, so every fact gets its full share."""
    recorded = read_record(path, FactQuota)
    return recorded.quota if recorded else {}


def scaled_generation(cfg, quota: float):
    """A copy of a GenerationConfig with every per-fact count (and the question-type list) scaled by `quota`,
    keeping at least one question."""
    values = cfg.model_dump()
    update = {k: int(v * quota) for k, v in values.items() if k.endswith("_per_fact") and isinstance(v, int)}
    if "qa_per_fact" in update:
        update["qa_per_fact"] = max(1, update["qa_per_fact"])
    elif isinstance(values.get("question_types"), list):
        types = values["question_types"]
        update["question_types"] = types[: max(1, math.ceil(len(types) * quota))]
    return cfg.model_copy(update=update)


def quota_groups(facts: list[Fact], quota: dict[str, float], cfg) -> list[tuple[object, list[Fact]]]:
    """Facts grouped by their quota, each group with the generation config scaled to it."""
    groups: dict[float, list[Fact]] = {}
    for fact in facts:
        groups.setdefault(quota.get(fact.id, 1.0), []).append(fact)
    return [(cfg if q == 1.0 else scaled_generation(cfg, q), group) for q, group in sorted(groups.items())]


def probe_model(base_model: str, facts: list[Fact], quota_path: Path, known_quota: float = 0.5) -> dict:
    """Load the base model, probe every fact, write the quota file; returns counts for the summary."""
    from training.sft import TrainConfig, load_base, pick_device

    if not facts:
        raise ProbeError("no facts to probe: run `kgsynth extract` first")
    tokenizer, model = load_base(base_model, device=pick_device(TrainConfig()))
    results = probe_facts(model.eval(), tokenizer, facts)
    quota = write_quota(results, quota_path, known_quota)
    known = sum(r["known"] for r in results)
    return {"facts": len(results), "known": known, "reduced_quota": sum(q < 1 for q in quota.values())}
