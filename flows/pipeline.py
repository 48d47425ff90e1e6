"""Prefect flows: one per stage and the pipeline that runs them in order. Tasks work on batches, never
single items, because each task run costs milliseconds of orchestration."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, task

from flows import stages
from flows.config import KgsynthConfig
from flows.workspace import Workspace
from kgraph.llm import llm_from_config
from kgraph.records import Document, Fact

EXTRACT_BATCH = 32
GENERATE_BATCH = 64


def batched(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@task(retries=1, retry_delay_seconds=2)
def extract_task(documents: list[Document]) -> list[Fact]:
    return stages.extract_batch(documents)


@task(retries=2, retry_delay_seconds=5)
def generate_task(ws: Workspace, run: Path, facts: list[Fact], cfg: KgsynthConfig) -> dict:
    return stages.generate_batch(ws, run, facts, cfg, llm_from_config(cfg.llm))


@flow(name="extract")
def extract_flow(corpus: Path, ws: Workspace, run: Path | None = None) -> dict:
    """Read the corpus, extract facts from documents no earlier run has seen, merge them into graph.json."""
    started = time.perf_counter()
    run = run or ws.create().new_run()
    documents, rejections = stages.new_documents(ws, corpus)
    futures = [extract_task.submit(batch) for batch in batched(documents, EXTRACT_BATCH)]
    facts = [fact for future in futures for fact in future.result()]
    return stages.finish_extract(ws, run, documents, facts, rejections, started)


@flow(name="generate")
def generate_flow(ws: Workspace, cfg: KgsynthConfig, run: Path | None = None) -> dict:
    """Write samples for every fact that no earlier run generated from."""
    started = time.perf_counter()
    run = run or ws.latest_run()
    facts = stages.pending_facts(ws)
    # Batches run one after another: the LLM calls inside a batch are already concurrent.
    results = [generate_task(ws, run, batch, cfg) for batch in batched(facts, GENERATE_BATCH)]
    return stages.finish_generate(run, len(facts), results, started)


@flow(name="curate")
def curate_flow(ws: Workspace, cfg: KgsynthConfig, run: Path | None = None) -> dict:
    """Dedup and judge the run's samples."""
    return stages.curate_run(ws, run or ws.latest_run(), cfg)


@flow(name="train")
def train_flow(ws: Workspace, cfg: KgsynthConfig, base_model: str | None, name: str) -> dict:
    """LoRA fine-tune on the exported samples."""
    return stages.train_workspace(ws, cfg, base_model, name)


@flow(name="kgsynth-run")
def run_flow(
    corpus: Path,
    ws: Workspace,
    cfg: KgsynthConfig,
    base_model: str | None = None,
    name: str = "demo",
    train: bool = True,
) -> list[dict]:
    """Everything, end to end: extract, generate, curate, export, train. Later runs do only new work."""
    ws.create()
    run = ws.new_run()
    summary = [extract_flow(corpus, ws, run), generate_flow(ws, cfg, run), curate_flow(ws, cfg, run)]
    if summary[-1]["accepted"] == 0 and summary[1]["samples"] == 0:
        summary.append(
            {
                "stage": "export",
                "in": 0,
                "kept": 0,
                "dropped": {},
                "seconds": 0.0,
                "note": "nothing new: export and training skipped",
            }
        )
        return summary
    summary.append(stages.export_workspace(ws))
    if train:
        summary.append(train_flow(ws, cfg, base_model, name))
    return summary
