"""`kgsynth schedule`: a served Prefect deployment that runs the pipeline on a cron schedule, one run at a time,
each doing only the work the corpus's new or changed documents bring."""

# No `from __future__ import annotations`: a served flow reaches its runner pickled by value, and
# Prefect validates parameters from real annotations, since string ones would need this module's globals.
from pathlib import Path

from prefect import flow
from pydantic import BaseModel, field_validator

from flows.config import ConfigError, KgsynthConfig, load_config
from flows.labels import workspace_slug
from flows.pipeline import run_flow
from flows.preflight import check_endpoints, prefect_api_url
from flows.stats import StageStats, Stopwatch, stage_stats
from flows.workspace import Workspace

NO_SERVER = (
    "schedules need a running Prefect server (the ephemeral one has no scheduler): start one with "
    "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api"
)


class ScheduledRun(BaseModel):
    """What every scheduled run is given, named once: the deployment's parameters and the served flow's argument.
    Paths are made absolute, as the runner may start elsewhere."""

    corpus: Path
    workspace: Path
    config: Path | None = None
    runner: str | None = None
    dask_address: str | None = None
    train: bool = False

    @field_validator("corpus", "workspace", "config")
    @classmethod
    def absolute(cls, path: Path | None) -> Path | None:
        return path.resolve() if path else None

    def settings(self) -> KgsynthConfig:
        """The config file read now (each run reads it again, so an edit applies from the next run on)."""
        return load_config(self.config, {"flows": {"runner": self.runner, "dask_address": self.dask_address}})


@flow(name="kgsynth-scheduled")
def scheduled_flow(run: ScheduledRun) -> list[StageStats]:
    """One scheduled run."""
    return run_flow(run.corpus, Workspace(run.workspace), run.settings(), train=run.train)


def deployment_name(ws: Workspace) -> str:
    """Readable and unique per workspace folder, so two workspaces called `ws` do not share a deployment."""
    return workspace_slug(ws)


def check_cron(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError as err:
        raise ConfigError(f'`--cron`: {cron!r} is not a cron expression (e.g. "0 2 * * *")') from err


def serve_schedule(run: ScheduledRun, cron: str) -> StageStats:
    """Validate everything, then serve until stopped: no overlapping runs, and the schedule survives a restart."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType

    check_cron(cron)
    if not prefect_api_url():
        raise ConfigError(NO_SERVER)
    check_endpoints(run.settings())
    clock, ws = Stopwatch(), Workspace(run.workspace).create()
    scheduled_flow.serve(
        name=deployment_name(ws),
        cron=cron,
        parameters={"run": run.model_dump(mode="json")},
        # A run still going when the next one is due: the new one is cancelled, never run alongside.
        global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        pause_on_shutdown=False,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return stage_stats("schedule", 0, 0, clock=clock)
