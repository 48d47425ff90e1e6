"""What reaches stderr, set once when a command starts: kgsynth's progress lines and every warning or error; Prefect's
state changes, third-party warnings and progress bars only with --verbose; with --quiet, errors alone."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

PACKAGES = ("flows", "kgraph", "generation", "curation", "training")
OWN_CODE = tuple(str(Path(__file__).resolve().parents[1] / name) + os.sep for name in PACKAGES)

# Read by datasets, huggingface_hub and transformers when they are imported, so the CLI need not import them
# (seconds each) to turn them down; set only where the user has not, and inherited by Dask workers.
QUIET_LIBRARIES = {
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "PYTHONWARNINGS": "ignore::FutureWarning,ignore::DeprecationWarning",
}


class OwnLines(logging.Filter):
    """Below WARNING only kgsynth's own lines pass, and Prefect's note that it starts or stops its local server
    (the 10-20 s wait it explains); flow and task state changes are for --verbose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return (
            record.levelno >= logging.WARNING
            or record.name.startswith("kgsynth")
            or record.name == "prefect"
            or record.pathname.startswith(OWN_CODE)
        )


class RunFormatter(logging.Formatter):
    """Prefect's layout, `12:00:01.123 | INFO    | ws extract - message`, naming the flow run where there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03d | %(levelname)-7s | %(where)s - %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        record.where = getattr(record, "flow_run_name", None) or getattr(record, "task_run_name", None) or record.name
        return super().format(record)


def quiet_libraries() -> None:
    """Progress bars and developer warnings of datasets, transformers, torch, setuptools: not for the user."""
    for name, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(name, value)
    for category in (FutureWarning, DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", category=UserWarning, module=rf"(?!({'|'.join(PACKAGES)})\b)")
    warnings.filterwarnings("ignore", module=r"(setuptools|pkg_resources|_distutils_hack)\b")


def setup_console(quiet: bool = False, verbose: bool = False) -> None:
    """One stderr handler on the root logger before Prefect is imported: Prefect then keeps its own console
    handler off the root (it leaves a user's handler alone), so these rules decide what is shown."""
    if not verbose:
        quiet_libraries()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h.formatter, RunFormatter)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)  # this stderr, even while --quiet silences stray writes to it
    handler.setLevel(logging.ERROR if quiet else logging.INFO)
    handler.setFormatter(RunFormatter())
    if not verbose:
        handler.addFilter(OwnLines())
    root.addHandler(handler)
    logging.getLogger("kgsynth").setLevel(logging.ERROR if quiet else logging.INFO)
