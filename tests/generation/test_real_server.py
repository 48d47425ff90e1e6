"""The LLM client against a real OpenAI-compatible server nobody here wrote: `transformers serve` (from the pinned
transformers) with a tiny random model built from a config, so replies are what a weak model really sends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import networkx as nx
import pytest
from fakes import make_fact

from flows.config import load_config
from flows.stages import generate_batch, pending_facts, record_batch
from flows.workspace import Workspace, read_ids
from generation.records import QAPair
from kgraph.graph import add_facts, save_graph
from kgraph.llm import LLMConfig, LLMError, OpenAICompatible, Prompt
from kgraph.llm.loop import close_connections, run_llm

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory, examples):
    from training.tiny import save_tiny_base

    base = save_tiny_base([p.read_text() for p in sorted(examples.rglob("*.txt"))], tmp_path_factory.mktemp("m") / "b")
    port = free_port()
    command = [str(Path(sys.executable).with_name("transformers")), "serve", str(base), "--port", str(port)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([*command, "--device", "cpu"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"transformers serve did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(1)
    yield {"base_url": f"http://127.0.0.1:{port}/v1", "model": str(base), "api_key": "none"}
    server.terminate()
    server.wait(30)


def test_a_reply_cut_at_max_tokens_is_truncated_without_a_repair(served):
    settings = LLMConfig(max_tokens=12, temperature=0.0, max_retries=0, timeout=120)
    llm = OpenAICompatible(served["model"], base_url=served["base_url"], api_key="none", settings=settings)
    prompt = Prompt(task="qa", messages=[{"role": "user", "content": "Write a question and answer about metformin."}])
    try:
        with pytest.raises(LLMError) as err:
            run_llm(llm, llm.complete(prompt, QAPair))
    finally:
        run_llm(llm, close_connections())
    assert err.value.reason == "truncated" and err.value.raw  # the cut reply is kept as the raw output
    assert llm.usage.requests == 1 and llm.usage.repairs == 0  # no repair repeating the cut reply
    assert llm.usage.prompt_tokens > 0 and llm.usage.completion_tokens == 12  # the server's own counts


def test_facts_the_real_server_could_not_answer_stay_pending(served, tmp_path):
    ws = Workspace(tmp_path / "ws").create()
    graph = nx.MultiDiGraph()
    add_facts(graph, [make_fact("metformin", "reduces", "hepatic glucose production")])
    save_graph(graph, ws.graph)
    llm = {**served, "max_tokens": 12, "temperature": 0.0, "max_retries": 0, "timeout": 120, "cache": False}
    cfg = load_config(None, {"llm": llm, "generation": {"dialogues_per_fact": 0, "multihop_per_fact": 0}})
    batch = generate_batch(ws, pending_facts(ws), cfg)
    assert batch.rejections and {r.reason for r in batch.rejections} == {"truncated"}
    recorded = record_batch(ws, ws.new_run(), batch)
    assert (
        recorded.pending == 1
        and recorded.written == len(batch.samples)
        and read_ids(ws.state / "generated_facts.ids") == set()
    )
