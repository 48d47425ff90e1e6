"""The workspace folder: where each stage reads and writes, and the JSONL files records travel in."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

R = TypeVar("R", bound=BaseModel)


class WorkspaceError(ValueError):
    """The workspace lacks what a command needs; the message says which command to run first."""


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def graph(self) -> Path:
        return self.root / "graph.json"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def export(self) -> Path:
        return self.root / "export"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    # The files stages keep between runs: named here only, so a stage asks the workspace, not a constant.
    @property
    def known_documents(self) -> Path:
        return self.state / "documents.ids"

    @property
    def generated_facts(self) -> Path:
        return self.state / "generated_facts.ids"

    @property
    def accepted(self) -> Path:
        return self.state / "accepted.jsonl"

    @property
    def flagged(self) -> Path:
        return self.state / "flagged.jsonl"

    @property
    def review_db(self) -> Path:
        return self.state / "review.db"

    @property
    def fact_quota(self) -> Path:
        return self.state / "fact_quota.json"

    @property
    def focus_rounds(self) -> Path:
        return self.state / "focus_rounds.json"

    @property
    def aliases(self) -> Path:
        return self.root / "aliases.tsv"

    def model_versions(self, name: str) -> list[tuple[int, Path]]:
        """WS/models/NAME (version 1) and the versions `kgsynth train --resume` made of it, NAME-v2, NAME-v3 ...,
        oldest first; only folders holding an adapter."""
        found = [(1, self.models / name)]
        for folder in self.models.glob(f"{name}-v*"):
            number = folder.name[len(name) + 2 :]
            if number.isdigit():
                found.append((int(number), folder))
        return [(n, folder) for n, folder in sorted(found) if (folder / "adapter_config.json").exists()]

    def create(self) -> Workspace:
        for folder in (self.root, self.state, self.export, self.models, self.runs):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def new_run(self) -> Path:
        """A fresh run folder named by UTC time (sortable), never reusing an existing one."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        run = self.runs / stamp
        suffix = 1
        while run.exists():
            run = self.runs / f"{stamp}-{suffix}"
            suffix += 1
        run.mkdir(parents=True)
        return run

    def latest_run(self) -> Path:
        runs = sorted(p for p in self.runs.glob("*") if p.is_dir()) if self.runs.exists() else []
        if not runs:
            raise WorkspaceError(f"no run in {self.root}: run `kgsynth extract CORPUS --workspace {self.root}` first")
        return runs[-1]


LOCK = ".kgsynth.lock"


@contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """Hold the workspace for one writing command; a second writer fails at once in one line, rather than both
    appending to the same files. A folder that does not exist yet has nothing to protect."""
    root = Path(root)
    if not root.is_dir():
        yield
        return
    with open(root / LOCK, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown pid"
            raise WorkspaceError(
                f"workspace {root} is in use by another kgsynth command ({holder}): wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def drop_torn_tail(path: Path) -> None:
    """Cut a last line that a killed writer left without its newline, so the next append starts clean."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as handle:
        handle.seek(-1, 2)
        if handle.read(1) == b"\n":
            return  # the usual case: one byte read, however large the file
        handle.seek(0)
        data = handle.read()
        handle.truncate(data.rfind(b"\n") + 1)


def append_lines(path: Path, lines: list[str]) -> None:
    """Append whole lines in one write, after cutting any torn tail."""
    drop_torn_tail(path)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))


def write_jsonl(path: Path, records: Iterable[BaseModel], append: bool = True) -> int:
    """Append records one JSON object per line in one write, so a killed run keeps what it finished."""
    path = Path(path)
    lines = [record.model_dump_json() for record in records]
    if not append:
        path.write_text("", encoding="utf-8")
    append_lines(path, lines)
    return len(lines)


def read_jsonl(path: Path, model: type[R]) -> list[R]:
    """Records of a JSONL file; a torn last line (a killed writer) is skipped, any other bad line is an error."""
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(model.model_validate_json(line))
        except ValidationError as err:
            if number == len(lines) and not text.endswith("\n"):
                break  # torn: its writer was killed mid-line
            raise WorkspaceError(f"{path}:{number} is not a valid {model.__name__}: {err.errors()[0]['msg']}") from err
    return records


def read_ids(path: Path) -> set[str]:
    path = Path(path)
    return set(path.read_text(encoding="utf-8").split()) if path.exists() else set()


def append_ids(path: Path, ids: Iterable[str]) -> None:
    append_lines(Path(path), list(ids))
