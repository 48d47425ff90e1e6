"""The dedup settings, apart from the index code, so the local and the Redis index both read them without
importing each other."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from curation.minhash import Shingle


class DedupConfig(BaseModel):
    """How near two samples must be to count as duplicates, and where the index lives."""

    model_config = {"extra": "forbid"}
    threshold: float = Field(default=0.8, gt=0, lt=1, description="Jaccard similarity at which samples are duplicates")
    num_perm: int = Field(default=128, ge=16, le=1024, description="MinHash permutations")
    shingle: Shingle = Field(
        default="auto", description="word n-grams, character n-grams, or auto (characters for Chinese/Japanese)"
    )
    ngram: int = Field(default=3, ge=1, le=8, description="words per shingle")
    char_ngram: int = Field(default=3, ge=1, le=8, description="characters per shingle in character mode")
    redis_url: str | None = Field(
        default=None, description="keep the index in Redis (redis://host:6379/0) instead of the workspace"
    )
    redis_prefix: str = Field(default="kgsynth", description="key prefix of the index in Redis")
    eval_file: Path | None = Field(
        default=None, description="evaluation questions (.txt lines or .jsonl) no training sample may be near"
    )
    contamination_threshold: float = Field(
        default=0.5, gt=0, lt=1, description="Jaccard similarity of a question to an evaluation question that drops it"
    )

    @field_validator("eval_file")
    @classmethod
    def eval_file_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} does not exist: name a .jsonl or .txt file of evaluation questions")
        return path

    def index_settings(self) -> dict:
        """What an index's signatures and bands depend on: an index built with other settings is not reused."""
        return self.model_dump(include={"threshold", "num_perm", "shingle", "ngram", "char_ngram"})
