"""Where the flows' tasks run: threads on this machine (default) or a Dask cluster, and the batch sizes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import BaseModel, Field


class FlowsConfig(BaseModel):
    """Orchestration settings: task runner, batch sizes and the shared LLM concurrency limit."""

    model_config = {"extra": "forbid"}
    runner: Literal["threads", "dask"] = Field(
        default="threads", description="task runner for extraction and generation: threads, or dask"
    )
    dask_address: str | None = Field(
        default=None, description="Dask scheduler address (tcp://host:8786); unset: a LocalCluster per run"
    )
    dask_workers: int = Field(default=2, ge=1, le=256, description="LocalCluster worker processes")
    extract_batch: int = Field(default=32, ge=1, le=10_000, description="documents per extraction task")
    generate_batch: int = Field(default=64, ge=1, le=10_000, description="facts per generation task")
    batches_in_flight: int = Field(
        default=2,
        ge=1,
        le=1024,
        description="generation batches running at once (they share the process's LLM connection); "
        "two per Dask worker keeps every worker busy",
    )
    llm_slots: int = Field(
        default=4,
        ge=1,
        le=1024,
        description="flows calling the LLM at once across the Prefect server "
        "(global concurrency limit kgsynth-llm, created with this value when missing)",
    )
    llm_slot_timeout: float = Field(
        default=900, gt=0, description="seconds a flow waits for an LLM slot before it fails"
    )


def task_runner(cfg: FlowsConfig):
    """The Prefect task runner the settings ask for (a fresh instance: runners are started once each)."""
    from prefect.task_runners import ThreadPoolTaskRunner

    if cfg.runner == "threads":
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner

    if cfg.dask_address:
        return DaskTaskRunner(address=cfg.dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": cfg.dask_workers, "threads_per_worker": 1})


def worker_processes(address: str) -> int:
    """How many worker processes the Dask scheduler has now; each keeps its own LLM connection."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        return max(1, len(client.nthreads()))


@contextmanager
def shared_cluster(cfg: FlowsConfig) -> Iterator[FlowsConfig]:
    """One LocalCluster for a whole pipeline run, so extraction and generation do not each start one."""
    if cfg.runner != "dask" or cfg.dask_address:
        yield cfg
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=cfg.dask_workers, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cfg.model_copy(update={"dask_address": cluster.scheduler_address})
