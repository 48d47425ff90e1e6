"""report.html beside report.md: one self-contained page (pictures inlined, nothing fetched), opened in headless
Chromium like the review page."""

import json
import re

import pytest
from chromium import ARGS, CHROMIUM
from fakes import make_sample

from curation.records import Verdict
from flows.report import build_report
from flows.report_html import build_html
from flows.workspace import write_jsonl
from generation.records import Sample
from kgraph.records import Rejection
from training.card import plot_losses

STATS = {
    "extract": {"stage": "extract", "in": 14, "kept": 13, "dropped": {"empty": 1}, "seconds": 2.5},
    "generate": {"stage": "generate", "in": 57, "kept": 211, "dropped": {"low_confidence": 6}, "seconds": 4.25},
    "curate": {"stage": "curate", "in": 211, "kept": 173, "dropped": {"near_duplicate": 9}, "seconds": 3.0},
}
EVALUATION = {
    "sets": {
        "trained": {
            "questions": 40,
            "before": 0.05,
            "after": 0.4,
            "majority": 0.1,
            "recall_before": 0.1,
            "recall_after": 0.5,
            "grounding_before": 0.2,
            "grounding_after": 0.6,
        },  # fmt: skip
    },
    "general": {"questions": 20, "before": 0.5, "after": 0.55},
}


def sample(question: str, answer: str) -> Sample:
    return make_sample(question, answer, style={"question_type": "object"})


@pytest.fixture()
def run_with_model(tmp_path):
    """A finished run's files, a fine-tune with its evaluation and loss curve, and a graph picture."""
    run, model = tmp_path / "runs" / "20260101T000000", tmp_path / "models" / "demo"
    run.mkdir(parents=True)
    model.mkdir(parents=True)
    (run / "stats.json").write_text(json.dumps(STATS))
    kept = sample("What does metformin lower?", "Blood glucose.")
    write_jsonl(run / "samples.jsonl", [kept, sample("Who pays?", "The customer.")])
    write_jsonl(
        run / "verdicts.jsonl", [Verdict(sample_id=kept.id, scores={"grounding": 0.9}, decision="accept", judge="t")]
    )
    hostile = Rejection(item_id="x", stage="judge", reason="<script>alert(1)</script>")
    write_jsonl(run / "rejections.jsonl", [Rejection(item_id="y", stage="dedup", reason="near_duplicate"), hostile])
    (model / "evaluation.json").write_text(json.dumps(EVALUATION))
    history = [{"step": s, "epoch": s / 5, "loss": 4 / s} for s in range(1, 11)]
    plot_losses(
        history, model / "loss.png", [{"step": 0, "epoch": 0, "loss": 5.0}, {"step": 10, "epoch": 2, "loss": 3.0}]
    )
    plot_losses(history, tmp_path / "graph.png")  # any PNG stands in for the graph picture here
    return run, model, tmp_path / "graph.png"


def test_page_inlines_pictures_escapes_text_and_carries_the_evaluation(run_with_model):
    run, model, graph = run_with_model
    html = build_html(run, model, graph)
    assert html.count('src="data:image/png;base64,') == 2 and not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "default-src 'none'" in html and "<td>trained</td>" in html and "40.0%" in html
    assert "## Evaluation" in build_report(run, model) and "| trained | 40 | 5.0% | 40.0% |" in build_report(run, model)
    assert "## Evaluation" not in build_report(run) and "<h2>Plots</h2>" not in build_html(run)


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: `apt-get install chromium` (.ci/run does)")
def test_report_opens_in_chromium_without_errors_or_requests(run_with_model, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    run, model, graph = run_with_model
    page_path = run / "report.html"
    page_path.write_text(build_html(run, model, graph), encoding="utf-8")
    requests, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context().new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        rows = page.locator("#stages tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(1).locator("td")).to_have_text(["generate", "57", "211", "low_confidence: 6", "4.25"])
        expect(page.locator("#dropped-by-reason")).to_contain_text("<script>alert(1)</script>")  # shown as text
        expect(page.locator("#evaluation tbody tr").first).to_contain_text("40.0%")
        expect(page.locator("#diversity")).to_contain_text("distinct-2 of answers")
        expect(page.locator("#judge-scores")).to_contain_text("accept: 1")
        images = page.locator("figure img")
        expect(images).to_have_count(2)
        assert all(
            page.evaluate("img => img.complete && img.naturalWidth > 400", img) for img in images.element_handles()
        )
        browser.close()
    assert errors == []
    assert requests[0] == page_path.as_uri() and all(url.startswith("data:") for url in requests[1:])
