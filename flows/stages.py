"""Each stage over a workspace, as plain functions: what is new, one batch of work, and the bookkeeping after.
The Prefect flows call these; tests and notebooks can too."""

from __future__ import annotations

import functools
import json
import shutil
import time
from pathlib import Path

from curation.calibrate import calibration_report
from curation.dedup import (
    EvalFileError,
    IndexDamaged,
    dedup_samples,
    drop_contaminated,
    heldout_questions,
    load_index,
    read_eval_questions,
    rebuild_index,
    save_index,
)
from curation.llm_judge import judge_samples
from curation.records import Verdict
from curation.review_store import connect, enqueue, make_entry, read_reviews, reviewed_samples
from flows.config import ConfigError, KgsynthConfig
from flows.workspace import (
    Workspace,
    WorkspaceError,
    append_ids,
    read_ids,
    read_jsonl,
    record_stats,
    stage_stats,
    write_jsonl,
)
from generation.budget import select_facts
from generation.diversity import diversity_report
from generation.estimate import estimate_generation
from generation.generate import run_generation
from generation.offline import OfflineGenerator
from generation.plan import MIN_CONFIDENCE, FactIndex
from generation.records import Sample
from kgraph.corpus import read_corpus
from kgraph.entities import add_aliases, alias_index, find_abbreviations, typed_fact
from kgraph.extract import unreadable_documents
from kgraph.graph import (
    add_facts,
    attach_aliases,
    graph_facts,
    graph_stats,
    load_graph,
    merge_facts,
    save_graph,
    save_graphml,
)
from kgraph.llm import LLM, OpenAICompatible, llm_from_config, retry_could_fix
from kgraph.llm_extract import ExtractConfig, extract_documents
from kgraph.records import Document, Fact, Rejection
from training.export import export_samples
from training.probe import quota_groups, read_quota

KNOWN_DOCUMENTS = "documents.ids"
GENERATED_FACTS = "generated_facts.ids"
ACCEPTED = "accepted.jsonl"
FLAGGED = "flagged.jsonl"
REVIEW_DB = "review.db"
ALIASES = "aliases.tsv"
FACT_QUOTA = "fact_quota.json"


def new_documents(ws: Workspace, corpus: Path) -> tuple[list[Document], list[Rejection]]:
    """Documents of the corpus that no earlier run has extracted, and the files that could not be read."""
    documents, rejections = read_corpus(corpus)
    known = read_ids(ws.state / KNOWN_DOCUMENTS)
    return [d for d in documents if d.id not in known], rejections


def extract_batch(
    documents: list[Document], cfg: ExtractConfig | None = None, llm: LLM | None = None
) -> tuple[list[Fact], list[Rejection]]:
    """Facts of a batch of documents: spaCy rules in one pipe, the LLM extractor where the config sends documents."""
    return extract_documents(documents, cfg, llm)


def finish_extract(
    ws: Workspace,
    run: Path,
    documents: list[Document],
    facts: list[Fact],
    rejections: list[Rejection],
    started: float,
    usage: dict | None = None,
) -> dict:
    """Merge the facts into graph.json, record the documents as known, and write the run's files."""
    graph = load_graph(ws.graph)
    # Abbreviations defined in the new documents join the workspace alias table (WS/aliases.tsv, editable).
    learned = {short: long for d in documents for short, long in find_abbreviations(d.text).items()}
    aliases = add_aliases(ws.root / ALIASES, learned)
    facts = merge_facts([typed_fact(f, alias_index(aliases)) for f in facts])
    new = add_facts(graph, facts)
    attach_aliases(graph, aliases)
    save_graph(graph, ws.graph)
    save_graphml(graph, ws.root / "graph.graphml")
    unreadable = unreadable_documents(documents, facts)
    write_jsonl(run / "documents.jsonl", documents)
    write_jsonl(run / "facts.jsonl", facts)
    write_jsonl(run / "rejections.jsonl", rejections + unreadable)
    # A document whose LLM extraction failed in a way a rerun could fix is not recorded as known.
    failed = {r.item_id for r in rejections if retry_could_fix(r.reason)}
    append_ids(ws.state / KNOWN_DOCUMENTS, [d.id for d in documents if d.id not in failed])
    stats = stage_stats(
        "extract",
        len(documents) + len(rejections),
        len(documents) - len(unreadable),
        rejections + unreadable,
        time.perf_counter() - started,
        facts=len(facts),
        new_facts=new,
        graph_nodes=graph.number_of_nodes(),
        graph_edges=graph.number_of_edges(),
        **(usage or {}),
    )
    record_stats(run, stats)
    return stats


def graph_report(ws: Workspace, picture: bool = True) -> dict:
    """`kgsynth graph`: the graph's stats, a PNG of its most connected part and a GraphML copy beside graph.json."""
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: run `kgsynth extract CORPUS --workspace {ws.root}` first")
    graph = load_graph(ws.graph)
    save_graphml(graph, ws.root / "graph.graphml")
    stats = graph_stats(graph)
    if picture:
        from kgraph.picture import draw_graph

        stats["picture_nodes"] = draw_graph(graph, ws.root / "graph.png")
    return stats


def pending_facts(ws: Workspace) -> list[Fact]:
    """Facts in the graph that no earlier generation finished."""
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: run `kgsynth extract CORPUS --workspace {ws.root}` first")
    done = read_ids(ws.state / GENERATED_FACTS)
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


def generate_batch(ws: Workspace, facts: list[Fact], cfg: KgsynthConfig) -> dict:
    """Samples for a batch of facts, written nowhere, so a cached, retried or remote batch is safe to replay."""
    llm = llm_from_config(cfg.llm, llm_cache_path(ws)) or OfflineGenerator()
    # `kgsynth probe` may have given facts the base model already knows a smaller quota.
    groups = quota_groups(facts, read_quota(ws.state / FACT_QUOTA), cfg.generation)
    samples, rejections = run_generation(list(groups), graph_index(ws.graph, cfg.generation.min_confidence), llm)
    usage = llm.usage.report(cfg.llm) if isinstance(llm, OpenAICompatible) else {}
    return {"fact_ids": [f.id for f in facts], "samples": samples, "rejections": rejections, "usage": usage}


def estimate_generate(ws: Workspace, cfg: KgsynthConfig) -> dict:
    """`kgsynth generate --dry-run`: requests, tokens and cost of the pending facts, nothing sent."""
    facts, _ = generation_facts(ws, cfg)
    llm = llm_from_config(cfg.llm, llm_cache_path(ws))
    index = graph_index(ws.graph, cfg.generation.min_confidence)
    return estimate_generation(facts, index, cfg.generation, cfg.llm, llm)


def generation_facts(ws: Workspace, cfg: KgsynthConfig) -> tuple[list[Fact], list[Rejection]]:
    """The pending facts that feed generation, and the rest as Rejections by reason (the confidence gate, generic
    arguments, each document's sample budget), decided over all pending facts before they are batched."""
    return select_facts(pending_facts(ws), graph_index(ws.graph, cfg.generation.min_confidence), cfg.generation)


def record_skipped(ws: Workspace, run: Path, skipped: list[Rejection]) -> None:
    """Write the skipped facts beside the run's rejections and mark them done, except those below the confidence
    gate: they stay pending, so a recalibrated or better-attested fact is taken up by a later run."""
    write_jsonl(run / "rejections.jsonl", skipped)
    append_ids(ws.state / GENERATED_FACTS, [r.item_id for r in skipped if r.reason != "low_confidence"])


def usage_notes(results: list[dict]) -> dict:
    """Summed LLM usage and cost of the batches (empty offline)."""
    reports = [r["usage"] for r in results if r.get("usage")]
    if not reports:
        return {}
    totals = {key: sum(r[key] for r in reports) for key in reports[0]}
    return {**totals, "cost_usd": round(totals["cost_usd"], 6)}


def record_batch(ws: Workspace, run: Path, batch: dict) -> dict:
    """Write a batch's samples, then mark its facts done: a kill in between redoes the batch, and readers
    keep one sample per id, so a repeated batch never duplicates samples."""
    write_jsonl(run / "samples.jsonl", batch["samples"])
    write_jsonl(run / "rejections.jsonl", batch["rejections"])
    # A fact with a request that failed in a way a rerun could fix stays pending; its other samples are kept.
    failed = {r.item_id for r in batch["rejections"] if retry_could_fix(r.reason)}
    append_ids(ws.state / GENERATED_FACTS, [i for i in batch["fact_ids"] if i not in failed])
    return {**batch, "facts": len(batch["fact_ids"]), "samples": len(batch["samples"]), "pending": len(failed)}


def run_samples(run: Path) -> list[Sample]:
    """The run's samples, one per id (a batch redone after a kill may have written some twice)."""
    return list({s.id: s for s in read_jsonl(run / "samples.jsonl", Sample)}.values())


def finish_generate(run: Path, facts: int, results: list[dict], started: float, skipped: list[Rejection] = ()) -> dict:
    rejections = [*skipped, *(r for result in results for r in result["rejections"])]
    samples = sum(result["samples"] for result in results)
    diversity = diversity_report(run_samples(run))
    (run / "diversity.json").write_text(json.dumps(diversity, indent=1), encoding="utf-8")
    stats = stage_stats(
        "generate",
        facts,
        samples,
        rejections,
        time.perf_counter() - started,
        facts=facts,
        facts_used=facts - len(skipped),
        samples=samples,
        facts_left_pending=sum(result.get("pending", 0) for result in results),
        **usage_notes(results),
        types_per_fact=diversity["question_types_per_fact"],
        distinct_2=diversity["distinct_2"],
        question_similarity=diversity["mean_pairwise_similarity"],
        entities_with_aspect=diversity["aspects"]["entities_with_aspect"],
        aspects_per_entity=diversity["aspects"]["aspects_per_entity"],
    )
    record_stats(run, stats)
    return stats


def judge_llm(cfg: KgsynthConfig) -> LLM | None:
    """The LLM the judge uses: the configured endpoint unless the judge is set offline."""
    llm = None if cfg.judge.mode == "offline" else llm_from_config(cfg.llm)
    if cfg.judge.mode == "llm" and llm is None:
        raise ConfigError("judge.mode is llm but no LLM endpoint is configured: set [llm] base_url or OPENAI_BASE_URL")
    return llm


def eval_questions(path: Path) -> list[str]:
    """The configured evaluation questions; a broken file is a config error (one line, exit 2), not a traceback."""
    try:
        return read_eval_questions(path)
    except EvalFileError as err:
        raise ConfigError(f"dedup.eval_file: {err}") from err


def judged_samples(ws: Workspace, ids: set[str] | None = None) -> list[Sample]:
    """Every sample a curate kept past dedup (it has a verdict), over all runs: what the dedup index holds."""
    ids = all_verdict_ids(ws) if ids is None else ids
    return [s for run in sorted(ws.runs.glob("*")) for s in read_jsonl(run / "samples.jsonl", Sample) if s.id in ids]


def all_verdicts(ws: Workspace) -> list[Verdict]:
    return [v for run in sorted(ws.runs.glob("*")) for v in read_jsonl(run / "verdicts.jsonl", Verdict)]


def all_verdict_ids(ws: Workspace) -> set[str]:
    return {v.sample_id for v in all_verdicts(ws)}


def curate_run(ws: Workspace, run: Path, cfg: KgsynthConfig) -> dict:
    """Dedup the run's samples against every earlier run, judge the rest, and queue them by decision."""
    started = time.perf_counter()
    samples = run_samples(run)
    judged = {v.sample_id for v in read_jsonl(run / "verdicts.jsonl", Verdict)}
    # a duplicate dropped by an earlier curate of this run is done too: it never gets a verdict
    judged |= {r.item_id for r in read_jsonl(run / "rejections.jsonl", Rejection) if r.stage == "dedup"}
    samples = [s for s in samples if s.id not in judged]
    if not samples:  # nothing to do: the graph, the index and the accepted samples are not read or rewritten
        stats = stage_stats("curate", 0, 0, [], time.perf_counter() - started, accepted=0, flagged=0)
        record_stats(run, stats)
        return stats
    questions = heldout_questions(ws.models, read_jsonl(ws.state / ACCEPTED, Sample))
    questions += eval_questions(cfg.dedup.eval_file) if cfg.dedup.eval_file else []
    clean, contaminated = drop_contaminated(samples, questions, cfg.dedup)
    curated = all_verdict_ids(ws)
    try:
        index, rebuilt = load_index(ws.state, cfg.dedup), {}
    except IndexDamaged as err:
        kept_before = judged_samples(ws, curated)
        index = rebuild_index(kept_before, ws.state, cfg.dedup)
        rebuilt = {"index_rebuilt": f"{err}; rebuilt from {len(kept_before)} judged samples, old file kept as .damaged"}
    unique, rejections = dedup_samples(clean, index, cfg.dedup)
    # A curate killed after saving the index but before its verdicts left samples the index knows and no run
    # judged: judge them now instead of losing them as already curated.
    unjudged = {r.item_id for r in rejections if r.reason == "already_curated"} - curated
    unique += [s for s in clean if s.id in unjudged]
    rejections = contaminated + [r for r in rejections if r.item_id not in unjudged]
    facts = {f.id: f for f in graph_facts(load_graph(ws.graph))}
    llm = judge_llm(cfg)
    verdicts = judge_samples(unique, facts, cfg.judge, llm)
    usage = llm.usage.report(cfg.llm) if isinstance(llm, OpenAICompatible) else {}
    by_id = {s.id: s for s in unique}
    accepted = [by_id[v.sample_id] for v in verdicts if v.decision == "accept"]
    flagged = [by_id[v.sample_id] for v in verdicts if v.decision == "flag"]
    rejections += [
        Rejection(item_id=v.sample_id, stage="judge", reason=v.reasons[0], detail=", ".join(v.reasons))
        for v in verdicts
        if v.decision == "reject"
    ]
    # The verdicts come last: they mark the samples curated, so a kill before them redoes the judging (readers
    # keep one sample per id, so accepted samples written twice count once).
    write_jsonl(ws.state / ACCEPTED, accepted)
    write_jsonl(ws.state / FLAGGED, flagged)
    write_jsonl(run / "rejections.jsonl", rejections)
    save_index(index, ws.state, cfg.dedup)
    write_jsonl(run / "verdicts.jsonl", verdicts)
    stats = stage_stats(
        "curate",
        len(samples),
        len(accepted),
        rejections,
        time.perf_counter() - started,
        accepted=len(accepted),
        flagged=len(flagged),
        **rebuilt,
        **usage,
    )
    record_stats(run, stats)
    return stats


def calibrate_judge(ws: Workspace) -> dict:
    """Agreement of the judge's verdicts (every run) with people's latest reviews in review.db."""
    if not ws.state.exists():
        raise WorkspaceError(f"no curated runs in {ws.root}: run `kgsynth curate --workspace {ws.root}` first")
    return calibration_report(all_verdicts(ws), read_reviews(ws.state / REVIEW_DB, latest_only=True))


def accepted_samples(ws: Workspace) -> list[Sample]:
    """Every accepted sample of every run, once each, as people reviewed it: their edits win, their rejections go."""
    reviewed, rejected = reviewed_samples(ws.state / REVIEW_DB)
    samples = {s.id: s for s in read_jsonl(ws.state / ACCEPTED, Sample)} | {s.id: s for s in reviewed}
    return [s for s in samples.values() if s.id not in rejected]


def queue_flagged(ws: Workspace) -> dict:
    """Put every run's flagged and audit samples into WS/state/review.db with their facts and source passages."""
    started = time.perf_counter()
    runs = sorted(p for p in ws.runs.glob("*") if p.is_dir())
    verdicts = {v.sample_id: v for run in runs for v in read_jsonl(run / "verdicts.jsonl", Verdict)}
    flagged = {i for i, v in verdicts.items() if v.decision == "flag"}
    samples = {s.id: s for s in read_jsonl(ws.state / FLAGGED, Sample)}
    if flagged - samples.keys():
        runs_samples = (s for run in runs for s in read_jsonl(run / "samples.jsonl", Sample))
        samples |= {s.id: s for s in runs_samples if s.id in flagged}
    rejections = [
        Rejection(item_id=i, stage="review", reason="sample_missing", detail="flagged by the judge but in no file")
        for i in sorted(flagged - samples.keys())
    ]
    facts = {f.id: f for f in graph_facts(load_graph(ws.graph))} if ws.graph.exists() else {}
    cited = {e.doc_id for s in samples.values() for e in s.evidence}
    documents = {d.id: d for run in runs for d in read_jsonl(run / "documents.jsonl", Document) if d.id in cited}
    conn = connect(ws.state / REVIEW_DB)
    try:
        added = enqueue(conn, (make_entry(s, verdicts.get(s.id), facts, documents) for s in samples.values()))
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    return stage_stats("review", len(samples) + len(rejections), len(samples), rejections, seconds, newly_queued=added)


def export_workspace(ws: Workspace, cfg: KgsynthConfig | None = None) -> list[dict]:
    """Write WS/export from all accepted samples, with the outputs [export] asks for and the dataset card; a summary
    row for each output."""
    from flows.eval_sets import export_eval_sets
    from flows.export_card import write_export_card  # it reads the verdicts through this module
    from flows.preference import export_preference

    started, cfg = time.perf_counter(), cfg or KgsynthConfig()
    samples = accepted_samples(ws)
    if not samples:
        raise WorkspaceError(f"no accepted samples in {ws.root}: run `kgsynth curate`, or review flagged samples")
    # Written aside, then swapped in: a kill leaves the old export or the new one, never half of one.
    partial, old = ws.root / "export.partial", ws.root / "export.old"
    for folder in (partial, old):
        shutil.rmtree(folder, ignore_errors=True)
    counts = export_samples(samples, partial)
    rows = [stage_stats("export", len(samples), counts["sharegpt"], [], time.perf_counter() - started)]
    if cfg.export.preference:
        rows.append(export_preference(ws, cfg, samples, partial))
    if cfg.export.eval_sets:
        rows.append(export_eval_sets(ws, cfg, samples, partial))
    write_export_card(ws, samples, partial, cfg.export)
    if ws.export.exists():
        ws.export.rename(old)
    partial.rename(ws.export)
    shutil.rmtree(old, ignore_errors=True)
    return rows


def export_complete(ws: Workspace, cfg: KgsynthConfig | None = None) -> bool:
    """Whether WS/export holds a finished export with every output [export] asks for (it is swapped in whole, so
    its files mean it finished)."""
    from training.lm_eval_task import TASK_DIR
    from training.preference import DPO_FILE

    cfg = cfg or KgsynthConfig()
    wanted = ["dataset_info.json", "hf"] + [DPO_FILE] * cfg.export.preference + [TASK_DIR] * cfg.export.eval_sets
    return all((ws.export / name).exists() for name in wanted)


def training_rows(ws: Workspace) -> list[dict]:
    """Chat rows for SFT, read from the exported HF dataset (what a user would hand to any trainer)."""
    from datasets import load_from_disk

    if not (ws.export / "hf").exists():
        raise WorkspaceError(f"no export in {ws.root}: run `kgsynth export --workspace {ws.root}` first")
    return list(load_from_disk(str(ws.export / "hf")))


def ensure_base_model(ws: Workspace, base_model: str | None) -> str:
    """The given base model, or the workspace's tiny model (built once from the corpus's documents)."""
    if base_model:
        return base_model
    from training.tiny import save_tiny_base

    tiny = ws.models / "tiny-base"
    if not (tiny / "config.json").exists():
        texts = [d.text for run in sorted(ws.runs.glob("*")) for d in read_jsonl(run / "documents.jsonl", Document)]
        if not texts:
            raise WorkspaceError("no documents in the workspace to train a tokenizer on: run `kgsynth extract` first")
        save_tiny_base(texts, tiny)
    return str(tiny)


def train_workspace(ws: Workspace, cfg: KgsynthConfig, base_model: str | None, name: str) -> dict:
    """Fine-tune a LoRA adapter on the accepted samples into WS/models/<name>."""
    from training.sft import train_lora
    from training.tiny import from_scratch_config

    started = time.perf_counter()
    rows = training_rows(ws)
    if not rows:
        raise WorkspaceError(f"the export in {ws.root} is empty: run `kgsynth export --workspace {ws.root}` again")
    base = ensure_base_model(ws, base_model)
    sources = sorted({d.path for run in ws.runs.glob("*") for d in read_jsonl(run / "documents.jsonl", Document)})
    train_cfg = cfg.train if base_model else from_scratch_config(cfg.train)  # the random tiny base needs more
    metrics = train_lora(rows, base, ws.models / name, train_cfg, sources)
    return stage_stats(
        "train",
        len(rows),
        metrics["split"]["train"]["samples"],
        [],
        time.perf_counter() - started,
        held_out=len(rows) - metrics["split"]["train"]["samples"],
        general_rows=metrics["general_rows"],
        steps=metrics["steps"],
        first_loss=round(metrics["first_loss"], 3),
        last_loss=round(metrics["last_loss"], 3),
    )


def evaluate_workspace(ws: Workspace, cfg: KgsynthConfig, model_dir: Path) -> dict:
    """Closed-book QA of a fine-tune before and after, on the questions its split held out (and some it trained on)."""
    from training.evaluate import evaluate_model

    started = time.perf_counter()
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: the facts to score against come from it")
    result = evaluate_model(model_dir, training_rows(ws), graph_facts(load_graph(ws.graph)), cfg.evaluate)
    notes = {
        f"{name}_after": f"{row['after']:.0%} (before {row['before']:.0%})" for name, row in result["sets"].items()
    }
    asked = sum(row["questions"] for row in result["sets"].values())
    return stage_stats("evaluate", asked, asked, [], time.perf_counter() - started, **notes)


def probe_workspace(ws: Workspace, base_model: str, known_quota: float) -> dict:
    """Which facts the base model already knows; writes WS/state/fact_quota.json, which generation reads."""
    from training.probe import probe_model

    started = time.perf_counter()
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: run `kgsynth extract CORPUS --workspace {ws.root}` first")
    result = probe_model(base_model, graph_facts(load_graph(ws.graph)), ws.state / FACT_QUOTA, known_quota)
    return stage_stats("probe", result["facts"], result["facts"], [], time.perf_counter() - started, **result)
