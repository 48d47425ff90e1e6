"""What a command prints as its result: a table on stdout, JSON with --json, nothing with --quiet. Messages and
logs go to stderr, so `kgsynth extract ... --json | jq` reads the summary alone."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from flows.stats import StageStats

# Rich assumes 80 columns when stdout is a pipe and then folds a long figure in the middle; a table in a file or
# under `| cat` reads better one row per line, however wide.
PIPE_WIDTH = 4096

stderr = Console(stderr=True)  # resolves sys.stderr when it prints, so a test runner's swap is seen


@dataclass
class Output:
    """How the current command reports: set once per command from --json, --quiet and --verbose."""

    as_json: bool = False
    quiet: bool = False
    verbose: bool = False


OUTPUT = Output()


def set_output(as_json: bool = False, quiet: bool = False, verbose: bool = False) -> None:
    OUTPUT.as_json, OUTPUT.quiet, OUTPUT.verbose = as_json, quiet, verbose


def stdout() -> Console:
    """The results console: the terminal's width on a TTY, wide enough for whole rows in a pipe ($COLUMNS wins)."""
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(width=PIPE_WIDTH if piped else None)


def file_descriptors() -> tuple[int, int] | None:
    try:
        return sys.stdout.fileno(), sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # in-memory streams (a test runner): no descriptors to move
        return None


@contextmanager
def working_streams() -> Iterator[None]:
    """While a command works, whatever reaches stdout (a library's print, or Rust and C code such as the tokenizers
    trainer's progress) lands on stderr, so stdout carries the result alone. With --quiet, stray output goes
    nowhere: errors still show, through the log handler, which holds the real stderr."""
    fds = file_descriptors()
    sys.stdout.flush()
    saved = os.dup(fds[0]) if fds else None
    with open(os.devnull, "w") as null:
        if fds:
            os.dup2(null.fileno() if OUTPUT.quiet else fds[1], fds[0])
        real_stderr = sys.stderr
        if OUTPUT.quiet:
            sys.stderr = null
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr = real_stderr
            if fds:
                os.dup2(saved, fds[0])
                os.close(saved)


def note(message: str) -> None:
    """A message for the person at the terminal (stderr), unless --quiet."""
    if not OUTPUT.quiet:
        stderr.print(message, highlight=False, soft_wrap=True)


def as_json(value: Any) -> Any:
    """What json.dumps cannot write itself: a record (a StageStats as its stats.json row), else its text."""
    return value.model_dump(by_alias=True, mode="json") if isinstance(value, BaseModel) else str(value)


def show(result: Any, render: Callable[[Any, Console], None]) -> None:
    """A command's result: JSON on stdout with --json, nothing with --quiet, else `render` draws it on stdout."""
    if OUTPUT.quiet:
        return
    if OUTPUT.as_json:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False, default=as_json) + "\n")
        sys.stdout.flush()
        return
    render(result, stdout())


def show_summary(stats: list[StageStats], seconds: float) -> None:
    """Every command ends with this: per stage in, kept, dropped by reason, time and notes."""
    show({"stages": stats, "seconds": round(seconds, 1)}, summary_table)


def summary_table(summary: dict, console: Console, hidden: tuple[str, ...] = ()) -> None:
    """The summary's stages, one row each; counters named in `hidden` are left out of the notes."""
    console.print("kgsynth summary", style="bold", highlight=False)  # above, not a title: no padding in a pipe
    table = Table()
    for column in ("stage", "in", "kept", "dropped by reason", "seconds", "notes"):
        table.add_column(column, overflow="fold")  # fold, never cut: a truncated reason or figure is lost
    for row in summary["stages"]:
        dropped = ", ".join(f"{k}: {v}" for k, v in row.dropped.items()) or "-"
        notes = ", ".join(
            f"{k}={round(v, 3) if isinstance(v, float) else v}" for k, v in row.counters.items() if k not in hidden
        )
        table.add_row(row.stage, str(row.seen), str(row.kept), dropped, f"{row.seconds:.1f}", notes)
    console.print(table)
    console.print(f"total {summary['seconds']:.1f} s", highlight=False)


def graph_table(stats: dict, console: Console, title: str = "graph") -> None:
    """`kgsynth graph`: one measure per row; counts by type and the top entities as comma lists."""
    console.print(title, style="bold", highlight=False)
    table = Table()
    table.add_column("measure")
    table.add_column("value")
    for key, value in stats.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        elif isinstance(value, list):
            value = ", ".join(f"{name} ({degree})" for name, degree in value) or "-"
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)


def calibration_table(result: dict, console: Console) -> None:
    """Judge against people: agreement now, and per score the threshold that would agree best."""
    now = result["current"]
    console.print(
        f"judge {', '.join(result['judge']) or '-'}: {now['reviewed']} reviewed samples, people rejected "
        f"{now['people_reject']}, the judge doubted {now['judge_doubts']}; reject precision {now['precision']}, "
        f"recall {now['recall']}, Cohen's kappa {now['kappa']}"
        + (f" ({result['unmatched_reviews']} reviews without a verdict)" if result["unmatched_reviews"] else ""),
        highlight=False,
    )
    if not result["suggested"]:
        console.print("no suggestions yet: people must both accept and reject some")
        return
    table = Table()
    for column in ("score", "threshold", "precision", "recall", "kappa"):
        table.add_column(column)
    for name, best in result["suggested"].items():
        table.add_row(name, *(str(best.get(k)) for k in ("threshold", "precision", "recall", "kappa")))
    console.print("suggested thresholds (reject below)", style="bold")
    console.print(table)


def print_push(result: list[StageStats] | StageStats, console: Console) -> None:
    """The summary, then each file the push sent (or would send) with its size."""
    from training.hub import human_size

    stages = result if isinstance(result, list) else [result]
    push = stages[-1].counters
    summary_table({"stages": stages, "seconds": round(sum(row.seconds for row in stages), 1)}, console, ("upload",))
    done = "would upload" if push.get("dry_run") else "uploaded"
    console.print(f"{done} {push['files']} files to the dataset repo {push['repo']}:", highlight=False, soft_wrap=True)
    for path, size in push["upload"]:
        console.print(f"  {path}  {human_size(size)}", highlight=False, soft_wrap=True)
