from pathlib import Path

import pytest

from kgraph.corpus import CorpusError, read_corpus


def test_reads_every_example_document(examples):
    documents, rejections = read_corpus(examples)
    assert len(documents) >= 20
    assert rejections == []
    domains = {d.domain for d in documents}
    assert domains == {"medical", "legal"}
    assert all(d.lang == "en" and d.text.strip() for d in documents)


def test_bad_files_are_reported_not_fatal(tmp_path: Path):
    (tmp_path / "good.txt").write_text("Metformin lowers blood glucose.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "rows.jsonl").write_text(
        '{"text": "Aspirin inhibits platelets."}\nnot json\n{"title": "x"}\n', encoding="utf-8"
    )
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    documents, rejections = read_corpus(tmp_path)
    assert sorted(d.text for d in documents) == ["Aspirin inhibits platelets.", "Metformin lowers blood glucose."]
    reasons = sorted(r.reason for r in rejections)
    assert reasons == ["bad_jsonl", "bad_jsonl", "binary", "empty", "undecodable", "unsupported_type"]


def test_missing_corpus_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nowhere")


def test_same_text_twice_is_one_document(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Warfarin inhibits vitamin K epoxide reductase.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Warfarin inhibits vitamin K epoxide reductase.", encoding="utf-8")
    documents, _ = read_corpus(tmp_path)
    assert len(documents) == 1
