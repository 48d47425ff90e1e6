"""The curate stage: dedup and judge a run's samples; the review queue and the judge's agreement with people."""

from __future__ import annotations

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
from curation.review_store import connect, enqueue, make_entry, read_reviews
from flows.config import ConfigError, KgsynthConfig
from flows.stages.generate import run_samples
from flows.stats import StageStats, Stopwatch, record_stats, stage_stats
from flows.workspace import (
    Workspace,
    WorkspaceError,
    read_jsonl,
    write_jsonl,
)
from generation import syntax
from generation.records import Sample
from kgraph.graph import (
    graph_facts,
    load_graph,
)
from kgraph.llm import LLM, OpenAICompatible, llm_from_config
from kgraph.records import Document, Rejection
from training.records import SPLIT_FILE, Split, read_record


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


def evaluation_ids(ws: Workspace) -> set[str]:
    """Samples some fine-tune of the workspace holds out for evaluation (its split.json): never trained on later."""
    splits = (read_record(path, Split) for path in ws.models.glob(f"*/{SPLIT_FILE}"))
    return {i for split in splits if split for i in split.evaluation_ids()}


def judged_samples(ws: Workspace, ids: set[str] | None = None) -> list[Sample]:
    """Every sample a curate kept past dedup (it has a verdict), over all runs: what the dedup index holds."""
    ids = all_verdict_ids(ws) if ids is None else ids
    return [s for run in sorted(ws.runs.glob("*")) for s in read_jsonl(run / "samples.jsonl", Sample) if s.id in ids]


def all_verdicts(ws: Workspace) -> list[Verdict]:
    return [v for run in sorted(ws.runs.glob("*")) for v in read_jsonl(run / "verdicts.jsonl", Verdict)]


def all_verdict_ids(ws: Workspace) -> set[str]:
    return {v.sample_id for v in all_verdicts(ws)}


def curate_run(ws: Workspace, run: Path, cfg: KgsynthConfig) -> StageStats:
    """Dedup the run's samples against every earlier run, judge the rest, and queue them by decision."""
    clock = Stopwatch()
    samples = run_samples(run)
    judged = {v.sample_id for v in read_jsonl(run / "verdicts.jsonl", Verdict)}
    # a duplicate dropped by an earlier curate of this run is done too: it never gets a verdict
    judged |= {r.item_id for r in read_jsonl(run / "rejections.jsonl", Rejection) if r.stage == "dedup"}
    samples = [s for s in samples if s.id not in judged]
    if not samples:  # nothing to do: the graph, the index and the accepted samples are not read or rewritten
        stats = stage_stats("curate", 0, 0, clock=clock, accepted=0, flagged=0)
        record_stats(run, stats)
        return stats
    questions = heldout_questions(evaluation_ids(ws), read_jsonl(ws.accepted, Sample))
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
    with syntax.kept_parses(run):
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
    write_jsonl(ws.accepted, accepted)
    write_jsonl(ws.flagged, flagged)
    write_jsonl(run / "rejections.jsonl", rejections)
    save_index(index, ws.state, cfg.dedup)
    write_jsonl(run / "verdicts.jsonl", verdicts)
    stats = stage_stats(
        "curate",
        len(samples),
        len(accepted),
        rejections,
        clock,
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
    return calibration_report(all_verdicts(ws), read_reviews(ws.review_db, latest_only=True))


def queue_flagged(ws: Workspace) -> StageStats:
    """Put every run's flagged and audit samples into WS/state/review.db with their facts and source passages."""
    clock = Stopwatch()
    runs = sorted(p for p in ws.runs.glob("*") if p.is_dir())
    verdicts = {v.sample_id: v for run in runs for v in read_jsonl(run / "verdicts.jsonl", Verdict)}
    flagged = {i for i, v in verdicts.items() if v.decision == "flag"}
    samples = {s.id: s for s in read_jsonl(ws.flagged, Sample)}
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
    conn = connect(ws.review_db)
    try:
        added = enqueue(conn, (make_entry(s, verdicts.get(s.id), facts, documents) for s in samples.values()))
    finally:
        conn.close()
    seen = len(samples) + len(rejections)
    return stage_stats("review", seen, len(samples), rejections, clock, newly_queued=added)
