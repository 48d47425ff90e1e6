"""What a command checks before any work starts, so bad input ends in one line: the config (with the flags that
override it), the endpoints it names, the workspace and the corpus."""

from __future__ import annotations

from pathlib import Path


def config_for(
    config: Path | None,
    max_steps: int | None = None,
    runner: str | None = None,
    dask: str | None = None,
    reasoning: bool | None = None,
):
    from flows.config import load_config

    overrides = {"train": {"max_steps": max_steps}, "flows": {"runner": runner, "dask_address": dask}}
    return load_config(config, overrides | {"generation": {"reasoning": reasoning}})


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


def check_corpus(corpus: Path) -> None:
    """Fail before starting any orchestration when the corpus path is unusable."""
    from kgraph.corpus import CorpusError

    if not corpus.exists():
        raise CorpusError(
            f"corpus path {corpus} does not exist: pass a folder of .txt/.md/.jsonl/.pdf/.html/.docx files"
        )
