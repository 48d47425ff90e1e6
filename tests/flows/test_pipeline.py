"""The pipeline flow against a real Prefect server: a SIGKILLed run resumes, and the Dask runner spreads work."""

import asyncio
import hashlib
import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import networkx as nx
import pytest
from fakes import make_fact
from openai_server import FakeOpenAI

from flows.config import load_config
from flows.pipeline import run_flow
from flows.workspace import Workspace, read_ids, read_jsonl
from generation.records import Sample
from kgraph.graph import add_facts, graph_facts, load_graph, save_graph
from kgraph.records import Rejection

KGSYNTH = str(Path(sys.executable).with_name("kgsynth"))


class GroundedOpenAI(FakeOpenAI):
    """The fake server, answering from the prompt's evidence sentence so the judge accepts the samples."""

    def __enter__(self) -> "GroundedOpenAI":
        ready = threading.Event()  # like FakeOpenAI's, with a lifetime that outlasts two runs
        self.thread = threading.Thread(target=asyncio.run, args=(self.serve(900.0, ready),), daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def reply(self, request: dict):
        if "messages" not in request:  # the preflight's GET: any answer shows the endpoint is up
            return 404, {}, b'{"error": {"message": "not found"}}', 0.0
        status, extra, body, delay = super().reply(request)
        user = next(m["content"] for m in request["messages"] if m["role"] == "user")
        evidence, subject = re.search(r'Evidence sentence: "(.*)"', user), re.search(r"\((.*?)\) -\[", user)
        if not evidence or not subject:
            return status, extra, body, delay
        evidence, subject = evidence.group(1), subject.group(1)
        kind = re.search(r"of type '(\w+)'", user)
        tag = hashlib.sha1(user.encode()).hexdigest()[:6]  # distinct questions, so distinct sample ids
        question = f"About {subject}, what is known ({kind.group(1) if kind else 'follow-up'}, {tag})?"
        schema = request["response_format"]["json_schema"]["name"]
        content = (
            {"question": question, "answer": evidence}
            if schema == "QAPair"
            else {"content": question if "You play the human" in user else evidence}
        )
        reply = json.loads(body)
        reply["choices"][0]["message"]["content"] = json.dumps(content)
        return status, extra, json.dumps(reply).encode(), delay


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.slow
def test_run_killed_mid_generation_resumes_without_redoing_or_duplicating(cli_env, small_corpus, tmp_path):
    ws = tmp_path / "ws"
    done_path = ws / "state" / "generated_facts.ids"
    with GroundedOpenAI(latency=0.03) as server:
        config = tmp_path / "kgsynth.toml"
        config.write_text(
            f'[llm]\nbase_url = "{server.base_url}"\napi_key = "test"\nmodel = "fake"\n\n'
            '[judge]\nmode = "offline"\nembeddings = false\n\n'
            "[flows]\ngenerate_batch = 4\nllm_slots = 50\n"  # slots a kill leaks return only after 60-75 s
        )
        args = [KGSYNTH, "run", small_corpus, "--workspace", ws, "--config", config, "--no-train"]
        env = {**cli_env, "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS": "2"}  # two batches at a time
        killed = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: len(read_ids(done_path)) >= 4 or killed.poll() is not None, 180, "a finished batch")
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        done_at_kill = read_ids(done_path)
        total = len(graph_facts(load_graph(ws / "graph.json")))
        assert 4 <= len(done_at_kill) < total, "the kill must land in the middle of generation"

        resumed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    (run,) = sorted((ws / "runs").iterdir())  # the killed run was resumed, not abandoned
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    stats = json.loads((run / "stats.json").read_text())
    assert stats["generate"]["in"] == total - len(done_at_kill)  # finished facts were not generated again
    # every fact that passes the confidence gate is done; the others stay pending, to be looked at again
    gate = load_config(None).generation.min_confidence
    assert read_ids(done_path) == {f.id for f in graph_facts(load_graph(ws / "graph.json")) if f.confidence >= gate}
    samples = {s.id: s for s in read_jsonl(run / "samples.jsonl", Sample)}
    # no fact lost its samples: a done fact has samples, or the planner skipped it for a reason it recorded
    skipped = {r.item_id for r in read_jsonl(run / "rejections.jsonl", Rejection) if r.stage == "generate"}
    with_samples = {i for s in samples.values() for i in s.fact_ids}
    assert with_samples <= read_ids(done_path) and read_ids(done_path) - with_samples <= skipped
    verdict_ids = [json.loads(line)["sample_id"] for line in (run / "verdicts.jsonl").read_text().splitlines()]
    assert len(verdict_ids) == len(set(verdict_ids)) == len(samples)
    exported = json.loads((ws / "export" / "sharegpt.json").read_text())
    assert exported and len({json.dumps(row["conversations"]) for row in exported}) == len(exported)
    assert "## Judge scores" in (run / "report.md").read_text()
    assert '<section id="judge-scores">' in (run / "report.html").read_text()
    assert "size_categories" in (ws / "export" / "README.md").read_text()


@pytest.mark.slow
def test_dask_runner_spreads_work_over_two_workers_within_one_llm_bound(prefect_api, small_corpus, tmp_path):
    """Each Dask worker has its own LLM connection: together they keep to `[llm] concurrency` requests in flight."""
    from distributed import Client, LocalCluster

    with (
        GroundedOpenAI(latency=0.05) as server,
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        flows = {"runner": "dask", "dask_address": cluster.scheduler_address, "extract_batch": 1, "generate_batch": 4}
        llm = {"base_url": server.base_url, "api_key": "test", "model": "fake", "concurrency": 4}
        cfg = load_config(
            None, {"llm": llm, "extract": {"extractor": "spacy"}, "judge": {"mode": "offline"}, "flows": flows}
        )
        summary = run_flow(small_corpus, Workspace(tmp_path / "ws"), cfg, train=False)
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(count > 0 for count in executed.values()), executed
    extract, generate = summary[0], summary[1]
    assert extract.kept == 3 and generate.samples > generate.facts > 0 and generate.requests > 20
    assert server.most_in_flight <= 4  # two workers with 2 each, not 4 each


class ExtractingOpenAI(GroundedOpenAI):
    """Answers extraction prompts with one fact quoting the document's first sentence, verbatim."""

    def reply(self, request: dict):
        status, extra, body, delay = super().reply(request)
        if request.get("response_format", {}).get("json_schema", {}).get("name") != "Extraction" or status != 200:
            return status, extra, body, delay
        user = next(m["content"] for m in request["messages"] if m["role"] == "user")
        quote = "Metformin senkt die Glukoseproduktion der Leber."
        fact = {"subject": "Metformin", "subject_type": "drug", "relation": "senken", "object": "Glukoseproduktion",
                "object_type": "other", "evidence": quote if quote in user else "Nicht im Text."}  # fmt: skip
        reply = json.loads(body)
        reply["choices"][0]["message"]["content"] = json.dumps({"facts": [fact]})
        return status, extra, json.dumps(reply).encode(), delay


@pytest.mark.slow
def test_extract_flow_sends_non_english_documents_to_the_llm_extractor(
    prefect_api, small_corpus, tmp_path, monkeypatch
):
    from flows.pipeline import extract_flow

    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    (small_corpus / "medical" / "metformin_de.txt").write_text(
        "Metformin senkt die Glukoseproduktion der Leber. Es ist das Mittel der ersten Wahl bei Typ-2-Diabetes.",
        encoding="utf-8",
    )
    with ExtractingOpenAI() as server:
        llm = {"base_url": f"http://127.0.0.1:{server.port}/v1", "api_key": "test", "model": "fake"}
        cfg = load_config(None, {"llm": llm, "extract": {"second_pass": False}})
        stats = extract_flow(small_corpus, Workspace(tmp_path / "ws").create(), cfg=cfg)
    facts = graph_facts(load_graph(tmp_path / "ws" / "graph.json"))
    german = [f for f in facts if f.extractor != "spacy-rules"]
    assert [(f.subject.lower(), f.object, f.evidence[0].sentence) for f in german] == [
        ("metformin", "Glukoseproduktion", "Metformin senkt die Glukoseproduktion der Leber.")
    ]
    assert stats.kept == 4 and len(facts) > len(german)  # the English documents still went through spaCy
    assert stats.requests >= 1 and stats.timeouts == 0 and stats.prompt_tokens > 0  # LLM use in the summary


@pytest.mark.slow
def test_a_flow_that_waits_too_long_for_an_llm_slot_stops_with_a_clear_error(prefect_api, tmp_path, monkeypatch):
    """The LLM slot is held per flow: with every slot taken by another flow, generation waits, then says why."""
    import uuid

    from prefect.concurrency.sync import concurrency

    import flows.pipeline
    from flows.config import ConfigError
    from flows.pipeline import ensure_llm_limit, generate_flow

    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    # A limit of its own, one slot: the session's kgsynth-llm may still hold a slot leaked by a killed run.
    monkeypatch.setattr(flows.pipeline, "LLM_LIMIT", f"kgsynth-llm-test-{uuid.uuid4().hex[:8]}")
    ws = Workspace(tmp_path / "ws").create()
    graph = nx.MultiDiGraph()
    add_facts(graph, [make_fact("aspirin", "treats", "headache")])
    save_graph(graph, ws.graph)
    endpoint = {"base_url": "http://127.0.0.1:9/v1", "api_key": "x"}
    cfg = load_config(None, {"llm": endpoint, "flows": {"llm_slots": 1, "llm_slot_timeout": 1}})
    ensure_llm_limit(1)
    with concurrency(flows.pipeline.LLM_LIMIT, occupy=1, timeout_seconds=10, lease_duration=60, strict=True):
        started = time.monotonic()
        with pytest.raises(ConfigError, match="llm_slot_timeout"):
            generate_flow(ws, cfg, ws.new_run())
    assert time.monotonic() - started < 30
    assert read_ids(ws.state / "generated_facts.ids") == set()  # nothing was generated or marked done


@pytest.mark.slow
def test_facts_whose_requests_all_failed_stay_pending_for_the_next_run(prefect_api, tmp_path, monkeypatch):
    """An endpoint that answers 200 with non-JSON: nothing is marked done, and a healthy endpoint later does it."""
    from flows.pipeline import generate_flow

    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    ws = Workspace(tmp_path / "ws").create()
    graph = nx.MultiDiGraph()
    add_facts(graph, [make_fact("aspirin", "treats", "headache"), make_fact("metformin", "treats", "diabetes")])
    save_graph(graph, ws.graph)
    fast = {"max_retries": 0, "cache": False, "api_key": "x", "model": "fake"}
    with FakeOpenAI(faults={"malformed_always": 1.0}) as broken:
        cfg = load_config(None, {"llm": {**fast, "base_url": broken.base_url}})
        stats = generate_flow(ws, cfg, ws.new_run())
    assert stats.dropped.get("invalid_json", 0) > 0 and stats.facts_left_pending == 2
    assert read_ids(ws.state / "generated_facts.ids") == set()
    with FakeOpenAI() as healthy:
        cfg = load_config(None, {"llm": {**fast, "base_url": healthy.base_url}})
        stats = generate_flow(ws, cfg, ws.new_run())
    assert stats.facts_left_pending == 0 and len(read_ids(ws.state / "generated_facts.ids")) == 2
