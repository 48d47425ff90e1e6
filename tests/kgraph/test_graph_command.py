"""The extraction bookkeeping over a workspace and `kgsynth graph`, which must work without Prefect."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows import stages
from flows.stats import Stopwatch
from flows.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


def extracted_workspace(tmp_path: Path, corpus: Path, ws: Workspace | None = None) -> Workspace:
    ws = ws or Workspace(tmp_path / "ws").create()
    run = ws.new_run()
    documents, rejections = stages.new_documents(ws, corpus)
    stages.finish_extract(ws, run, documents, stages.extract_batch(documents)[0], rejections, Stopwatch())
    return ws


def test_abbreviations_apply_in_their_own_document_until_listed_and_foreign_documents_are_reported(tmp_path: Path):
    corpus = tmp_path / "corpus" / "medical"
    corpus.mkdir(parents=True)
    (corpus / "a.txt").write_text(
        "Atrial fibrillation (AF) is common. AF increases the risk of stroke.", encoding="utf-8"
    )
    (corpus / "b.txt").write_text("Apixaban is indicated for AF.", encoding="utf-8")
    (corpus / "c.txt").write_text("Metformin ist bei schwerer Niereninsuffizienz nicht empfohlen.", encoding="utf-8")
    ws = extracted_workspace(tmp_path, corpus.parent)
    graph = json.loads(ws.graph.read_text())
    targets = {(e["source"], e["relation"], e["target"]) for e in graph["edges"]}
    assert ("atrial fibrillation", "increases_risk_of", "stroke") in targets
    assert ("apixaban", "indicated_for", "af") in targets  # another document's 'AF' may mean something else
    assert (ws.root / "aliases.tsv").read_text().splitlines()[-1] == "#~ AF\tAtrial fibrillation"
    rejections = [json.loads(line) for line in (ws.latest_run() / "rejections.jsonl").read_text().splitlines()]
    assert [r["reason"] for r in rejections] == ["unsupported_language"]
    # Listed by a person, the abbreviation applies workspace-wide.
    (ws.root / "aliases.tsv").write_text("AF\tatrial fibrillation\n", encoding="utf-8")
    (corpus / "d.txt").write_text("Dabigatran is indicated for AF.", encoding="utf-8")
    graph = json.loads(extracted_workspace(tmp_path, corpus.parent, ws).graph.read_text())
    targets = {(e["source"], e["relation"], e["target"]) for e in graph["edges"]}
    assert ("dabigatran", "indicated_for", "atrial fibrillation") in targets
    node = next(n for n in graph["nodes"] if n["id"] == "atrial fibrillation")
    assert "AF" in node["aliases"] and node["type"] == "disease"


@pytest.mark.slow
def test_graph_command_prints_stats_and_writes_files_without_prefect(tmp_path: Path, small_corpus: Path):
    ws = extracted_workspace(tmp_path, small_corpus)
    script = (
        "import sys\nfrom typer.testing import CliRunner\nfrom flows.cli import app\n"
        f"result = CliRunner().invoke(app, ['graph', '--workspace', {str(ws.root)!r}])\n"
        "print(result.output)\nassert result.exit_code == 0, result.output\n"
        "assert 'prefect' not in sys.modules, 'kgsynth graph imported Prefect'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "components" in done.stdout and "top entities" in done.stdout
    assert (ws.root / "graph.png").stat().st_size > 10_000 and (ws.root / "graph.graphml").exists()


@pytest.mark.slow
def test_graph_command_on_an_empty_workspace_is_one_line(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", "graph", "--workspace", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "kgsynth extract" in done.stderr and "Traceback" not in done.stderr
