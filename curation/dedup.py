"""Near-duplicate removal with datasketch MinHash/LSH; the index persists in the workspace across runs."""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from pydantic import BaseModel, Field

from generation.records import Sample
from kgraph.records import Rejection

WORD = re.compile(r"\w+", re.UNICODE)


class DedupConfig(BaseModel):
    """How near two samples must be to count as duplicates."""

    model_config = {"extra": "forbid"}
    threshold: float = Field(default=0.8, gt=0, lt=1, description="Jaccard similarity at which samples are duplicates")
    num_perm: int = Field(default=128, ge=16, le=1024, description="MinHash permutations")
    ngram: int = Field(default=3, ge=1, le=8, description="word n-gram size of the shingles")


def sample_text(sample: Sample) -> str:
    """The text compared for duplicates: the whole conversation."""
    return "\n".join(m.content for m in sample.messages)


def shingles(text: str, n: int) -> set[bytes]:
    words = WORD.findall(text.lower())
    if len(words) < n:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + n]).encode() for i in range(len(words) - n + 1)}


@dataclass
class DedupIndex:
    """LSH buckets for candidate search plus each signature, to confirm candidates by estimated Jaccard."""

    lsh: MinHashLSH
    signatures: dict[str, MinHash] = field(default_factory=dict)


def new_index(cfg: DedupConfig) -> DedupIndex:
    # Banding weighted against false negatives: misses are lost duplicates, extra candidates are confirmed below.
    return DedupIndex(MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm, weights=(0.2, 0.8)))


def load_index(path: Path, cfg: DedupConfig) -> DedupIndex:
    """The workspace's index, or a new one when there is none or it was built with other settings."""
    if Path(path).exists():
        settings, index = pickle.loads(Path(path).read_bytes())
        if settings == cfg.model_dump():
            return index
    return new_index(cfg)


def save_index(index: DedupIndex, path: Path, cfg: DedupConfig) -> None:
    """Pickle the index with the settings it was built with, atomically."""
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps((cfg.model_dump(), index)))
    tmp.replace(path)


def dedup_samples(samples: list[Sample], index: DedupIndex, cfg: DedupConfig) -> tuple[list[Sample], list[Rejection]]:
    """Keep the first of each near-duplicate group, against this batch and every earlier run's samples."""
    signatures = MinHash.bulk([shingles(sample_text(s), cfg.ngram) for s in samples], num_perm=cfg.num_perm)
    kept, rejections = [], []
    for sample, signature in zip(samples, signatures):
        if sample.id in index.signatures:
            continue  # the same sample seen in an earlier run: not new work, not a duplicate
        matches = [
            key for key in index.lsh.query(signature) if index.signatures[key].jaccard(signature) >= cfg.threshold
        ]
        if matches:
            rejections.append(Rejection(item_id=sample.id, stage="dedup", reason="near_duplicate", detail=min(matches)))
            continue
        index.lsh.insert(sample.id, signature)
        index.signatures[sample.id] = signature
        kept.append(sample)
    return kept, rejections
