"""Where a structured document's fact comes from shows beside its evidence on the review page and in the export."""

from test_review_app import logged_in
from test_review_store import DOC, FACT, entry

from curation import review_store as store
from curation.review_app import create_app
from training.export import provenance

PLACED = FACT.model_copy(
    update={"evidence": [FACT.evidence[0].model_copy(update={"section": ("4 Interactions", "4.2 Aspirin"), "page": 7})]}
)


def test_the_review_page_and_the_export_cite_section_and_page(tmp_path, monkeypatch):
    monkeypatch.setattr("test_review_store.FACT", PLACED)
    placed = entry(1)
    assert placed.sources[0]["citation"] == "Section 4.2 Aspirin, p. 7" and placed.sources[0]["doc_id"] == DOC.id
    conn = store.connect(tmp_path / "review.db")
    store.enqueue(conn, [placed])
    conn.close()
    page = logged_in(create_app(tmp_path / "review.db"), "ana").get("/sample/s1")
    assert page.status_code == 200 and "Section 4.2 Aspirin, p. 7" in page.text
    row = provenance(placed.sample)
    assert row["evidence"][0]["citation"] == "Section 4.2 Aspirin, p. 7" and row["evidence"][0]["page"] == 7
