"""The options commands share. A flag that overrides a setting takes its help text and default from the config
field (one source for kgsynth.toml and --help); --json, --quiet and --verbose are added to every command at once."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from flows.cli_logging import setup_console
from flows.cli_output import set_output
from flows.runners import FlowsConfig
from training.sft import TrainConfig

# Cheap to import (pydantic only); flows.config would pull every stage, seconds on each --help or TAB.
SECTIONS: dict[str, type[BaseModel]] = {"train": TrainConfig, "flows": FlowsConfig}

ENVIRONMENT = (
    "Environment: OPENAI_BASE_URL, OPENAI_API_KEY and KGSYNTH_MODEL name the LLM endpoint, key and model when "
    "kgsynth.toml's llm section leaves them unset (none: the offline generator and judge); KGSYNTH_WORKSPACE and "
    "KGSYNTH_CONFIG stand for --workspace and --config; KGSYNTH_REVIEW_TOKEN for `review --token`; "
    "KGSYNTH_CACHE holds downloaded judge models (default ~/.cache/kgsynth); PREFECT_API_URL points at a running "
    "Prefect server (unset: a temporary local one per command)."
)


def config_help(section: str, field: str) -> str:
    """The help of a flag that overrides `section.field`: the field's description, where it lives, its default."""
    info = SECTIONS[section].model_fields[field]
    return f"{info.description} (kgsynth.toml: {section}.{field}, default {info.default!r})"


WorkspaceOpt = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar="KGSYNTH_WORKSPACE", help="workspace folder, reused across runs"),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", envvar="KGSYNTH_CONFIG", help="kgsynth.toml with per-stage settings")
]
CorpusArg = Annotated[
    Path, typer.Argument(help="folder (or file) of .txt, .md, .jsonl, .pdf, .html or .docx documents")
]
BaseModelOpt = Annotated[
    str | None, typer.Option("--base-model", help="local path or hub id; default: a tiny model built from the corpus")
]
NameOpt = Annotated[str, typer.Option("--name", help="adapter name under WS/models/")]
FocusMissedOpt = Annotated[
    bool,
    typer.Option("--focus-missed", help="new samples, in new forms, for the facts the latest adapter NAME got wrong"),
]
ResumeOpt = Annotated[
    bool,
    typer.Option(
        "--resume", help="continue the latest adapter NAME on the new samples of missed facts into NAME-vN, compare"
    ),
]
MaxStepsOpt = Annotated[int | None, typer.Option("--max-steps", help=config_help("train", "max_steps"))]
RunnerOpt = Annotated[str | None, typer.Option("--runner", help=config_help("flows", "runner"))]
PrefectOpt = Annotated[
    bool, typer.Option("--prefect", help="run as a Prefect flow (default: plain Python, unless PREFECT_API_URL is set)")
]
DaskAddressOpt = Annotated[str | None, typer.Option("--dask-address", help=config_help("flows", "dask_address"))]
MergeOpt = Annotated[bool, typer.Option("--merge", help=config_help("train", "merge"))]
QloraOpt = Annotated[bool, typer.Option("--qlora", help=config_help("train", "qlora"))]
GeneralDataOpt = Annotated[Path | None, typer.Option("--general-data", help=config_help("train", "general_data"))]
# By hand, not config_help: GenerationConfig's module pulls networkx and the planner into every --help.
ReasoningOpt = Annotated[
    bool | None,
    typer.Option(
        "--reasoning/--no-reasoning",
        help="QA and multi-hop samples also carry their reasoning, exported to WS/export/reasoning.jsonl "
        "(kgsynth.toml: generation.reasoning, default False)",
    ),
]
GeneralRatioOpt = Annotated[float | None, typer.Option("--general-ratio", help=config_help("train", "general_ratio"))]

JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout, and nothing else there")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="also show Prefect's logs, third-party warnings and progress bars")
]
OUTPUT_PARAMS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=annotation)
    for name, annotation in (("as_json", JsonOpt), ("quiet", QuietOpt), ("verbose", VerboseOpt))
]


def output_options(command: Callable) -> Callable:
    """Gives a command --json, --quiet and --verbose (typer reads the widened signature) and sets the console up
    before its body runs, so no command repeats the three options."""
    signature = inspect.signature(command, eval_str=True)

    @functools.wraps(command)
    def with_output(*args, as_json: bool = False, quiet: bool = False, verbose: bool = False, **kwargs):
        if quiet and verbose:
            raise typer.BadParameter("choose one of --quiet and --verbose")
        set_output(as_json, quiet, verbose)
        setup_console(quiet, verbose)
        return command(*args, **kwargs)

    with_output.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *OUTPUT_PARAMS])
    return with_output


def print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"kgsynth {version('kgsynth')}")
        raise typer.Exit()


VersionOpt = Annotated[
    bool, typer.Option("--version", callback=print_version, is_eager=True, help="print kgsynth's version and exit")
]
