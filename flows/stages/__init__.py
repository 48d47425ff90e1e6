"""Each stage over a workspace, as plain functions, one module per stage: what is new, one batch of work, and the
bookkeeping after. The Prefect flows (flows/pipeline.py) and the plain-Python commands (flows/direct.py) call them;
tests and notebooks can too. The workspace (flows/workspace.py) names every file they read and write."""

from flows.stages.curate import (
    all_verdict_ids,
    all_verdicts,
    calibrate_judge,
    curate_run,
    eval_questions,
    judge_llm,
    judged_samples,
    queue_flagged,
)
from flows.stages.export import accepted_samples, export_complete, export_workspace, push_export
from flows.stages.extract import extract_batch, finish_extract, graph_report, new_documents
from flows.stages.generate import (
    GeneratedBatch,
    RecordedBatch,
    estimate_generate,
    finish_generate,
    generate_batch,
    generation_facts,
    graph_facts_by_id,
    graph_index,
    index_of_graph_file,
    llm_cache_path,
    pending_facts,
    record_batch,
    record_skipped,
    run_samples,
    usage_notes,
)
from flows.stages.train import ensure_base_model, evaluate_workspace, probe_workspace, train_workspace, training_rows

__all__ = [
    "GeneratedBatch",
    "RecordedBatch",
    "accepted_samples",
    "all_verdict_ids",
    "all_verdicts",
    "calibrate_judge",
    "curate_run",
    "ensure_base_model",
    "estimate_generate",
    "eval_questions",
    "evaluate_workspace",
    "export_complete",
    "export_workspace",
    "extract_batch",
    "finish_extract",
    "finish_generate",
    "generate_batch",
    "generation_facts",
    "graph_facts_by_id",
    "graph_index",
    "graph_report",
    "index_of_graph_file",
    "judge_llm",
    "judged_samples",
    "llm_cache_path",
    "new_documents",
    "pending_facts",
    "probe_workspace",
    "push_export",
    "queue_flagged",
    "record_batch",
    "record_skipped",
    "run_samples",
    "train_workspace",
    "training_rows",
    "usage_notes",
]
