"""How every command runs its work: holding the workspace, trying a slow Prefect start twice, user errors as one
line on stderr with exit code 2, and the result shown as the command's output asked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.markup import escape

from flows.cli_output import note, show, show_summary, stderr, working_streams


def user_errors() -> tuple[type[Exception], ...]:
    from curation.dedup_redis import IndexUnavailable
    from curation.review_store import ReviewDbError
    from flows.config import ConfigError
    from flows.workspace import WorkspaceError
    from kgraph.corpus import CorpusError
    from kgraph.graph import GraphDamaged
    from training.hub import HubError
    from training.records import TrainingFileError
    from training.sft import TrainingError

    errors = ConfigError, WorkspaceError, CorpusError, IndexUnavailable, TrainingError, GraphDamaged, ReviewDbError
    return (*errors, HubError, TrainingFileError)


class UserErrorTracebacks(logging.Filter):
    """Drops Prefect's traceback logs for user errors: the command reports those itself, in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], user_errors()))


def quiet_user_error_tracebacks() -> None:
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, UserErrorTracebacks) for f in logger.filters):
            logger.addFilter(UserErrorTracebacks())


def prefect_start_timeout(err: BaseException) -> bool:
    return isinstance(err, RuntimeError) and "ephemeral Prefect API server" in str(err)


def retried_once_if_prefect_is_slow(action: Callable[[], list[dict] | dict]) -> list[dict] | dict:
    """The ephemeral server times out before any stage work starts; on a loaded machine a second try often works
    (every stage resumes, so nothing is done twice)."""
    try:
        return action()
    except RuntimeError as err:
        if not prefect_start_timeout(err):
            raise
        note("Prefect's local server was slow to start; trying once more")
        return action()


def guarded(
    action: Callable[[], list[dict] | dict],
    render: Callable | None = None,
    lock: Path | None = None,
) -> None:
    """Run a command (holding the workspace when it writes there); user errors become one line on stderr and
    exit code 2; the result is shown by `render` (stage stats: the summary table), or as JSON with --json."""
    from flows.stats import Stopwatch
    from flows.workspace import workspace_lock

    clock = Stopwatch()
    quiet_user_error_tracebacks()
    try:
        with workspace_lock(lock) if lock else nullcontext(), working_streams():
            result = retried_once_if_prefect_is_slow(action)
    except user_errors() as err:
        stderr.print(f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except RuntimeError as err:
        if not prefect_start_timeout(err):
            raise
        stderr.print(
            "[red]error:[/red] Prefect's local server did not start in time (machine busy?): run the command again, "
            "or start `prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(3) from None
    if render is not None:
        show(result, render)
        return
    show_summary(result if isinstance(result, list) else [result], clock.seconds)
