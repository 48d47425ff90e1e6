"""Extraction streams: the corpus is read batch by batch, each batch's facts merge into the graph as it comes, and
the graph is the one a single batch gives."""

import json
import shutil

from flows import stages
from flows.config import load_config
from flows.direct import extract_direct
from flows.stats import Stopwatch
from flows.workspace import Workspace, read_ids, read_jsonl
from kgraph.records import Fact


def test_batches_of_one_document_give_the_graph_of_one_batch(small_corpus, tmp_path):
    one = extract_direct(small_corpus, Workspace(tmp_path / "one"), load_config())
    cfg = load_config(None, {"flows": {"extract_batch": 1}})
    streamed = extract_direct(small_corpus, Workspace(tmp_path / "streamed"), cfg)
    for key in ("in", "kept", "facts", "new_facts", "graph_nodes", "graph_edges"):
        assert one.row()[key] == streamed.row()[key], key
    graphs = [json.loads((tmp_path / name / "graph.json").read_text()) for name in ("one", "streamed")]
    assert graphs[0] == graphs[1]
    run = next((tmp_path / "streamed" / "runs").iterdir())
    assert sorted(p.name for p in run.iterdir()) == ["documents.jsonl", "facts.jsonl", "rejections.jsonl", "stats.json"]
    assert len({f.id for f in read_jsonl(run / "facts.jsonl", Fact)}) == streamed.facts
    assert len(read_ids(tmp_path / "streamed" / "state" / "documents.ids")) == 3


def test_files_are_read_only_as_batches_are_asked_for(small_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws").create()
    batches = stages.corpus_batches(ws, small_corpus, 1)
    first, _ = next(batches)
    shutil.rmtree(small_corpus / "medical")  # the later files go before they were read
    assert [d.path for d in first] == [str(small_corpus / "legal" / "termination_clause.txt")]
    (documents, rejections), *more = list(batches)
    assert not documents and not more and {r.reason for r in rejections} == {"unreadable"} and len(rejections) == 2


def test_parts_a_killed_run_left_are_dropped_and_a_finished_run_keeps_none(small_corpus, tmp_path):
    ws = Workspace(tmp_path / "ws").create()
    run = ws.new_run()
    (run / "documents.jsonl.part").write_text('{"half": "a line of a killed run"}\n')
    merge = stages.start_extract(ws, run)
    assert not (run / "documents.jsonl.part").exists()
    documents, rejections = stages.new_documents(ws, small_corpus)
    stages.merge_batch(merge, documents, stages.extract_batch(documents)[0], rejections)
    assert (run / "documents.jsonl.part").exists() and not (run / "documents.jsonl").exists()
    stats = stages.close_extract(merge, Stopwatch())
    assert stats.kept == 3 and not list(run.glob("*.part"))
