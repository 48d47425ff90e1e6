"""Where the flows' tasks run: threads on this machine (default) or a Dask cluster, the batch sizes, and how many
batches are out at once."""

from __future__ import annotations

import os
from collections import deque
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
        description="extraction or generation batches running at once (a generation batch shares the process's "
        "LLM connection); two per Dask worker keeps every worker busy",
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
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": cfg.dask_workers, "threads_per_worker": 1, "env": worker_environment()}
    )


def worker_processes(address: str) -> int:
    """How many worker processes the Dask scheduler has now; each keeps its own LLM connection."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        return max(1, len(client.nthreads()))


def worker_environment() -> dict[str, str]:
    """PREFECT_API_URL for LocalCluster workers: the configured server, else this process's temporary one (started
    now). Without it every worker process started a temporary Prefect server of its own for its first task (50 s
    on a busy 2-core machine) and recorded its task runs where no one looks."""
    from flows.preflight import prefect_api_url

    url = prefect_api_url()
    if url is None:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the one this process's Prefect client uses: one instance per process
        # the variable read now (`kgsynth` sets it to 180 s): Prefect's settings may be cached already
        server.start(timeout=int(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")))
        url = server.api_url
    return {"PREFECT_API_URL": url}


@contextmanager
def shared_cluster(cfg: FlowsConfig) -> Iterator[FlowsConfig]:
    """One LocalCluster for a whole pipeline run, so extraction and generation do not each start one."""
    if cfg.runner != "dask" or cfg.dask_address:
        yield cfg
        return
    from distributed import LocalCluster

    workers = {"n_workers": cfg.dask_workers, "threads_per_worker": 1, "env": worker_environment()}
    with LocalCluster(**workers, dashboard_address=None) as cluster:
        yield cfg.model_copy(update={"dask_address": cluster.scheduler_address})


def in_window(submit, batches: list, window: int) -> Iterator:
    """Results of the batches as they finish, with at most `window` running: enough overlap that the LLM
    connection stays full while one batch finishes, few enough that batches finish (and are recorded) in order."""
    from prefect.futures import as_completed

    waiting, running = list(batches), []
    while waiting or running:
        while waiting and len(running) < window:
            running.append(submit(waiting.pop(0)))
        done = next(as_completed(running))
        running.remove(done)
        yield done.result()


def in_order(submit, batches: Iterator, window: int) -> Iterator[tuple]:
    """(batch, result) in the order the batches come, with at most `window` submitted and unfinished: the batches
    are read from the corpus only as the window frees, and merged in corpus order, so graphs do not depend on
    which worker finished first."""
    running: deque = deque()
    for batch in batches:
        running.append((batch, submit(batch)))
        if len(running) >= window:
            oldest, future = running.popleft()
            yield oldest, future.result()
    while running:
        oldest, future = running.popleft()
        yield oldest, future.result()
