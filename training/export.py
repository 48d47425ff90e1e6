"""Export accepted samples for trainers: ShareGPT and Alpaca JSON, LLaMA-Factory dataset_info.json, an HF dataset."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, Field

from generation.records import Sample
from kgraph.layout import citation

SHAREGPT_ROLES = {"user": "human", "assistant": "gpt", "system": "system"}
UNKNOWN_LICENSE = "other"


class ExportConfig(BaseModel):
    """Outputs written beside the SFT files when asked for (each costs judge calls or reading the graph), and what
    the dataset card says that kgsynth cannot know from the workspace."""

    model_config = {"extra": "forbid"}
    license: str = Field(
        default=UNKNOWN_LICENSE,
        description="dataset license in the card (a Hub id such as cc-by-4.0); it follows your sources' terms, "
        "so the default is 'other' with a note to check them",
    )
    pretty_name: str = Field(default="", description="title of the dataset card (default: kgsynth <workspace>)")
    preference: bool = Field(
        default=False,
        description="write dpo.jsonl (TRL) and a LLaMA-Factory ranking entry: each accepted QA answer against a "
        "mistake the graph knows and the judge finds wrong",
    )
    eval_sets: bool = Field(
        default=False,
        description="write the held-out control facts as evaluation sets: lm_eval/ (lm-evaluation-harness task), "
        "evalscope/ and opencompass/",
    )


def provenance(sample: Sample) -> dict:
    """What every format keeps beside the text, so each answer can be traced to its source sentence."""
    return {
        "kind": sample.kind,
        "question_type": sample.style.get("question_type", ""),
        "fact_ids": sample.fact_ids,
        "evidence": [e.model_dump() | {"citation": citation(e)} for e in sample.evidence],
    }


def to_sharegpt(sample: Sample) -> dict:
    """One conversation; a system prompt is its first turn (LLaMA-Factory's system_tag), so no row needs a
    `system` column that others lack."""
    turns = [{"from": SHAREGPT_ROLES[m.role], "value": m.content} for m in sample.messages]
    return {"id": sample.id, "conversations": turns, **provenance(sample)}


def to_alpaca(sample: Sample) -> dict:
    """Instruction/output with earlier turns as history, as LLaMA-Factory's alpaca format expects."""
    system = next((m.content for m in sample.messages if m.role == "system"), "")
    turns = [m for m in sample.messages if m.role != "system"]
    pairs = [(turns[i].content, turns[i + 1].content) for i in range(0, len(turns) - 1, 2)]
    *history, (instruction, output) = pairs
    return {
        "id": sample.id,
        "instruction": instruction,
        "input": "",
        "output": output,
        "system": system,
        "history": [list(p) for p in history],
        **provenance(sample),
    }


def to_chat(sample: Sample) -> dict:
    """The row the SFT trainer reads: OpenAI-style messages plus provenance."""
    return {
        "id": sample.id,
        "messages": [{"role": m.role, "content": m.content} for m in sample.messages],
        **provenance(sample),
    }


def sha1_of(path: Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def dataset_info(export_dir: Path) -> dict:
    """LLaMA-Factory's dataset_info.json entries for both files, with their sha1; only columns every row has."""
    return {
        "kgsynth_sharegpt": {
            "file_name": "sharegpt.json",
            "file_sha1": sha1_of(export_dir / "sharegpt.json"),
            "formatting": "sharegpt",
            "columns": {"messages": "conversations"},
            "tags": {
                "role_tag": "from",
                "content_tag": "value",
                "user_tag": "human",
                "assistant_tag": "gpt",
                "system_tag": "system",
            },
        },
        "kgsynth_alpaca": {
            "file_name": "alpaca.json",
            "file_sha1": sha1_of(export_dir / "alpaca.json"),
            "formatting": "alpaca",
            "columns": {
                "prompt": "instruction",
                "query": "input",
                "response": "output",
                "system": "system",
                "history": "history",
            },
        },
    }


def write_json(path: Path, data) -> None:
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def write_rows(path: Path, rows: list[dict]) -> None:
    """One JSON object per line (TRL and lm-eval read JSONL)."""
    Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def add_dataset_info(export_dir: Path, entry: dict) -> None:
    """An optional output's entry added to the export's dataset_info.json (LLaMA-Factory reads it)."""
    path = Path(export_dir) / "dataset_info.json"
    info = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    write_json(path, info | entry)


def export_samples(samples: list[Sample], export_dir: Path) -> dict[str, int]:
    """Write every export format; returns counts per format. Raises ValueError when there is nothing to export."""
    from datasets import Dataset

    if not samples:
        raise ValueError("no accepted samples to export: run `kgsynth curate` first, or review flagged samples")
    export_dir = Path(export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    samples = sorted(samples, key=lambda s: s.id)
    write_json(export_dir / "sharegpt.json", [to_sharegpt(s) for s in samples])
    write_json(export_dir / "alpaca.json", [to_alpaca(s) for s in samples])
    write_json(export_dir / "dataset_info.json", dataset_info(export_dir))
    Dataset.from_list([to_chat(s) for s in samples]).save_to_disk(str(export_dir / "hf"))
    return {"sharegpt": len(samples), "alpaca": len(samples), "hf": len(samples)}
