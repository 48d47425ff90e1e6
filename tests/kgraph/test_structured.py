"""HTML, DOCX and PDF documents, written here on the fly: headings, lists and tables survive as markdown, and a
fact's evidence carries its heading path and page, so it cites 'Section 1.2 Renal impairment, p. 2'."""

from pathlib import Path

import pytest

from kgraph.corpus import read_corpus, read_file
from kgraph.layout import citation, section_at, shifted
from kgraph.llm_extract import extract_documents
from kgraph.records import Evidence, Section

HTML = """<!doctype html><html><head><title>Metformin guide</title><style>p {color: red}</style></head>
<body><nav>Home | About us</nav><h1>Metformin</h1><p>Metformin lowers blood glucose.</p>
<h2>4 Dosage</h2><h3>4.2 Renal impairment</h3>
<p>Metformin is contraindicated in severe renal impairment.</p>
<ul><li>Check eGFR before starting.</li><li>Review the dose yearly.<ul><li>Stop below 30.</li></ul></li></ul>
<ol><li>Measure creatinine.</li><li>Adjust the dose.</li></ol>
<table><tr><th>Drug</th><th>Dose</th></tr><tr><td>Metformin</td><td>500 mg</td></tr></table>
<script>var hidden = "never read";</script></body></html>"""


def write_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Warfarin handbook"
    document.add_heading("Warfarin", level=1)
    document.add_heading("3 Interactions", level=2)
    document.add_paragraph("Warfarin inhibits vitamin K epoxide reductase.")
    document.add_paragraph("Check the INR weekly.", style="List Bullet")
    document.add_paragraph("Avoid aspirin.", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Drug", (0, 1): "Effect", (1, 0): "Aspirin", (1, 1): "Bleeding"}.items():
        table.cell(row, col).text = text
    document.add_heading("4 Monitoring", level=2)
    document.add_paragraph("Bleeding is the most important adverse effect of warfarin.")
    document.save(path)
    return path


def write_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Statin guide")
    pdf.add_page()

    def heading(text: str, size: int) -> None:
        pdf.set_font("Helvetica", "B", size)
        pdf.cell(text=text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)

    heading("1 Statins", 18)
    pdf.multi_cell(0, 6, "Statins reduce LDL cholesterol and prevent cardiovascular events.", new_x="LMARGIN")
    pdf.ln(8)
    heading("1.1 Adverse effects", 14)
    for item in ("- Myalgia is common.", "- Statins may cause rhabdomyolysis."):
        pdf.cell(text=item, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="1", new_x="LMARGIN", new_y="NEXT")  # a page number: furniture, not text
    pdf.add_page()
    heading("1.2 Renal impairment", 14)
    pdf.multi_cell(0, 6, "Rosuvastatin is contraindicated in severe renal impairment.", new_x="LMARGIN")
    pdf.ln(8)
    with pdf.table() as table:
        for cells in (("Statin", "Dose"), ("Atorvastatin", "20 mg"), ("Rosuvastatin", "10 mg")):
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.output(str(path))
    return path


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "guide.html").write_text(HTML, encoding="utf-8")
    write_docx(folder / "warfarin.docx")
    write_pdf(folder / "statins.pdf")
    return folder


def test_html_keeps_headings_lists_and_tables_and_drops_page_furniture(corpus):
    (doc,), rejections = read_file(corpus / "guide.html")
    assert not rejections and doc.title == "Metformin guide"
    lines = doc.text.splitlines()
    assert {"# Metformin", "## 4 Dosage", "### 4.2 Renal impairment"} <= set(lines)
    assert {
        "- Check eGFR before starting.",
        "  - Stop below 30.",
        "1. Measure creatinine.",
        "2. Adjust the dose.",
    } <= set(lines)
    assert "| Drug | Dose |" in lines and "| Metformin | 500 mg |" in lines
    assert "never read" not in doc.text and "About us" not in doc.text and "color" not in doc.text
    section = section_at(doc, doc.text.index("Metformin is contraindicated"))
    assert section.headings == ("Metformin", "4 Dosage", "4.2 Renal impairment") and section.page is None
    assert section_at(doc, doc.text.index("| Metformin")).headings[-1] == "4.2 Renal impairment"


def test_docx_keeps_headings_lists_and_tables_in_order(corpus):
    (doc,), _ = read_file(corpus / "warfarin.docx")
    assert doc.title == "Warfarin handbook"
    lines = doc.text.splitlines()
    assert (
        lines.index("## 3 Interactions")
        < lines.index("- Check the INR weekly.")
        < lines.index("| Aspirin | Bleeding |")
    )
    assert "1. Avoid aspirin." in lines and "## 4 Monitoring" in lines
    assert section_at(doc, doc.text.index("Bleeding is")).headings == ("Warfarin", "4 Monitoring")


def test_pdf_headings_from_font_size_lists_tables_and_pages(corpus):
    (doc,), _ = read_file(corpus / "statins.pdf")
    assert doc.title == "Statin guide"
    lines = doc.text.splitlines()
    assert {"# 1 Statins", "## 1.1 Adverse effects", "## 1.2 Renal impairment"} <= set(lines)
    assert {"- Myalgia is common.", "- Statins may cause rhabdomyolysis."} <= set(lines)
    assert "| Atorvastatin | 20 mg |" in lines and "1" not in lines and "Atorvastatin 20 mg" not in doc.text
    assert section_at(doc, doc.text.index("Myalgia")).page == 1
    renal = section_at(doc, doc.text.index("Rosuvastatin is"))
    assert renal.headings == ("1 Statins", "1.2 Renal impairment") and renal.page == 2


def test_a_fact_cites_its_section_and_page(corpus):
    documents, rejections = read_corpus(corpus)
    assert len(documents) == 3 and not rejections
    facts, _ = extract_documents(documents)
    found = {(f.subject.lower(), f.object.lower()): f.evidence[0] for f in facts}
    renal = found[("rosuvastatin", "severe renal impairment")]
    assert renal.section == ("1 Statins", "1.2 Renal impairment") and renal.page == 2
    assert citation(renal) == "Section 1.2 Renal impairment, p. 2"
    html = found[("metformin", "severe renal impairment")]
    assert citation(html) == "Section 4.2 Renal impairment" and html.page is None
    warfarin = found[("warfarin", "vitamin k epoxide reductase")]
    assert warfarin.section == ("Warfarin", "3 Interactions")


def test_sections_follow_a_long_document_into_its_parts():
    sections = [Section(start=0, end=50, headings=["A"], page=1), Section(start=52, end=120, headings=["B"], page=2)]
    assert shifted(sections, 40, 100) == [
        Section(start=0, end=10, headings=("A",), page=1),
        Section(start=12, end=60, headings=("B",), page=2),
    ]
    evidence = Evidence(doc_id="d", sentence="s.", start=0, end=2, section=["Dosage", "Renal impairment"], page=7)
    assert citation(evidence) == "Dosage › Renal impairment, p. 7"
    assert citation(Evidence(doc_id="d", sentence="s.", start=0, end=2)) == ""


def test_the_llm_extractor_reads_one_section_per_request_and_its_facts_are_placed(corpus):
    from fakes import FakeLLM

    from kgraph.llm_extract import ExtractConfig, ExtractedFact

    (doc,), _ = read_file(corpus / "guide.html")
    sentence = "Metformin is contraindicated in severe renal impairment."
    found = ExtractedFact(
        subject="Metformin", subject_type="drug", relation="be contraindicated in", object="severe renal impairment",
        object_type="disease", evidence=sentence,
    ).model_dump()  # fmt: skip
    llm = FakeLLM(*([{"facts": []}] * 2), {"facts": [found]})
    facts, _ = extract_documents([doc], ExtractConfig(extractor="llm", second_pass=False), llm)
    chunks = [call.messages[-1]["content"] for call in llm.calls]
    assert len(chunks) == len(doc.sections) == 3  # short sections: a request each, none crossing a heading
    assert "# Metformin" in chunks[0] and "4.2 Renal impairment" not in chunks[0] and sentence in chunks[2]
    assert [citation(e) for f in facts for e in f.evidence] == ["Section 4.2 Renal impairment"]
