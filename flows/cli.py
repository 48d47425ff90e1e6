"""The `kgsynth` command line. User errors end with one line that says what to do, and a non-zero exit."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_guard import guarded
from flows.cli_inputs import check_corpus, checked, config_for, workspace
from flows.cli_options import (
    ENVIRONMENT,
    BaseModelOpt,
    ConfigOpt,
    CorpusArg,
    DaskAddressOpt,
    FocusMissedOpt,
    GeneralDataOpt,
    GeneralRatioOpt,
    MaxStepsOpt,
    MergeOpt,
    NameOpt,
    PrefectOpt,
    QloraOpt,
    ReasoningOpt,
    ResumeOpt,
    RunnerOpt,
    VersionOpt,
    WorkspaceOpt,
    output_options,
)
from flows.cli_output import calibration_table, graph_table, note, print_push

app = typer.Typer(no_args_is_help=True, help="From domain literature to a domain fine-tune.", epilog=ENVIRONMENT)


@app.callback()
def kgsynth(version: VersionOpt = False) -> None:
    """Options before any command: --version, and typer's --install-completion and --show-completion."""


@app.command()
@output_options
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
    reasoning: ReasoningOpt = None,
) -> None:
    """Everything, end to end: extract, generate, curate, export, train. A killed run resumes when started again."""

    def action():
        from flows.pipeline import run_flow

        cfg = config_for(config, max_steps, runner, dask_address, reasoning)
        check_corpus(corpus)
        checked(cfg)
        return run_flow(corpus, workspace(workspace_dir, must_exist=False), cfg, base_model, name, train)

    guarded(action, lock=workspace_dir)


@app.command()
@output_options
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
@output_options
def generate(
    workspace_dir: WorkspaceOpt,
    config: ConfigOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="estimate requests, tokens and cost of the plan; send nothing")
    ] = False,
    prefect: PrefectOpt = False,
    reasoning: ReasoningOpt = None,
    focus_missed: FocusMissedOpt = False,
    name: NameOpt = "demo",
) -> None:
    """Write samples for the facts no earlier run generated from (or, with --focus-missed, for the facts missed)."""

    def action():
        cfg = config_for(config, reasoning=reasoning)
        if focus_missed:
            from flows.resume import generate_focus

            return generate_focus(workspace(workspace_dir), checked(cfg), name)
        if dry_run:
            from flows.stages import estimate_generate

            return estimate_generate(workspace(workspace_dir), cfg)
        return stage_on_latest_run("generate", workspace_dir, cfg, prefect)

    guarded(action, lock=workspace_dir)


@app.command()
@output_options
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
        return stage_on_latest_run("curate", workspace_dir, config_for(config), prefect)

    guarded(action, calibration_table if report else None, lock=workspace_dir)


def stage_on_latest_run(stage: str, workspace_dir: Path, cfg, prefect: bool):
    """generate or curate over the latest run, as plain Python unless Prefect is asked for or configured; with
    nothing extracted yet, one line before anything starts."""
    from flows.direct import curate_direct, generate_direct, prefect_wanted

    ws = workspace(workspace_dir)
    ws.latest_run()
    cfg = checked(cfg)
    if not prefect_wanted(prefect):
        return {"generate": generate_direct, "curate": curate_direct}[stage](ws, cfg)
    from flows import pipeline

    return {"generate": pipeline.generate_flow, "curate": pipeline.curate_flow}[stage](ws, cfg)


@app.command()
@output_options
def export(
    workspace_dir: WorkspaceOpt,
    config: ConfigOpt = None,
    cpt: Annotated[
        bool, typer.Option("--cpt", help="also write continued-pretraining text to WS/export/cpt.jsonl")
    ] = False,
    push_to_hub: Annotated[
        str | None, typer.Option("--push-to-hub", help="then upload WS/export to this Hub dataset repo (USER/NAME)")
    ] = None,
    private: Annotated[bool, typer.Option("--private", help="create the Hub repository private")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list what --push-to-hub would upload; no network")
    ] = False,
    preference: Annotated[
        bool | None,
        typer.Option("--preference/--no-preference", help="also dpo.jsonl (TRL) and a LLaMA-Factory ranking entry"),
    ] = None,
    eval_sets: Annotated[
        bool | None,
        typer.Option("--eval-sets/--no-eval-sets", help="also held-out facts for lm-eval, EvalScope, OpenCompass"),
    ] = None,
) -> None:
    """Write ShareGPT, Alpaca, dataset_info.json, an HF dataset, the dataset card and the outputs asked for
    (preference pairs, evaluation sets, continued-pretraining text); no Prefect needed."""

    def action():
        from flows.config import load_config
        from flows.stages import accepted_samples, export_workspace, push_export
        from training.hub import check_push

        pushing = push_to_hub or dry_run or private
        if pushing:
            check_push(push_to_hub, dry_run)
        cfg = load_config(config, {"export": {"preference": preference, "eval_sets": eval_sets}})
        ws = workspace(workspace_dir)
        with_cpt = cpt or cfg.cpt.enabled
        # The continued-pretraining text comes from the graph: it is written even before any sample is accepted.
        stats = export_workspace(ws, cfg) if not with_cpt or accepted_samples(ws) else []
        if with_cpt:
            from flows.cpt import export_cpt

            stats.append(export_cpt(ws, checked(cfg)))
        if pushing:
            stats.append(push_export(ws.export, push_to_hub, private, dry_run))
        return stats[0] if len(stats) == 1 else stats

    guarded(action, print_push if push_to_hub else None, lock=workspace_dir)


class TrainMethod(StrEnum):
    """Each a trainer in flows.pipeline.TRAINERS."""

    sft = "sft"
    dpo = "dpo"
    cpt = "cpt"


@app.command()
@output_options
def train(
    workspace_dir: WorkspaceOpt,
    config: ConfigOpt = None,
    base_model: BaseModelOpt = None,
    name: NameOpt = "demo",
    max_steps: MaxStepsOpt = None,
    merge: MergeOpt = False,
    qlora: QloraOpt = False,
    general_data: GeneralDataOpt = None,
    general_ratio: GeneralRatioOpt = None,
    evaluate: Annotated[bool, typer.Option("--evaluate/--no-evaluate", help="closed-book QA after training")] = True,
    method: Annotated[
        TrainMethod,
        typer.Option(
            "--method",
            help="sft: on the exported samples; dpo: on export/dpo.jsonl, continuing WS/models/NAME into NAME-dpo; "
            "cpt: continued pretraining on export/cpt.jsonl (into WS/models/cpt unless --name)",
        ),
    ] = TrainMethod.sft,
    resume: ResumeOpt = False,
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
            "dpo": {"max_steps": max_steps},
            "evaluate": {"after_training": evaluate},
        }
        ws, cfg = workspace(workspace_dir), load_config(config, overrides)
        if resume:  # in one line, before Prefect starts
            from flows.resume import check_resume_inputs

            check_resume_inputs(ws, base_model, name, method.value)
            return train_flow(ws, cfg, None, name, "resume")
        if method == TrainMethod.dpo:  # in one line, before Prefect starts
            from flows.preference import check_dpo_inputs

            check_dpo_inputs(ws, base_model, name)
        # Not over the chat adapter: without --name the continued-pretraining adapter goes to WS/models/cpt.
        adapter = "cpt" if method == TrainMethod.cpt and name == "demo" else name
        return train_flow(ws, cfg, base_model, adapter, method.value)

    guarded(action, lock=workspace_dir)


@app.command("evaluate")
@output_options
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
@output_options
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
@output_options
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
    from flows.stages import queue_flagged

    def action():
        ws = workspace(workspace_dir)
        ws.latest_run()
        if restore:
            restored = restore_decisions(ws.review_db, lambda: queue_flagged(ws))
            note(f"restored {restored} decisions into {ws.review_db}")
        return queue_flagged(ws)

    guarded(action)
    from curation.review_app import serve

    serve(workspace(workspace_dir).review_db, host, port, token)


@app.command()
@output_options
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
        from flows.schedule import ScheduledRun, serve_schedule

        check_corpus(corpus)
        config_for(config, runner=runner, dask=dask_address)
        run = ScheduledRun(
            corpus=corpus, workspace=workspace_dir, config=config, runner=runner, dask_address=dask_address, train=train
        )
        return serve_schedule(run, cron)

    guarded(action)


@app.command()
@output_options
def graph(
    workspace_dir: WorkspaceOpt,
    picture: Annotated[bool, typer.Option("--picture/--no-picture", help="write WS/graph.png")] = True,
) -> None:
    """Print the graph's stats and top entities; write WS/graph.png and WS/graph.graphml (no Prefect needed)."""

    def action():
        from flows.stages import graph_report

        return graph_report(workspace(workspace_dir), picture)

    guarded(action, lambda stats, console: graph_table(stats, console, f"graph of {workspace_dir}"))
    note(f"wrote {workspace_dir / 'graph.graphml'}" + (f" and {workspace_dir / 'graph.png'}" if picture else ""))


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # offline: no failed telemetry errors
    # Prefect's 20 s default is missed on a busy 2-core machine; a slow start beats a traceback.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    app(args=sys.argv[1:], prog_name="kgsynth")
