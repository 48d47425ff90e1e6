"""The stage commands as plain Python calls of `flows.stages`, without Prefect. `kgsynth extract|generate|curate`
run this way unless Prefect is asked for (`--prefect`, or a Prefect server configured through PREFECT_API_URL):
starting Prefect's ephemeral server costs 6-20 s, more than a small stage's work, and nothing at all is worth it
when there is no work to do."""

from __future__ import annotations

import itertools
from pathlib import Path

from flows import stages
from flows.config import KgsynthConfig
from flows.stats import StageStats, Stopwatch, record_stats, stage_stats
from flows.workspace import Workspace, read_ids


def prefect_wanted(asked: bool) -> bool:
    """Prefect when asked for, or when a server is configured (its runs and UI are then what the user expects)."""
    from flows.preflight import prefect_api_url

    return asked or prefect_api_url() is not None


def batched(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def extract_direct(corpus: Path, ws: Workspace, cfg: KgsynthConfig) -> StageStats:
    """Extract the documents no earlier run has seen, merging each batch's facts into the graph as it comes, and
    write graph.json; with none new, the graph is not read or rewritten."""
    from kgraph.llm import endpoint, llm_from_config
    from kgraph.llm_extract import extract_documents, llm_documents

    clock = Stopwatch()
    run = ws.create().new_run()
    batches = stages.corpus_batches(ws, corpus, cfg.flows.extract_batch)
    first = next(batches, None)
    if first is None:
        stats = stage_stats("extract", 0, 0, clock=clock, note="no new documents")
        record_stats(run, stats)
        return stats
    merge, llm, has_endpoint = stages.start_extract(ws, run), None, endpoint(cfg.llm) is not None
    for documents, rejections in itertools.chain([first], batches):
        if llm is None and llm_documents(documents, cfg.extract, has_endpoint):
            llm = llm_from_config(cfg.llm, stages.llm_cache_path(ws))  # one client for every batch after
        found, rejected = extract_documents(documents, cfg.extract, llm)
        stages.merge_batch(merge, documents, found, rejections + rejected)
    usage = stages.usage_notes([llm.usage.report(cfg.llm)]) if llm else {}
    return stages.close_extract(merge, clock, usage)


def generate_direct(ws: Workspace, cfg: KgsynthConfig) -> StageStats:
    """Samples for the facts no earlier run generated from, each batch recorded as it finishes (as the flow does)."""
    clock = Stopwatch()
    run = ws.latest_run()
    if nothing_to_generate(ws, cfg):
        stats = stage_stats("generate", 0, 0, clock=clock, note="no pending facts")
        record_stats(run, stats)
        return stats
    facts, skipped = stages.generation_facts(ws, cfg)
    stages.record_skipped(ws, run, skipped)
    results = [
        stages.record_batch(ws, run, stages.generate_batch(ws, batch, cfg))
        for batch in batched(facts, cfg.flows.generate_batch)
    ]
    return stages.finish_generate(run, len(facts) + len(skipped), results, clock, skipped)


def nothing_to_generate(ws: Workspace, cfg: KgsynthConfig) -> bool:
    """No fact above the confidence gate is pending, read from graph.json alone: the planning index (which imports
    spaCy and lemmatises every entity) is built only when there is something to plan. Facts below the gate stay
    pending for good, so they cannot be what tells whether there is work."""
    from kgraph.graph import graph_facts, load_graph

    if not ws.graph.exists():
        return False  # pending_facts says which command to run first
    done = read_ids(ws.generated_facts)
    gate = cfg.generation.min_confidence
    return not any(f.id not in done and f.confidence >= gate for f in graph_facts(load_graph(ws.graph)))


def curate_direct(ws: Workspace, cfg: KgsynthConfig) -> StageStats:
    """Dedup and judge the latest run's samples."""
    return stages.curate_run(ws, ws.latest_run(), cfg)
