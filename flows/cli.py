"""The `kgsynth` command line. User errors end with one line that says what to do, and a non-zero exit."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="From domain literature to a domain fine-tune.")
console = Console(stderr=True)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="workspace folder, reused across runs")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="kgsynth.toml with per-stage settings")]
CorpusArg = Annotated[Path, typer.Argument(help="folder (or file) of .txt, .md, .jsonl or .pdf documents")]
BaseModelOpt = Annotated[
    str | None, typer.Option("--base-model", help="local path or hub id; default: a tiny model built from the corpus")
]
NameOpt = Annotated[str, typer.Option("--name", help="adapter name under WS/models/")]
MaxStepsOpt = Annotated[int | None, typer.Option("--max-steps", help="stop training after this many steps")]
RunnerOpt = Annotated[
    str | None, typer.Option("--runner", help="task runner for extraction and generation: threads (default) or dask")
]
PrefectOpt = Annotated[
    bool, typer.Option("--prefect", help="run as a Prefect flow (default: plain Python, unless PREFECT_API_URL is set)")
]
DaskAddressOpt = Annotated[
    str | None, typer.Option("--dask-address", help="Dask scheduler (tcp://host:8786); default: a LocalCluster")
]


def user_errors() -> tuple[type[Exception], ...]:
    from curation.dedup_redis import IndexUnavailable
    from curation.review_store import ReviewDbError
    from flows.config import ConfigError
    from flows.workspace import WorkspaceError
    from kgraph.corpus import CorpusError
    from kgraph.graph import GraphDamaged
    from training.sft import TrainingError

    return ConfigError, WorkspaceError, CorpusError, IndexUnavailable, TrainingError, GraphDamaged, ReviewDbError


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
        console.print("Prefect's local server was slow to start; trying once more", highlight=False)
        return action()


def guarded(
    action: Callable[[], list[dict] | dict], report: Callable[[dict], None] | None = None, lock: Path | None = None
) -> None:
    """Run a command (holding the workspace when it writes there); user errors become one line on stderr and
    exit code 2, results a summary table."""
    from flows.workspace import workspace_lock

    started = time.perf_counter()
    quiet_user_error_tracebacks()
    try:
        with workspace_lock(lock) if lock else nullcontext():
            result = retried_once_if_prefect_is_slow(action)
    except user_errors() as err:
        console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except RuntimeError as err:
        if not prefect_start_timeout(err):
            raise
        console.print(
            "[red]error:[/red] Prefect's local server did not start in time (machine busy?): run the command again, "
            "or start `prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(3) from None
    if report is not None:
        report(result)
        return
    print_summary(result if isinstance(result, list) else [result], time.perf_counter() - started)


def print_summary(stats: list[dict], seconds: float) -> None:
    table = Table(title="kgsynth summary")
    for column in ("stage", "in", "kept", "dropped by reason", "seconds", "notes"):
        table.add_column(column, overflow="fold")  # fold, never cut: a truncated reason or figure is lost
    for row in stats:
        dropped = ", ".join(f"{k}: {v}" for k, v in row.get("dropped", {}).items()) or "-"
        notes = ", ".join(
            f"{k}={round(v, 3) if isinstance(v, float) else v}"
            for k, v in row.items()
            if k not in ("stage", "in", "kept", "dropped", "seconds")
        )
        table.add_row(row["stage"], str(row["in"]), str(row["kept"]), dropped, f"{row['seconds']:.1f}", notes)
    console.print(table)
    console.print(f"total {seconds:.1f} s")


def config_for(config: Path | None, max_steps: int | None = None, runner: str | None = None, dask: str | None = None):
    from flows.config import load_config

    return load_config(config, {"train": {"max_steps": max_steps}, "flows": {"runner": runner, "dask_address": dask}})


def checked(cfg):
    """The config, once its LLM endpoint, Dask scheduler and Prefect server answer."""
    from flows.preflight import check_endpoints

    check_endpoints(cfg)
    return cfg


def workspace(path: Path, must_exist: bool = True):
    from flows.workspace import Workspace, WorkspaceError

    if must_exist and not path.exists():
        raise WorkspaceError(f"workspace {path} does not exist: run `kgsynth run CORPUS --workspace {path}` first")
    return Workspace(path)


@app.command()
def run(
    corpus: CorpusArg,
    workspace_dir: WorkspaceOpt,
    config: ConfigOpt = None,
    base_model: BaseModelOpt = None,
    name: NameOpt = "demo",
    max_steps: MaxStepsOpt = None,
    train: Annotated[bool, typer.Option("--train/--no-train", help="fine-tune at the end")] = True,
    runner: RunnerOpt = None,
    dask_address: DaskAddressOpt = None,
) -> None:
    """Everything, end to end: extract, generate, curate, export, train. A killed run resumes when started again."""

    def action():
        from flows.pipeline import run_flow

        cfg = config_for(config, max_steps, runner, dask_address)
        check_corpus(corpus)
        checked(cfg)
        return run_flow(corpus, workspace(workspace_dir, must_exist=False), cfg, base_model, name, train)

    guarded(action, lock=workspace_dir)


def check_corpus(corpus: Path) -> None:
    """Fail before starting any orchestration when the corpus path is unusable."""
    from kgraph.corpus import CorpusError

    if not corpus.exists():
        raise CorpusError(f"corpus path {corpus} does not exist: pass a folder of .txt/.md/.jsonl/.pdf files")


@app.command()
def extract(
    corpus: CorpusArg, workspace_dir: WorkspaceOpt, config: ConfigOpt = None, prefect: PrefectOpt = False
) -> None:
    """Read the corpus and merge its facts into WS/graph.json."""

    def action():
        from flows.direct import extract_direct, prefect_wanted

        cfg = checked(config_for(config))
        check_corpus(corpus)
        if not prefect_wanted(prefect):
            return extract_direct(corpus, workspace(workspace_dir, must_exist=False), cfg)
        from flows.pipeline import extract_flow

        return extract_flow(corpus, workspace(workspace_dir, must_exist=False).create(), cfg=cfg)

    guarded(action, lock=workspace_dir)


@app.command()
def generate(
    workspace_dir: WorkspaceOpt,
    config: ConfigOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="estimate requests, tokens and cost of the plan; send nothing")
    ] = False,
    prefect: PrefectOpt = False,
) -> None:
    """Write samples for the facts no earlier run generated from."""

    def action():
        from flows.direct import generate_direct, prefect_wanted
        from flows.stages import estimate_generate

        if dry_run:
            return estimate_generate(workspace(workspace_dir), config_for(config))

        ws = workspace(workspace_dir)
        ws.latest_run()  # fail in one line before Prefect starts when nothing was extracted yet
        if not prefect_wanted(prefect):
            return generate_direct(ws, checked(config_for(config)))
        from flows.pipeline import generate_flow

        return generate_flow(ws, checked(config_for(config)))

    guarded(action, lock=workspace_dir)


@app.command()
def curate(
    workspace_dir: WorkspaceOpt,
    config: ConfigOpt = None,
    report: Annotated[
        bool, typer.Option("--report", help="show how the judge agrees with people's reviews instead of curating")
    ] = False,
    prefect: PrefectOpt = False,
) -> None:
    """Remove near-duplicates and judge the latest run's samples."""

    def action():
        if report:
            from flows.stages import calibrate_judge

            return calibrate_judge(workspace(workspace_dir))
        from flows.direct import curate_direct, prefect_wanted

        ws = workspace(workspace_dir)
        ws.latest_run()
        if not prefect_wanted(prefect):
            return curate_direct(ws, checked(config_for(config)))
        from flows.pipeline import curate_flow

        return curate_flow(ws, checked(config_for(config)))

    guarded(action, print_calibration if report else None, lock=workspace_dir)


def print_calibration(result: dict) -> None:
    """Judge against people: agreement now, and per score the threshold that would agree best."""
    now = result["current"]
    console.print(
        f"judge {', '.join(result['judge']) or '-'}: {now['reviewed']} reviewed samples, people rejected "
        f"{now['people_reject']}, the judge doubted {now['judge_doubts']}; reject precision {now['precision']}, "
        f"recall {now['recall']}, Cohen's kappa {now['kappa']}"
        + (f" ({result['unmatched_reviews']} reviews without a verdict)" if result["unmatched_reviews"] else "")
    )
    table = Table(title="suggested thresholds (reject below)")
    for column in ("score", "threshold", "precision", "recall", "kappa"):
        table.add_column(column)
    for name, best in result["suggested"].items():
        table.add_row(name, *(str(best.get(k)) for k in ("threshold", "precision", "recall", "kappa")))
    console.print(table if result["suggested"] else "no suggestions yet: people must both accept and reject some")


@app.command()
def export(workspace_dir: WorkspaceOpt) -> None:
    """Write ShareGPT, Alpaca, dataset_info.json and an HF dataset of the accepted samples (no Prefect needed)."""

    def action():
        from flows.stages import export_workspace

        return export_workspace(workspace(workspace_dir))

    guarded(action, lock=workspace_dir)


@app.command()
def train(
    workspace_dir: WorkspaceOpt,
    config: ConfigOpt = None,
    base_model: BaseModelOpt = None,
    name: NameOpt = "demo",
    max_steps: MaxStepsOpt = None,
    merge: Annotated[bool, typer.Option("--merge", help="also save the merged model in WS/models/NAME/merged")] = False,
    qlora: Annotated[bool, typer.Option("--qlora", help="4-bit QLoRA (needs CUDA and bitsandbytes)")] = False,
    general_data: Annotated[
        Path | None, typer.Option("--general-data", help="local alpaca/sharegpt file mixed in against forgetting")
    ] = None,
    general_ratio: Annotated[
        float | None, typer.Option("--general-ratio", min=0, max=0.95, help="share of general rows (default 0.2)")
    ] = None,
    evaluate: Annotated[bool, typer.Option("--evaluate/--no-evaluate", help="closed-book QA after training")] = True,
) -> None:
    """LoRA fine-tune on the exported samples into WS/models/NAME (adapter, card, metrics, loss.png), then evaluate."""

    def action():
        from flows.config import load_config
        from flows.pipeline import train_flow

        overrides = {
            "train": {
                "max_steps": max_steps,
                "merge": merge or None,
                "qlora": qlora or None,
                "general_data": str(general_data) if general_data else None,
                "general_ratio": general_ratio,
            },
            "evaluate": {"after_training": evaluate},
        }
        return train_flow(workspace(workspace_dir), load_config(config, overrides), base_model, name)

    guarded(action, lock=workspace_dir)


@app.command("evaluate")
def evaluate_command(
    workspace_dir: WorkspaceOpt,
    model: Annotated[Path, typer.Option("--model", help="fine-tune folder, WS/models/NAME")],
    config: ConfigOpt = None,
) -> None:
    """Closed-book QA before and after: trained questions, held-out paraphrases, control facts, everyday questions."""

    def action():
        from flows.pipeline import evaluate_flow
        from flows.workspace import WorkspaceError

        if not (model / "adapter_config.json").exists():
            raise WorkspaceError(
                f"{model} holds no adapter: train one with `kgsynth train --workspace {workspace_dir}`"
            )
        return evaluate_flow(workspace(workspace_dir), config_for(config), model)

    guarded(action, lock=workspace_dir)


@app.command()
def probe(
    workspace_dir: WorkspaceOpt,
    base_model: Annotated[str, typer.Option("--base-model", help="local path or hub id of the model to fine-tune")],
    known_quota: Annotated[
        float, typer.Option("--known-quota", min=0, max=1, help="share of the usual samples for facts it knows")
    ] = 0.5,
) -> None:
    """Before generating: which facts the base model already knows (true object vs distractors); they get fewer samples."""

    def action():
        from flows.stages import probe_workspace

        return probe_workspace(workspace(workspace_dir), base_model, known_quota)

    guarded(action, lock=workspace_dir)


@app.command()
def review(
    workspace_dir: WorkspaceOpt,
    host: Annotated[str, typer.Option("--host", help="address to listen on; off loopback a token is required")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8765,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="KGSYNTH_REVIEW_TOKEN", help="access token; made up and printed if needed"),
    ] = None,
    restore: Annotated[
        bool, typer.Option("--restore", help="rebuild a lost WS/state/review.db from review-journal.jsonl first")
    ] = False,
) -> None:
    """Serve the page where people accept, reject or edit the flagged samples (no Prefect needed)."""
    from curation.review_journal import restore as restore_decisions
    from flows.stages import REVIEW_DB, queue_flagged

    def action():
        ws = workspace(workspace_dir)
        ws.latest_run()
        if restore:
            restored = restore_decisions(ws.state / REVIEW_DB, lambda: queue_flagged(ws))
            console.print(f"restored {restored} decisions into {ws.state / REVIEW_DB}", highlight=False)
        return queue_flagged(ws)

    guarded(action)
    from curation.review_app import serve

    serve(workspace(workspace_dir).state / REVIEW_DB, host, port, token)


@app.command()
def schedule(
    corpus: CorpusArg,
    workspace_dir: WorkspaceOpt,
    cron: Annotated[str, typer.Option("--cron", help='when to run, as cron, e.g. "0 2 * * *" (2 am daily)')],
    config: ConfigOpt = None,
    runner: RunnerOpt = None,
    dask_address: DaskAddressOpt = None,
    train: Annotated[bool, typer.Option("--train/--no-train", help="fine-tune at the end of each run")] = False,
) -> None:
    """Serve a Prefect deployment that runs the pipeline on a schedule (needs `prefect server start`)."""

    def action():
        from flows.schedule import serve_schedule

        check_corpus(corpus)
        config_for(config, runner=runner, dask=dask_address)
        return serve_schedule(
            corpus, workspace(workspace_dir, must_exist=False), cron, config, runner, dask_address, train
        )

    guarded(action)


@app.command()
def graph(
    workspace_dir: WorkspaceOpt,
    picture: Annotated[bool, typer.Option("--picture/--no-picture", help="write WS/graph.png")] = True,
) -> None:
    """Print the graph's stats and top entities; write WS/graph.png and WS/graph.graphml (no Prefect needed)."""

    def action():
        from flows.stages import graph_report

        return graph_report(workspace(workspace_dir), picture)

    def report(stats: dict) -> None:
        table = Table(title=f"graph of {workspace_dir}")
        table.add_column("measure")
        table.add_column("value")
        for key, value in stats.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
            elif isinstance(value, list):
                value = ", ".join(f"{name} ({degree})" for name, degree in value) or "-"
            table.add_row(key.replace("_", " "), str(value))
        console.print(table)
        console.print(
            f"wrote {workspace_dir / 'graph.graphml'}" + (f" and {workspace_dir / 'graph.png'}" if picture else "")
        )

    guarded(action, report)


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # offline: no failed telemetry errors
    # Prefect's 20 s default is missed on a busy 2-core machine; a slow start beats a traceback.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    app(args=sys.argv[1:], prog_name="kgsynth")
