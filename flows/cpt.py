"""The continued-pretraining stage over a workspace: passages from the graph's checked facts and the corpus,
near-duplicates removed with the samples' MinHash dedup, written to WS/export/cpt.jsonl; and LoRA training on it."""

from __future__ import annotations

import json
from pathlib import Path

from curation.dedup import LocalIndex, find_duplicates
from flows.config import KgsynthConfig
from flows.stages import ensure_base_model, graph_index, llm_cache_path
from flows.stats import StageStats, Stopwatch, stage_stats
from flows.workspace import Workspace, WorkspaceError, read_jsonl
from generation.cpt import Passage, checked_facts, offline_passages, paraphrase_counts
from generation.cpt_prompts import llm_passages
from kgraph.llm import llm_from_config
from kgraph.records import Document, Rejection

CPT_FILE = "cpt.jsonl"


def workspace_documents(ws: Workspace) -> dict[str, Document]:
    """Every document any run read, by id: where the source paragraphs come from."""
    return {d.id: d for run in sorted(ws.runs.glob("*")) for d in read_jsonl(run / "documents.jsonl", Document)}


def dedup_passages(passages: list[Passage], cfg: KgsynthConfig) -> tuple[list[Passage], list[Rejection]]:
    """The first of each group of near-identical passages, by the same MinHash/LSH test as samples; a fresh index,
    since the file is rewritten whole at each export."""
    passages = list({p.id: p for p in passages}.values())
    index = LocalIndex(cfg.dedup.threshold, cfg.dedup.num_perm)
    kept, duplicate_of = find_duplicates([p.text for p in passages], [p.id for p in passages], index, cfg.dedup)
    rejections = [
        Rejection(item_id=passages[row].id, stage="cpt", reason="near_duplicate", detail=other)
        for row, other in sorted(duplicate_of.items())
    ]
    return [passages[row] for row in kept], rejections


def write_passages(passages: list[Passage], path: Path) -> None:
    """One {"text", "facts", "kind"} object a line (the `text` column TRL and LLaMA-Factory's pretraining read),
    written aside and renamed, so a kill leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    lines = [
        json.dumps({"id": p.id, "text": p.text, "facts": p.facts, "kind": p.kind, "generator": p.generator},
                   ensure_ascii=False)
        for p in passages
    ]  # fmt: skip
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(path)


def export_cpt(ws: Workspace, cfg: KgsynthConfig) -> StageStats:
    """Write WS/export/cpt.jsonl; the summary row counts passages by kind and how many state each fact."""
    clock = Stopwatch()
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: run `kgsynth extract CORPUS --workspace {ws.root}` first")
    index = graph_index(ws.graph, cfg.generation.min_confidence)
    facts = checked_facts(index)
    passages, rejections = offline_passages(index, workspace_documents(ws), cfg.cpt), []
    llm = llm_from_config(cfg.llm, llm_cache_path(ws))
    if llm is not None:
        passages, rejections = llm_passages(passages, index.by_id, cfg.cpt.rephrasings, llm)
    seen = len(passages) + len(rejections)
    passages, duplicates = dedup_passages(passages, cfg)
    passages.sort(key=lambda p: (p.kind, p.id))
    write_passages(passages, ws.export / CPT_FILE)
    kinds = {kind: sum(p.kind == kind for p in passages) for kind in ("pair", "triple", "source", "rephrase")}
    return stage_stats(
        "cpt",
        seen,
        len(passages),
        rejections + duplicates,
        clock,
        checked_facts=len(facts),
        **{k: v for k, v in kinds.items() if v},
        **paraphrase_counts(passages, facts),
        words=sum(len(p.text.split()) for p in passages),
    )


def cpt_texts(ws: Workspace) -> list[str]:
    """The passages' texts, read from the export (what a user would hand to any trainer)."""
    path = ws.export / CPT_FILE
    if not path.exists():
        raise WorkspaceError(f"no {path}: run `kgsynth export --workspace {ws.root} --cpt` first")
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not texts:
        raise WorkspaceError(f"{path} holds no passages: the graph has no checked facts to write from")
    return texts


def train_cpt_workspace(ws: Workspace, cfg: KgsynthConfig, base_model: str | None, name: str) -> StageStats:
    """Continued pretraining: LoRA with causal-LM loss on WS/export/cpt.jsonl, into WS/models/<name>."""
    from training.cpt import train_cpt
    from training.tiny import from_scratch_config

    clock = Stopwatch()
    texts = cpt_texts(ws)
    base = ensure_base_model(ws, base_model)
    train_cfg = cfg.train if base_model else from_scratch_config(cfg.train)
    metrics = train_cpt(texts, base, ws.models / name, train_cfg)
    return stage_stats(
        "train",
        len(texts),
        len(texts),
        clock=clock,
        method="cpt",
        steps=metrics["steps"],
        first_loss=round(metrics["first_loss"], 3),
        last_loss=round(metrics["last_loss"], 3),
    )
