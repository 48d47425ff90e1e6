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
    documents, rejections = read_corpus(tmp_path)
    assert [d.path for d in documents] == [str(tmp_path / "a.txt")]
    assert [(r.item_id, r.reason, r.detail) for r in rejections] == [
        (str(tmp_path / "b.txt"), "duplicate_document", str(tmp_path / "a.txt"))
    ]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer, built by hand so the test needs no PDF writer."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_pdf_text_layer_is_read_and_a_broken_pdf_is_reported(tmp_path: Path):
    (tmp_path / "guideline.pdf").write_bytes(minimal_pdf("Metformin is contraindicated in severe renal impairment."))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "big.txt").write_bytes(b"a" * 5_000_001)
    documents, rejections = read_corpus(tmp_path)
    assert [d.text.strip() for d in documents] == ["Metformin is contraindicated in severe renal impairment."]
    assert documents[0].domain == "medical"
    assert sorted(r.reason for r in rejections) == ["oversized", "unreadable"]


def test_language_is_detected_per_document(tmp_path: Path):
    (tmp_path / "de.txt").write_text("Metformin ist bei schwerer Niereninsuffizienz nicht empfohlen.", encoding="utf-8")
    (tmp_path / "en.txt").write_text("Metformin is not recommended in severe renal impairment.", encoding="utf-8")
    (tmp_path / "zh.txt").write_text("二甲双胍降低肝糖输出。", encoding="utf-8")
    documents, _ = read_corpus(tmp_path)
    assert sorted(d.lang for d in documents) == ["de", "en", "zh"]


def test_utf16_text_is_read_and_broken_input_is_reported(tmp_path):
    (tmp_path / "utf16.txt").write_bytes("Metformin treats type 2 diabetes.".encode("utf-16"))
    (tmp_path / "nested.jsonl").write_text('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    (tmp_path / "loop-a.txt").symlink_to(tmp_path / "loop-b.txt")
    (tmp_path / "loop-b.txt").symlink_to(tmp_path / "loop-a.txt")
    documents, rejections = read_corpus(tmp_path)
    assert [d.text for d in documents] == ["Metformin treats type 2 diabetes."]
    reasons = sorted((r.reason, r.detail) for r in rejections)
    assert reasons[0] == ("bad_jsonl", "nested too deeply")
    assert [r for r, _ in reasons[1:]] == ["broken_link", "broken_link"]


def test_an_empty_corpus_folder_is_a_user_error(tmp_path):
    with pytest.raises(CorpusError, match="holds no files"):
        read_corpus(tmp_path)


def test_a_document_longer_than_spacy_accepts_is_read_in_parts(tmp_path):
    from kgraph.corpus import MAX_PART_CHARS
    from kgraph.extract import extract_corpus

    paragraph = "Metformin reduces hepatic glucose production in adults with type 2 diabetes. " * 40
    count = 2 * MAX_PART_CHARS // len(paragraph) + 5
    (tmp_path / "long.txt").write_text("\n\n".join(f"{paragraph}{n}" for n in range(count)), encoding="utf-8")
    documents, rejections = read_corpus(tmp_path)
    assert len(documents) == 3 and not rejections
    assert all(len(d.text) <= MAX_PART_CHARS for d in documents)
    assert [d.title for d in documents] == [f"long (part {n} of 3)" for n in (1, 2, 3)]
    assert extract_corpus(documents[-1:])  # the parser takes every part (whole, E088 lost the batch)
