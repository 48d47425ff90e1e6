"""`kgsynth schedule`: a served Prefect deployment that runs the pipeline on a cron schedule, one run at a time,
each doing only the work the corpus's new or changed documents bring."""

# No `from __future__ import annotations`: a served flow reaches its runner pickled by value, and
# Prefect validates parameters from real annotations, since string ones would need this module's globals.
import time
from pathlib import Path

from prefect import flow

from flows.config import ConfigError, load_config
from flows.labels import workspace_slug
from flows.pipeline import run_flow
from flows.preflight import check_endpoints, prefect_api_url
from flows.workspace import Workspace

NO_SERVER = (
    "schedules need a running Prefect server (the ephemeral one has no scheduler): start one with "
    "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def flows_overrides(runner: str | None, dask_address: str | None) -> dict:
    return {"flows": {"runner": runner, "dask_address": dask_address}}


@flow(name="kgsynth-scheduled")
def scheduled_flow(
    corpus: str,
    workspace: str,
    config: str | None = None,
    runner: str | None = None,
    dask_address: str | None = None,
    train: bool = False,
) -> list[dict]:
    """One scheduled run; the config file is read each time, so an edit applies from the next run on."""
    cfg = load_config(Path(config) if config else None, flows_overrides(runner, dask_address))
    return run_flow(Path(corpus), Workspace(Path(workspace)), cfg, train=train)


def deployment_name(ws: Workspace) -> str:
    """Readable and unique per workspace folder, so two workspaces called `ws` do not share a deployment."""
    return workspace_slug(ws)


def check_cron(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError as err:
        raise ConfigError(f'`--cron`: {cron!r} is not a cron expression (e.g. "0 2 * * *")') from err


def serve_schedule(
    corpus: Path,
    ws: Workspace,
    cron: str,
    config: Path | None = None,
    runner: str | None = None,
    dask_address: str | None = None,
    train: bool = False,
) -> dict:
    """Validate everything, then serve until stopped: no overlapping runs, and the schedule survives a restart."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType

    check_cron(cron)
    if not prefect_api_url():
        raise ConfigError(NO_SERVER)
    check_endpoints(load_config(config, flows_overrides(runner, dask_address)))
    started = time.perf_counter()
    ws.create()
    scheduled_flow.serve(
        name=deployment_name(ws),
        cron=cron,
        parameters={
            "corpus": str(corpus.resolve()),
            "workspace": str(ws.root.resolve()),
            "config": str(config.resolve()) if config else None,
            "runner": runner,
            "dask_address": dask_address,
            "train": train,
        },
        # A run still going when the next one is due: the new one is cancelled, never run alongside.
        global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        pause_on_shutdown=False,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return {"stage": "schedule", "in": 0, "kept": 0, "dropped": {}, "seconds": time.perf_counter() - started}
