"""The run report, torn-file repair and preflight checks, by plain calls (no Prefect server)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import make_sample

from curation.records import Verdict
from flows.config import ConfigError, load_config
from flows.preflight import check_endpoints
from flows.report import build_report, histogram
from flows.stages import run_samples
from flows.workspace import append_ids, read_ids, read_jsonl, write_jsonl
from generation.records import Sample
from kgraph.records import Rejection


def sample(question: str, answer: str, qtype: str = "object") -> Sample:
    return make_sample(question, answer, style={"question_type": qtype})


def test_report_counts_drops_cost_diversity_and_scores(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    first, second = sample("What treats diabetes?", "Metformin does."), sample("Who signs?", "Both parties.", "subject")
    write_jsonl(run / "samples.jsonl", [first, second, first])  # a batch redone after a kill
    write_jsonl(
        run / "verdicts.jsonl",
        [
            Verdict(sample_id=first.id, scores={"grounding": 0.95}, decision="accept", judge="t"),
            Verdict(sample_id=second.id, scores={"grounding": 0.1}, decision="reject", reasons=["x"], judge="t"),
        ],
    )
    ungrounded = Rejection(item_id=second.id, stage="judge", reason="ungrounded")
    write_jsonl(run / "rejections.jsonl", [ungrounded, ungrounded])
    stats = {"generate": {"stage": "generate", "in": 1, "kept": 2, "dropped": {}, "seconds": 1.0, "cost_usd": 0.25}}
    (run / "stats.json").write_text(json.dumps(stats))
    report = build_report(run)
    assert "| samples generated | 2 |" in report and "| judge | ungrounded | 1 |" in report
    assert "| cost_usd | 0.25 |" in report
    assert "object: 1, subject: 1" in report and "distinct-2 of answers" in report
    assert "| grounding | 1 | 0 | 0 | 0 | 1 |" in report and "accept: 1, flag: 0, reject: 1" in report


def test_histogram_puts_one_in_the_top_bin():
    assert histogram([0.0, 0.19, 0.2, 0.99, 1.0]) == [2, 1, 0, 0, 2]


def test_torn_tail_is_cut_before_the_next_append(tmp_path):
    path = tmp_path / "samples.jsonl"
    good = sample("What treats diabetes?", "Metformin does.")
    write_jsonl(path, [good])
    with open(path, "a") as handle:
        handle.write('{"id": "torn')  # a writer killed mid-line
    write_jsonl(path, [good])
    assert [s.id for s in read_jsonl(path, Sample)] == [good.id, good.id]
    assert [s.id for s in run_samples(tmp_path)] == [good.id]
    ids = tmp_path / "done.ids"
    append_ids(ids, ["aaaa"])
    ids.write_text(ids.read_text() + "bb")  # torn id
    append_ids(ids, ["cccc"])
    assert read_ids(ids) == {"aaaa", "cccc"}


def test_a_complete_but_invalid_last_line_is_an_error_not_a_torn_write(tmp_path):
    from flows.workspace import WorkspaceError

    path = tmp_path / "samples.jsonl"
    write_jsonl(path, [sample("What treats diabetes?", "Metformin does.")])
    with open(path, "a") as handle:
        handle.write('{"id": "edited by hand"}\n')  # whole line, newline written: not a killed writer
    with pytest.raises(WorkspaceError, match="samples.jsonl:2 is not a valid Sample"):
        read_jsonl(path, Sample)


def test_unknown_key_and_wrong_type_name_the_field(tmp_path):
    config = tmp_path / "kgsynth.toml"
    config.write_text('[flows]\nrunner = "spark"\n')
    with pytest.raises(ConfigError, match="flows.runner"):
        load_config(config)
    config.write_text("[flows]\ngenerate_batch = 'many'\n")
    with pytest.raises(ConfigError, match="flows.generate_batch"):
        load_config(config)


def test_unreachable_endpoints_fail_naming_the_setting(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError, match=r"`llm.base_url`: cannot reach"):
        check_endpoints(load_config(None, {"llm": {"base_url": f"http://127.0.0.1:{port}/v1"}}))
    with pytest.raises(ConfigError, match=r"`flows.dask_address`: cannot reach"):
        check_endpoints(load_config(None, {"flows": {"runner": "dask", "dask_address": f"tcp://127.0.0.1:{port}"}}))


def test_unreadable_config_files_are_config_errors(tmp_path):
    (tmp_path / "latin1.toml").write_bytes("[llm]\nmodel = 'caf\xe9'\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path / "latin1.toml")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path)  # a folder, not a file


def test_llm_modes_without_an_endpoint_fail_before_any_work(monkeypatch):
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=r"`extract.extractor` is llm but no LLM endpoint"):
        check_endpoints(load_config(None, {"extract": {"extractor": "llm"}}))
    with pytest.raises(ConfigError, match=r"`judge.mode` is llm but no LLM endpoint"):
        check_endpoints(load_config(None, {"judge": {"mode": "llm"}}))


@pytest.mark.slow
def test_schedule_without_a_server_says_so_in_one_line(small_corpus, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    kgsynth = str(Path(sys.executable).with_name("kgsynth"))
    args = [kgsynth, "schedule", small_corpus, "--workspace", tmp_path / "ws"]
    no_server = subprocess.run([*args, "--cron", "0 2 * * *"], env=env, capture_output=True, text=True)
    bad_cron = subprocess.run([*args, "--cron", "every night"], env=env, capture_output=True, text=True)
    for result, needle in ((no_server, "prefect server start"), (bad_cron, "`--cron`")):
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode == 2 and len(lines) == 1 and needle in lines[0], result.stderr


def test_generate_batch_with_probe_quotas_and_a_real_client(tmp_path, monkeypatch):
    """Two quota groups share one client and its response cache: neither may find it closed."""
    import json

    import networkx as nx
    from openai_server import FakeOpenAI

    from flows.stages import generate_batch
    from flows.workspace import Workspace
    from kgraph.graph import add_facts, graph_facts, save_graph
    from kgraph.records import Evidence, Fact

    sentence = "Metformin is used to treat type 2 diabetes and can cause lactic acidosis."  # (parsed right)
    facts = [Fact(id=Fact.make_id("metformin", r, o), subject="metformin", relation=r, object=o, domain="medical",
                  evidence=[Evidence(doc_id="d", sentence=sentence, start=0, end=len(sentence))])
             for r, o in (("treats", "type 2 diabetes"), ("causes", "lactic acidosis"))]  # fmt: skip
    ws = Workspace(tmp_path / "ws").create()
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    save_graph(graph, ws.graph)
    facts = graph_facts(graph)
    (ws.fact_quota).write_text(json.dumps({"quota": {facts[0].id: 0.5}}))
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with FakeOpenAI() as server:
        cfg = load_config(None, {"llm": {"base_url": server.base_url, "api_key": "k", "model": "fake"}})
        batch = generate_batch(ws, facts, cfg)
    assert batch.rejections == []
    assert {i for s in batch.samples for i in s.fact_ids} == {f.id for f in facts}
