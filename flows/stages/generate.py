"""The generate stage: facts no run has generated from, one batch of samples, the bookkeeping after."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from flows.config import KgsynthConfig
from flows.stats import StageStats, Stopwatch, record_stats, stage_stats
from flows.workspace import (
    Workspace,
    WorkspaceError,
    append_ids,
    read_ids,
    read_jsonl,
    write_jsonl,
)
from generation import syntax
from generation.budget import select_facts
from generation.diversity import diversity_report
from generation.estimate import estimate_generation
from generation.generate import run_generation
from generation.offline import OfflineGenerator
from generation.plan import MIN_CONFIDENCE, FactIndex
from generation.records import Sample
from kgraph.graph import (
    load_graph,
)
from kgraph.llm import OpenAICompatible, llm_from_config, retry_could_fix
from kgraph.records import Fact, Rejection
from training.probe import quota_groups, read_quota


def pending_facts(ws: Workspace) -> list[Fact]:
    """Facts in the graph that no earlier generation finished."""
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: run `kgsynth extract CORPUS --workspace {ws.root}` first")
    done = read_ids(ws.generated_facts)
    return [f for f in graph_index(ws.graph).by_id.values() if f.id not in done]


def llm_cache_path(ws: Workspace) -> Path:
    """The workspace's LLM response cache: a rerun asks the endpoint nothing it already answered."""
    return ws.state / "llm_cache.sqlite"


def graph_index(path: Path, min_confidence: float = MIN_CONFIDENCE) -> FactIndex:
    """The graph's FactIndex, built once per version of graph.json: every batch of a run plans against it."""
    stat = path.stat()
    return index_of_graph_file(path, stat.st_mtime_ns, stat.st_size, min_confidence)


def graph_facts_by_id(ws: Workspace, fact_ids: list[str]) -> list[Fact]:
    """The graph's facts with these ids, in that order."""
    index = graph_index(ws.graph)
    return [index.by_id[i] for i in fact_ids]


@functools.lru_cache(maxsize=2)
def index_of_graph_file(path: Path, mtime_ns: int, size: int, min_confidence: float) -> FactIndex:
    return FactIndex.of(load_graph(path), min_confidence)


class GeneratedBatch(BaseModel):
    """One batch's samples and rejections, not yet written: a task's (cacheable, replayable) result."""

    model_config = ConfigDict(frozen=True)

    fact_ids: list[str]
    samples: list[Sample]
    rejections: list[Rejection]
    usage: dict = {}


@dataclass(frozen=True)
class RecordedBatch:
    """What the run's summary needs of a batch once its samples are on disk; the samples themselves are let go."""

    fact_ids: list[str]
    written: int  # samples written
    rejections: list[Rejection]
    usage: dict
    pending: int  # facts left pending: a request failed in a way a rerun could fix


def generate_batch(ws: Workspace, facts: list[Fact], cfg: KgsynthConfig) -> GeneratedBatch:
    """Samples for a batch of facts, written nowhere, so a cached, retried or remote batch is safe to replay."""
    llm = llm_from_config(cfg.llm, llm_cache_path(ws)) or OfflineGenerator()
    # `kgsynth probe` may have given facts the base model already knows a smaller quota.
    groups = quota_groups(facts, read_quota(ws.fact_quota), cfg.generation)
    samples, rejections = run_generation(list(groups), graph_index(ws.graph, cfg.generation.min_confidence), llm)
    usage = llm.usage.report(cfg.llm) if isinstance(llm, OpenAICompatible) else {}
    return GeneratedBatch(fact_ids=[f.id for f in facts], samples=samples, rejections=rejections, usage=usage)


def estimate_generate(ws: Workspace, cfg: KgsynthConfig) -> StageStats:
    """`kgsynth generate --dry-run`: requests, tokens and cost of the pending facts, nothing sent."""
    facts, _ = generation_facts(ws, cfg)
    llm = llm_from_config(cfg.llm, llm_cache_path(ws))
    index = graph_index(ws.graph, cfg.generation.min_confidence)
    estimate = estimate_generation(facts, index, cfg.generation, cfg.llm, llm)
    return stage_stats("generate (dry run)", len(facts), 0, **estimate)


def generation_facts(ws: Workspace, cfg: KgsynthConfig) -> tuple[list[Fact], list[Rejection]]:
    """The pending facts that feed generation, and the rest as Rejections by reason (the confidence gate, generic
    arguments, each document's sample budget), decided over all pending facts before they are batched."""
    return select_facts(pending_facts(ws), graph_index(ws.graph, cfg.generation.min_confidence), cfg.generation)


def record_skipped(ws: Workspace, run: Path, skipped: list[Rejection]) -> None:
    """Write the skipped facts beside the run's rejections and mark them done, except those below the confidence
    gate: they stay pending, so a recalibrated or better-attested fact is taken up by a later run."""
    write_jsonl(run / "rejections.jsonl", skipped)
    append_ids(ws.generated_facts, [r.item_id for r in skipped if r.reason != "low_confidence"])


def usage_notes(reports: list[dict]) -> dict:
    """Summed LLM usage and cost of the batches' usage reports (empty offline)."""
    reports = [r for r in reports if r]
    if not reports:
        return {}
    totals = {key: sum(r[key] for r in reports) for key in reports[0]}
    return {**totals, "cost_usd": round(totals["cost_usd"], 6)}


def record_batch(ws: Workspace, run: Path, batch: GeneratedBatch) -> RecordedBatch:
    """Write a batch's samples, then mark its facts done: a kill in between redoes the batch, and readers
    keep one sample per id, so a repeated batch never duplicates samples."""
    write_jsonl(run / "samples.jsonl", batch.samples)
    write_jsonl(run / "rejections.jsonl", batch.rejections)
    # the evidence parses this process made (a batch run elsewhere made none here), for the judge of this run
    syntax.keep_parses(
        run, (t for s in batch.samples for e in s.evidence for t in (e.before, e.sentence, e.after) if t)
    )
    # A fact with a request that failed in a way a rerun could fix stays pending; its other samples are kept.
    failed = {r.item_id for r in batch.rejections if retry_could_fix(r.reason)}
    append_ids(ws.generated_facts, [i for i in batch.fact_ids if i not in failed])
    return RecordedBatch(batch.fact_ids, len(batch.samples), batch.rejections, batch.usage, len(failed))


def run_samples(run: Path) -> list[Sample]:
    """The run's samples, one per id (a batch redone after a kill may have written some twice)."""
    return list({s.id: s for s in read_jsonl(run / "samples.jsonl", Sample)}.values())


def finish_generate(
    run: Path, facts: int, batches: list[RecordedBatch], clock: Stopwatch, skipped: list[Rejection] = ()
) -> StageStats:
    """The run's diversity report and the generate stage's summary, once every batch is recorded."""
    rejections = [*skipped, *(r for batch in batches for r in batch.rejections)]
    samples = sum(batch.written for batch in batches)
    diversity = diversity_report(run_samples(run))
    (run / "diversity.json").write_text(json.dumps(diversity, indent=1), encoding="utf-8")
    stats = stage_stats(
        "generate",
        facts,
        samples,
        rejections,
        clock,
        facts=facts,
        facts_used=facts - len(skipped),
        samples=samples,
        facts_left_pending=sum(batch.pending for batch in batches),
        **usage_notes([batch.usage for batch in batches]),
        types_per_fact=diversity["question_types_per_fact"],
        distinct_2=diversity["distinct_2"],
        question_similarity=diversity["mean_pairwise_similarity"],
        entities_with_aspect=diversity["aspects"]["entities_with_aspect"],
        aspects_per_entity=diversity["aspects"]["aspects_per_entity"],
    )
    record_stats(run, stats)
    return stats
