"""Prefect flows: one per stage and the pipeline that runs them in order. Tasks work on batches, never
single items, because each task run costs milliseconds of orchestration (see bench/prefect_tasks.py)."""

# No `from __future__ import annotations`: a served flow reaches its runner pickled by value, and
# Prefect validates parameters from real annotations, since string ones would need this module's globals.
import hashlib
import json
import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from prefect import flow, task

import kgraph.extract
from flows import cpt, preference, resume, stages
from flows.config import ConfigError, KgsynthConfig
from flows.direct import batched
from flows.labels import report_key, run_logger, run_name, tag_run
from flows.report import build_report
from flows.report_html import build_html
from flows.runners import FlowsConfig, in_order, in_window, shared_cluster, task_runner, worker_processes
from flows.stats import StageStats, Stopwatch, read_stats, stage_stats
from flows.workspace import Workspace, WorkspaceError
from generation.offline import OfflineGenerator
from generation.prompts import PROMPT_VERSION
from kgraph.llm import endpoint, llm_from_config, retry_could_fix
from kgraph.llm_extract import llm_documents
from kgraph.records import Document, Fact, Rejection, content_id

LLM_LIMIT = "kgsynth-llm"
RUN_STATE = "run.json"


def file_hash(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest() if path.exists() else ""


def extractor_code_hash() -> str:
    """Every kgraph module shapes the facts (rules, spans, vocabulary, prompts): any edit invalidates the cache."""
    folder = Path(kgraph.extract.__file__).parent
    return content_id(*(file_hash(p) for p in sorted(folder.glob("*.py"))))


def extract_key(context, parameters: dict) -> str:
    """Same documents (content-hashed ids), extractor code, settings and model: same facts."""
    cfg: KgsynthConfig = parameters["cfg"]
    found = endpoint(cfg.llm)
    return content_id(
        "extract",
        extractor_code_hash(),
        cfg.extract.model_dump(),
        found[2] if found else "offline",
        [d.id for d in parameters["documents"]],
    )


def generate_key(context, parameters: dict) -> str:
    """Same facts, graph, model, prompt version and generation settings: same samples (the client is no part)."""
    cfg: KgsynthConfig = parameters["cfg"]
    found = endpoint(cfg.llm)
    return content_id(
        "generate",
        found[2] if found else f"{OfflineGenerator.provider}/{OfflineGenerator.model}",
        PROMPT_VERSION,
        cfg.generation.model_dump(),
        file_hash(parameters["ws"].graph),
        parameters["fact_ids"],
    )


def batch_task(name: str, retries: int, retry_delay_seconds: int, cache_key_fn):
    """A task over one batch whose result is cached by content (as JSON; `cached` keeps it in the workspace)."""
    return task(
        name=name,
        retries=retries,
        retry_delay_seconds=retry_delay_seconds,
        cache_key_fn=cache_key_fn,
        persist_result=True,
        result_serializer="json",
    )


@batch_task("kgsynth-extract-batch", retries=1, retry_delay_seconds=2, cache_key_fn=extract_key)
def extract_task(ws: Workspace, documents: list[Document], cfg: KgsynthConfig) -> dict:
    """One batch of documents, through the LLM extractor where the config sends them (the flow holds the slot)."""
    sent = llm_documents(documents, cfg.extract, endpoint(cfg.llm) is not None)
    llm = llm_from_config(cfg.llm, stages.llm_cache_path(ws)) if sent else None
    facts, rejections = stages.extract_batch(documents, cfg.extract, llm)
    return {"facts": facts, "rejections": rejections, "usage": llm.usage.report(cfg.llm) if llm else {}}


@batch_task("kgsynth-generate-batch", retries=2, retry_delay_seconds=5, cache_key_fn=generate_key)
def generate_task(ws: Workspace, fact_ids: list[str], cfg: KgsynthConfig) -> dict:
    """One batch of facts, passed by id (Prefect walks every parameter of every task, and a list of ids is
    cheap to walk); its requests share the process's LLM connection with the other batches."""
    return stages.generate_batch(ws, stages.graph_facts_by_id(ws, fact_ids), cfg)


@contextmanager
def llm_slot(cfg: KgsynthConfig, needed: bool) -> Iterator[None]:
    """While a flow calls the LLM it holds one slot of the global limit kgsynth-llm, shared by every flow on the
    Prefect server. One slot per flow, not per batch: batches come and go in seconds, and each acquisition is a
    round trip that, under contention, the server answers with a wait of seconds."""
    if not needed:
        yield
        return
    from prefect.concurrency.sync import concurrency

    ensure_llm_limit(cfg.flows.llm_slots)
    timeout = cfg.flows.llm_slot_timeout
    with ExitStack() as held:
        try:
            held.enter_context(
                concurrency(LLM_LIMIT, occupy=1, timeout_seconds=timeout, lease_duration=60, strict=True)
            )
        except TimeoutError:
            raise ConfigError(
                f"waited {timeout:g} s ([flows] llm_slot_timeout) for a slot of the LLM limit {LLM_LIMIT}: other flows "
                f"hold them all. Try later, or raise the limit with `prefect gcl update {LLM_LIMIT} --limit N`"
            ) from None
        yield


def cached(stage_task, ws: Workspace):
    """The task with its results kept in the workspace, so the cache lives and dies with the workspace."""
    return stage_task.with_options(result_storage=ws.state / "task-results")


def forget_result(ws: Workspace, key: str) -> None:
    """Drop a cached task result whose batch had failures a rerun could fix."""
    (ws.state / "task-results" / key).unlink(missing_ok=True)


def ensure_llm_limit(slots: int) -> None:
    """Create the global LLM limit when the server lacks it; an existing one keeps its (server-side) value."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(LLM_LIMIT)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=LLM_LIMIT, limit=slots))
            except ObjectAlreadyExists:
                pass  # another flow created it a moment ago


@flow(name="kgsynth-extract", flow_run_name=run_name("extract"))
def extract_flow(corpus: Path, ws: Workspace, run: Path | None = None, cfg: KgsynthConfig | None = None) -> StageStats:
    """Read the corpus, extract facts from documents no earlier run has seen, merge them into graph.json batch by
    batch as they finish (at most `batches_in_flight` batches, with their texts, are out at once)."""
    tag_run("extract", ws)
    cfg = cfg or KgsynthConfig()
    clock = Stopwatch()
    run = run or ws.create().new_run()
    log = run_logger()
    log.info("new documents of %s in batches of %d", corpus, cfg.flows.extract_batch)
    merge, extract, usage = stages.start_extract(ws, run), cached(extract_task, ws), []
    with ExitStack() as slot:
        batches = stages.corpus_batches(ws, corpus, cfg.flows.extract_batch)
        finished = in_order(
            lambda batch: extract.submit(ws, batch[0], cfg), slotted(batches, cfg, slot), cfg.flows.batches_in_flight
        )
        for done, (batch, result) in enumerate(finished, 1):
            documents, rejections = batch
            batch_rejections = [Rejection.model_validate(r) for r in result["rejections"]]
            if any(retry_could_fix(r.reason) for r in batch_rejections):  # asked again on the next run
                forget_result(ws, extract_key(None, {"cfg": cfg, "documents": documents}))
            facts = [Fact.model_validate(f) for f in result["facts"]]
            stages.merge_batch(merge, documents, facts, rejections + batch_rejections)
            usage.append(result["usage"])
            log.info("batch %d: %d documents, %d facts; the graph has %d", done, len(documents), len(facts),
                     merge.graph.number_of_edges())  # fmt: skip
    stats = stages.close_extract(merge, clock, stages.usage_notes(usage))
    log.info("%d facts extracted; the graph has %d entities", stats.facts, stats.graph_nodes)
    return stats


def slotted(batches: Iterator[tuple], cfg: KgsynthConfig, slot: ExitStack) -> Iterator[tuple]:
    """The batches, taking the flow's LLM slot (held until `slot` closes) before the first one that needs the LLM."""
    has_endpoint, held = endpoint(cfg.llm) is not None, False
    for batch in batches:
        if not held and llm_documents(batch[0], cfg.extract, has_endpoint):
            slot.enter_context(llm_slot(cfg, True))
            held = True
        yield batch


@flow(name="kgsynth-generate", flow_run_name=run_name("generate"))
def generate_flow(ws: Workspace, cfg: KgsynthConfig, run: Path | None = None) -> StageStats:
    """Write samples for every fact that no earlier run generated from, recording each batch as it finishes."""
    tag_run("generate", ws)
    clock = Stopwatch()
    run = run or ws.latest_run()
    facts, skipped = stages.generation_facts(ws, cfg)
    log = run_logger()
    log.info("%d facts to generate from (%d set aside), in batches of %d", len(facts), len(skipped),
             cfg.flows.generate_batch)  # fmt: skip
    stages.record_skipped(ws, run, skipped)
    generate = cached(generate_task, ws)
    with llm_slot(cfg, bool(facts) and endpoint(cfg.llm) is not None):
        batches = batched(facts, cfg.flows.generate_batch)
        finished = in_window(
            lambda batch: generate.submit(ws, [f.id for f in batch], cfg), batches, cfg.flows.batches_in_flight
        )
        # Only this process writes: remote workers return records, so appends never interleave.
        recorded = []
        for done, result in enumerate(finished, 1):
            # a result cached before batches were records comes back as a dict
            recorded.append(stages.record_batch(ws, run, stages.GeneratedBatch.model_validate(result)))
            log.info("batch %d of %d: %d samples", done, len(batches), recorded[-1].written)
    for batch in recorded:
        if batch.pending:  # a rerun must ask again, not replay the failure from the task cache
            forget_result(ws, generate_key(None, {"cfg": cfg, "ws": ws, "fact_ids": batch.fact_ids}))
    return stages.finish_generate(run, len(facts) + len(skipped), recorded, clock, skipped)


@flow(name="kgsynth-curate", flow_run_name=run_name("curate"))
def curate_flow(ws: Workspace, cfg: KgsynthConfig, run: Path | None = None) -> StageStats:
    """Dedup and judge the run's samples."""
    tag_run("curate", ws)
    run = run or ws.latest_run()
    run_logger().info("dedup and judge the samples of run %s", run.name)
    stats = stages.curate_run(ws, run, cfg)
    run_logger().info(
        "%d samples: %d accepted, %d flagged for review, dropped %s",
        stats.seen, stats.accepted, stats.flagged, stats.dropped or "none",
    )  # fmt: skip
    return stats


@task(name="kgsynth-export")
def export_task(ws: Workspace, cfg: KgsynthConfig) -> list[StageStats]:
    """The export inside a run, as a task so it shows in the run's graph."""
    stats = stages.export_workspace(ws, cfg)
    run_logger().info("exported %d samples to %s", stats[0].kept, ws.export)
    return stats


# `kgsynth train --method`: each method's stage, called with (ws, cfg, base_model, name); its summary row names the
# adapter it wrote as `adapter` when that is not WS/models/NAME.
TRAINERS = {
    "sft": stages.train_workspace,
    "dpo": preference.train_dpo_workspace,
    "cpt": cpt.train_cpt_workspace,
    "resume": resume.resume_workspace,
}


@task(name="kgsynth-cpt")
def cpt_task(ws: Workspace, cfg: KgsynthConfig) -> StageStats:
    """Continued-pretraining text inside a run, when `[cpt] enabled` is set."""
    from flows.cpt import export_cpt

    stats = export_cpt(ws, cfg)
    run_logger().info("wrote %d continued-pretraining passages to %s", stats.kept, ws.export / "cpt.jsonl")
    return stats


@flow(name="kgsynth-train", flow_run_name=run_name("train"))
def train_flow(ws: Workspace, cfg: KgsynthConfig, base_model: str | None, name: str, method: str = "sft") -> StageStats:
    """LoRA fine-tune (SFT on the exported samples, or a later step on its adapter), then closed-book QA before
    and after (one summary row)."""
    tag_run("train", ws)
    if method not in TRAINERS:
        raise ConfigError(f"unknown training method {method!r}: choose one of {', '.join(TRAINERS)}")
    run_logger().info("%s LoRA training on %s, adapter %s", method, base_model or "the default base", ws.models / name)
    stats = TRAINERS[method](ws, cfg, base_model, name)
    run_logger().info("%s", stats.row())
    # Closed-book QA asks a chat model, which CPT does not make; a resume evaluates itself, to compare versions.
    if not cfg.evaluate.after_training or method in ("cpt", "resume"):
        return stats
    evaluation = stages.evaluate_workspace(ws, cfg, Path(stats.counters.get("adapter", ws.models / name)))
    notes = {k: v for k, v in evaluation.counters.items() if k.endswith("_after")}
    return stats.with_counters(**notes, seconds=stats.seconds + evaluation.seconds)


@flow(name="kgsynth-evaluate", flow_run_name=run_name("evaluate"))
def evaluate_flow(ws: Workspace, cfg: KgsynthConfig, model_dir: Path) -> StageStats:
    """Closed-book QA of a fine-tune before and after."""
    tag_run("evaluate", ws)
    run_logger().info("closed-book QA of %s before and after", model_dir)
    return stages.evaluate_workspace(ws, cfg, model_dir)


def llm_share(cfg: KgsynthConfig, flows_cfg: FlowsConfig) -> KgsynthConfig:
    """The settings for tasks on the runner. On Dask every worker process has its own LLM connection and bound,
    so each gets its share of `[llm] concurrency`, and the endpoint sees the configured number in flight."""
    if flows_cfg.runner != "dask":
        return cfg
    address = flows_cfg.dask_address
    share = max(1, cfg.llm.concurrency // (worker_processes(address) if address else flows_cfg.dask_workers))
    return cfg.model_copy(update={"llm": cfg.llm.model_copy(update={"concurrency": share})})


def alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return False  # another machine's process: its run folder is taken over only when it is unfinished
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()


def open_run(ws: Workspace) -> Path:
    """The latest run when it never finished (it was killed), so it resumes; else a new run."""
    runs = sorted(p for p in ws.runs.glob("*") if (p / RUN_STATE).exists())
    state = json.loads((runs[-1] / RUN_STATE).read_text()) if runs else {}
    if state.get("status") == "running" and alive(state.get("pid", 0), state.get("host", "")):
        raise WorkspaceError(f"another kgsynth run (pid {state['pid']}) is working in {ws.root}: wait for it")
    run = runs[-1] if state.get("status") == "running" else ws.new_run()
    (run / RUN_STATE).write_text(json.dumps({"status": "running", "pid": os.getpid(), "host": socket.gethostname()}))
    return run


def skipped(stage: str, note: str) -> StageStats:
    return stage_stats(stage, 0, 0, note=note)


@task(name="kgsynth-report")
def publish_report(ws: Workspace, run: Path, model_dir: Path | None = None) -> Path:
    """Write WS/runs/<id>/report.md and report.html (with the fine-tune's evaluation and loss curve when there is
    one) and show the markdown as the workspace's artifact in the Prefect UI."""
    from prefect.artifacts import create_markdown_artifact

    markdown = build_report(run, model_dir)
    path = run / "report.md"
    path.write_text(markdown, encoding="utf-8")
    (run / "report.html").write_text(build_html(run, model_dir, ws.root / "graph.png"), encoding="utf-8")
    create_markdown_artifact(markdown=markdown, key=report_key(ws), description=f"kgsynth run {run.name} in {ws.root}")
    run_logger().info("report: %s", path)
    return path


@flow(name="kgsynth-run", flow_run_name=run_name("run"))
def run_flow(
    corpus: Path,
    ws: Workspace,
    cfg: KgsynthConfig,
    base_model: str | None = None,
    name: str = "demo",
    train: bool = True,
) -> list[StageStats]:
    """Everything, end to end: extract, generate, curate, export, train. Later runs do only new work, and a
    killed run picks up where it stopped."""
    tag_run("run", ws)
    ws.create()
    run = open_run(ws)
    run_logger().info("run %s in %s", run.name, ws.root)
    done = read_stats(run)
    with shared_cluster(cfg.flows) as flows_cfg:
        on_runner = llm_share(cfg, flows_cfg)
        extract = done.get("extract") or extract_flow.with_options(task_runner=task_runner(flows_cfg))(
            corpus, ws, run, on_runner
        )
        generate = generate_flow.with_options(task_runner=task_runner(flows_cfg))(ws, on_runner, run)
    summary = [extract, generate, curate_flow(ws, cfg, run)]
    nothing_new = summary[-1].accepted == 0 and generate.samples == 0
    # An export or a training that a kill cut short is redone even when nothing is new.
    if nothing_new and stages.export_complete(ws, cfg):
        summary.append(skipped("export", "nothing new: export kept"))
    elif not stages.accepted_samples(ws):
        summary.append(skipped("export", "no accepted samples: export and training skipped (see the judge's reasons)"))
        train = False
    else:
        summary += export_task(ws, cfg)
    if cfg.cpt.enabled:
        summary.append(cpt_task(ws, cfg))
    if train and nothing_new and (ws.models / name / "adapter_model.safetensors").exists():
        summary.append(skipped("train", "nothing new: training skipped"))
    elif train:
        summary.append(train_flow(ws, cfg, base_model, name))
    publish_report(ws, run, ws.models / name if train else None)
    (run / RUN_STATE).write_text(json.dumps({"status": "finished"}))
    return summary
