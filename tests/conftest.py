"""Shared fixtures: the bundled example corpus and small corpora made per test."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


@pytest.fixture()
def small_corpus(tmp_path: Path) -> Path:
    """Three example documents (two medical, one legal) copied into a fresh folder."""
    corpus = tmp_path / "corpus"
    for relative in (
        "medical/metformin_type2_diabetes.txt",
        "medical/warfarin_anticoagulation.txt",
        "legal/termination_clause.txt",
    ):
        target = corpus / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((EXAMPLES / relative).read_text(encoding="utf-8"), encoding="utf-8")
    return corpus
