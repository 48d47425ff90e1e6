"""What the dataset card tells about a workspace: the documents read, the judges, their decisions, people's
reviews and everything dropped on the way, gathered over every run (the export holds every run's samples)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from curation.review_store import read_reviews
from flows.stages import all_verdicts
from flows.workspace import Workspace, read_jsonl
from generation.records import Sample
from kgraph.records import Document, Rejection
from training.dataset_card import write_dataset_card
from training.export import ExportConfig


def drops_by_stage(rejections: list[Rejection]) -> dict[str, dict[str, int]]:
    """{stage: {reason: count}}, each rejection once (a batch redone after a kill writes some twice)."""
    unique = {(r.item_id, r.stage, r.reason, r.detail): r for r in rejections}.values()
    counts = Counter((r.stage, r.reason) for r in unique)
    result: dict[str, dict[str, int]] = {}
    for (stage, reason), n in sorted(counts.items()):
        result.setdefault(stage, {})[reason] = n
    return result


def workspace_quality(ws: Workspace) -> dict:
    verdicts = {v.sample_id: v for v in all_verdicts(ws)}.values()
    reviews = read_reviews(ws.review_db, latest_only=True)
    rejections = [r for run in sorted(ws.runs.glob("*")) for r in read_jsonl(run / "rejections.jsonl", Rejection)]
    return {
        "judges": sorted({v.judge for v in verdicts}),
        "decisions": dict(sorted(Counter(v.decision for v in verdicts).items())),
        "reviews": dict(sorted(Counter(r.action for r in reviews).items())),
        "dropped": drops_by_stage(rejections),
    }


def workspace_sources(ws: Workspace) -> list[dict]:
    """The documents read, by path under the corpus folder: a card pushed to the Hub names no local folders."""
    documents = {d.path: d for run in sorted(ws.runs.glob("*")) for d in read_jsonl(run / "documents.jsonl", Document)}
    paths = sorted(documents)
    common = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0]) if paths else ""
    return [{"path": os.path.relpath(path, common or "."), "domain": documents[path].domain} for path in paths]


def write_export_card(ws: Workspace, samples: list[Sample], export_dir: Path, cfg: ExportConfig | None) -> Path:
    """export_dir/README.md for these samples, named after the workspace folder unless the config names it."""
    name = f"kgsynth {ws.root.resolve().name}"
    return write_dataset_card(
        export_dir, samples, workspace_quality(ws), workspace_sources(ws), cfg or ExportConfig(), name
    )
