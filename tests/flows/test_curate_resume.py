"""A curate killed at any write resumes without losing accepted samples (plain stage calls, no Prefect)."""

from __future__ import annotations

import networkx as nx
import pytest
from fakes import make_fact

import flows.stages as stages
from flows.config import load_config
from flows.stages import curate, export
from flows.stats import Stopwatch
from flows.workspace import Workspace, read_ids
from kgraph.graph import add_facts, save_graph

FACTS = [
    make_fact("metformin", "reduces", "hepatic glucose production"),
    make_fact("warfarin", "increases_risk_of", "bleeding", surface="increase risk of"),
    make_fact("allopurinol", "reduces", "serum urate"),
]


def generated_workspace(root, generation: dict | None = None) -> tuple[Workspace, object]:
    ws = Workspace(root).create()
    graph = nx.MultiDiGraph()
    add_facts(graph, FACTS)
    save_graph(graph, ws.graph)
    cfg = load_config(None, {"judge": {"embeddings": False, "audit_share": 0.0}, "generation": generation or {}})
    run = ws.new_run()
    stages.record_batch(ws, run, stages.generate_batch(ws, stages.pending_facts(ws), cfg))
    return ws, cfg, run


@pytest.mark.parametrize("killed_at", ["accepted.jsonl", "rejections.jsonl", "dedup", "verdicts.jsonl"])
def test_a_curate_killed_at_any_write_resumes_to_the_same_accepted_samples(tmp_path, monkeypatch, killed_at):
    clean_ws, cfg, clean_run = generated_workspace(tmp_path / "clean")
    stages.curate_run(clean_ws, clean_run, cfg)
    expected = {s.id for s in stages.accepted_samples(clean_ws)}
    assert expected

    ws, cfg, run = generated_workspace(tmp_path / "killed")
    real_write, real_save = curate.write_jsonl, curate.save_index

    def write_then_die(path, records, *args):
        if path.name == killed_at:
            raise KeyboardInterrupt("killed")
        return real_write(path, records, *args)

    def save_then_die(*args):
        if killed_at == "dedup":
            raise KeyboardInterrupt("killed")
        return real_save(*args)

    monkeypatch.setattr(curate, "write_jsonl", write_then_die)
    monkeypatch.setattr(curate, "save_index", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        stages.curate_run(ws, run, cfg)
    monkeypatch.setattr(curate, "write_jsonl", real_write)
    monkeypatch.setattr(curate, "save_index", real_save)
    stages.curate_run(ws, run, cfg)
    assert {s.id for s in stages.accepted_samples(ws)} == expected
    stages.curate_run(ws, run, cfg)  # a third curate finds nothing left to do and loses nothing
    assert {s.id for s in stages.accepted_samples(ws)} == expected


def test_an_export_killed_midway_leaves_the_previous_export_whole(tmp_path, monkeypatch):
    ws, cfg, run = generated_workspace(tmp_path / "ws")
    stages.curate_run(ws, run, cfg)
    assert not stages.export_complete(ws)  # the empty folder a new workspace has is no export
    stages.export_workspace(ws)
    before = (ws.export / "sharegpt.json").read_text()

    def die_after_one_file(samples, folder):
        (folder / "sharegpt.json").parent.mkdir(parents=True, exist_ok=True)
        (folder / "sharegpt.json").write_text("[]")
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(export, "export_samples", die_after_one_file)
    with pytest.raises(KeyboardInterrupt):
        stages.export_workspace(ws)
    assert stages.export_complete(ws) and (ws.export / "sharegpt.json").read_text() == before


def test_a_damaged_dedup_index_is_rebuilt_from_the_judged_samples(tmp_path):
    ws, cfg, run = generated_workspace(tmp_path / "ws")
    stages.curate_run(ws, run, cfg)
    judged = {s.id for s in stages.judged_samples(ws)}
    (ws.state / "dedup.npz").write_bytes(b"PK\x03\x04 torn")
    again = ws.new_run()
    stages.record_batch(ws, again, stages.generate_batch(ws, FACTS, cfg))  # the same samples once more
    stats = stages.curate_run(ws, again, cfg)
    assert "dedup.npz is damaged" in stats.index_rebuilt and (ws.state / "dedup.npz.damaged").exists()
    assert stats.dropped == {"already_curated": len(judged)}  # the rebuilt index still knows every sample


def test_a_damaged_graph_names_the_file_and_the_backup(tmp_path):
    from kgraph.graph import GraphDamaged, load_graph

    ws, cfg, run = generated_workspace(tmp_path / "ws")
    save_graph(load_graph(ws.graph), ws.graph)  # a second save keeps the first as graph.json.bak
    ws.graph.write_text(ws.graph.read_text()[:100])
    with pytest.raises(GraphDamaged, match=r"graph.json is damaged .*cp .*graph.json.bak"):
        load_graph(ws.graph)


def test_curate_with_the_llm_judge_reports_its_requests_and_tokens(tmp_path, monkeypatch):
    from openai_server import FakeOpenAI

    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    ws, _, run = generated_workspace(tmp_path / "ws")
    with FakeOpenAI() as server:
        llm = {"base_url": server.base_url, "api_key": "x", "model": "fake", "cache": False}
        cfg = load_config(None, {"llm": llm, "judge": {"mode": "llm", "audit_share": 0.0}})
        stats = stages.curate_run(ws, run, cfg)
    judged = stats.seen - sum(stats.dropped.get(r, 0) for r in ("near_duplicate", "eval_contamination"))
    # the fake server's replies do not fit the rubric schema: each is repaired once, then flagged for people
    assert stats.requests == 2 * judged > 0 and stats.repairs == stats.failures == judged
    assert stats.flagged == judged and stats.prompt_tokens > 0 and stats.timeouts == 0


def test_a_document_whose_llm_extraction_failed_is_not_recorded_as_known(tmp_path):

    from kgraph.records import Document, Rejection

    ws = Workspace(tmp_path / "ws").create()
    run = ws.new_run()
    failed, fine = (Document(id=i, path=f"{i}.txt", text=f"Text {i}.") for i in ("failed", "fine"))
    timeout = Rejection(item_id="failed", stage="extract", reason="timeout")
    stages.finish_extract(ws, run, [failed, fine], [], [timeout], Stopwatch())
    assert read_ids(ws.known_documents) == {"fine"}  # the failed one is extracted again
