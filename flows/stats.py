"""The stage contract's summary record: what every stage returns, the CLI prints and a run folder keeps in
stats.json, so a caller reads `stats.kept` rather than guessing a dict's keys; and the one clock that times a stage."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flows.workspace import WorkspaceError

STATS_FILE = "stats.json"


class StageStats(BaseModel):
    """One stage's line of the summary: items in, kept, dropped by reason, seconds; any further counter or note of
    the stage (facts, requests, cost_usd, note, ...) is an extra field, read as an attribute (`stats.requests`)."""

    # Extra fields are the stage's own counters; `in` is a Python keyword, so the field is `seen`, written "in".
    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    stage: str
    seen: int = Field(alias="in", ge=0)
    kept: int = Field(ge=0)
    dropped: dict[str, int] = Field(default_factory=dict)
    seconds: float = Field(default=0.0, ge=0)

    @field_validator("seconds")
    @classmethod
    def two_decimals(cls, value: float) -> float:
        return round(value, 2)

    @property
    def counters(self) -> dict[str, Any]:
        """The stage's own counters and notes, in the order it gave them."""
        return dict(self.model_extra or {})

    def row(self) -> dict[str, Any]:
        """The flat JSON shape of stats.json and `--json`: stage, in, kept, dropped, seconds, then the counters."""
        return self.model_dump(by_alias=True, mode="json")

    def with_counters(self, **counters: Any) -> StageStats:
        """A copy with counters added or replaced (`seconds` too): a stage that folds another's figures into its row."""
        return StageStats.model_validate({**self.row(), **counters})


@dataclass(frozen=True)
class Stopwatch:
    """Started when made; every stage's seconds come from one of these."""

    started: float = field(default_factory=perf_counter)

    @property
    def seconds(self) -> float:
        return perf_counter() - self.started


def stage_stats(
    stage: str,
    seen: int,
    kept: int,
    rejections: Iterable = (),
    clock: Stopwatch | None = None,
    **counters: Any,
) -> StageStats:
    """A stage's summary from its counts and Rejections (counted by reason), timed by `clock` (none: 0 s)."""
    reasons = Counter(r.reason for r in rejections)
    return StageStats(
        stage=stage,
        seen=seen,
        kept=kept,
        dropped=dict(sorted(reasons.items())),
        seconds=clock.seconds if clock else 0.0,
        **counters,
    )


def read_stats(run: Path) -> dict[str, StageStats]:
    """Each stage's summary the run recorded, by stage name (none: an empty dict)."""
    path = Path(run) / STATS_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {stage: StageStats.model_validate(row) for stage, row in data.items()}
    except (ValueError, AttributeError) as err:  # JSONDecodeError and ValidationError are ValueErrors
        detail = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
        raise WorkspaceError(f"{path} is not a run's stage summary ({detail}): delete it to rebuild it") from err


def record_stats(run: Path, stats: StageStats) -> None:
    """Add or replace one stage's summary in the run's stats.json."""
    data = {stage: row.row() for stage, row in read_stats(run).items()}
    data[stats.stage] = stats.row()
    (Path(run) / STATS_FILE).write_text(json.dumps(data, indent=1), encoding="utf-8")
