"""End to end in a real browser: `kgsynth review` serves the page, Debian's headless Chromium (driven by Playwright)
accepts, rejects and edits samples with the keyboard, and the next export carries the reviewed versions."""

import json
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chromium import ARGS, CHROMIUM
from fakes import make_sample

from curation.records import Verdict
from flows.stages import export_workspace, extract_batch, finish_extract, new_documents
from flows.stats import Stopwatch
from flows.workspace import Workspace, write_jsonl
from generation.records import Sample
from kgraph.graph import graph_facts, load_graph

KGSYNTH = str(Path(sys.executable).with_name("kgsynth"))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: `apt-get install chromium` (.ci/run does)"),
]


def qa(fact, question: str, answer: str) -> Sample:
    return make_sample(question, answer, fact=fact)


@pytest.fixture()
def workspace(small_corpus, tmp_path) -> tuple[Workspace, list[Sample], Sample]:
    """A workspace with real extracted facts, one auto-accepted sample and five flagged ones (one audit, one hostile)."""
    ws = Workspace(tmp_path / "ws").create()
    run = ws.new_run()
    documents, rejections = new_documents(ws, small_corpus)
    finish_extract(ws, run, documents, extract_batch(documents)[0], rejections, Stopwatch())
    facts = graph_facts(load_graph(ws.graph))[:6]
    assert len(facts) == 6
    samples = [
        qa(f, f"What does the text say about {f.subject}?", f"{f.subject} {f.relation} {f.object}.") for f in facts
    ]
    samples[5] = qa(facts[5], "<script>alert('owned')</script> Is this shown as text?", "It must be shown as text.")
    auto, flagged = samples[0], samples[1:]
    write_jsonl(ws.accepted, [auto])
    write_jsonl(ws.flagged, flagged)
    reasons = [["weak_grounding"], ["truncated"], ["audit"], ["weak_grounding"], ["truncated"]]
    verdicts = [
        Verdict(sample_id=s.id, scores={"grounding": 0.2 * i}, decision="flag", reasons=r, judge="offline-rules-v1")
        for i, (s, r) in enumerate(zip(flagged, reasons))
    ]
    write_jsonl(run / "verdicts.jsonl", verdicts)
    return ws, flagged, auto


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def served(workspace, tmp_path):
    """`kgsynth review` running on a free port with an access token; yields the link it printed."""
    ws = workspace[0]
    port = free_port()
    log = tmp_path / "review.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [KGSYNTH, "review", "--workspace", ws.root, "--port", str(port), "--token", "tok-123"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "review page:" not in log.read_text() or not port_open(port):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/?token=tok-123", log
    finally:
        server.terminate()
        server.wait(timeout=10)


def press(page, key: str) -> None:
    """A key press once the page's deferred script has run: the DOM a locator waits for can be there before the
    keyboard shortcuts are (a loaded machine serves review.js late)."""
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_review_in_chromium_then_export_uses_the_decisions(workspace, served):
    from playwright.sync_api import expect, sync_playwright

    ws, flagged, auto = workspace
    url, log = served
    assert "Traceback" not in log.read_text() and "review" in log.read_text()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        ana = browser.new_context().new_page()
        dialogs = []
        ana.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
        ana.goto(url)
        ana.fill("#name", "Dr Ana")
        ana.click("text=Start")
        expect(ana.locator('[data-status="pending"]')).to_have_text("5")
        expect(ana.locator("#queue tbody tr")).to_have_count(5)
        expect(ana.locator("#score-chart rect")).to_have_count(5)

        press(ana, "j")  # the first sample
        expect(ana.locator("article.sample")).to_have_attribute("data-sample", flagged[0].id)
        expect(ana.locator(".evidence mark").first).to_be_visible()
        press(ana, "a")  # accept: on to the second

        expect(ana.locator("article.sample")).to_have_attribute("data-sample", flagged[1].id)
        press(ana, "r")
        ana.select_option("#reason-choice", "not supported by the evidence")
        press(ana, "Enter")  # reject with that reason: on to the third

        expect(ana.locator("article.sample")).to_have_attribute("data-sample", flagged[2].id)
        expect(ana.locator(".tag.audit")).to_have_text("audit")
        press(ana, "e")
        answer = ana.locator("#edit-form textarea").nth(1)
        expect(answer).to_be_focused()
        answer.fill("A corrected answer, checked against the source.")
        press(ana, "Control+Enter")  # edit and accept: on to the fourth

        expect(ana.locator("article.sample")).to_have_attribute("data-sample", flagged[3].id)
        ben = browser.new_context().new_page()  # a second reviewer never gets the sample Ana has open
        ben.goto(url)
        ben.fill("#name", "Ben")
        ben.click("text=Start")
        ben.click("#start")
        expect(ben.locator("article.sample")).to_have_attribute("data-sample", flagged[4].id)
        expect(ben.locator("#conversation")).to_contain_text("<script>alert('owned')</script>")
        ben.goto(f"{url.split('?')[0]}sample/{flagged[3].id}")
        expect(ben.locator("#error-message")).to_contain_text("Dr Ana is reviewing")

        press(ana, "k")  # previous: back to the edited one, with its history
        expect(ana.locator("#status")).to_have_text("edited")
        expect(ana.locator("#history")).to_contain_text("Dr Ana edit")
        browser.close()
    assert dialogs == []

    db = sqlite3.connect(ws.review_db)
    rows = db.execute("SELECT sample_id, reviewer, action, reason, messages, previous FROM decisions ORDER BY id")
    decisions = rows.fetchall()
    db.close()
    assert [(d[0], d[1], d[2], d[3]) for d in decisions] == [
        (flagged[0].id, "Dr Ana", "accept", ""),
        (flagged[1].id, "Dr Ana", "reject", "not supported by the evidence"),
        (flagged[2].id, "Dr Ana", "edit", ""),
    ]
    assert json.loads(decisions[2][5])[1]["content"] == flagged[2].messages[1].content
    assert json.loads(decisions[2][4])[1]["content"] == "A corrected answer, checked against the source."

    export_workspace(ws)
    exported = {row["id"]: row for row in json.loads((ws.export / "sharegpt.json").read_text())}
    assert set(exported) == {auto.id, flagged[0].id, flagged[2].id}
    assert exported[flagged[2].id]["conversations"][1]["value"] == "A corrected answer, checked against the source."
