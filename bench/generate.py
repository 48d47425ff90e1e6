"""Generation throughput against a local OpenAI-protocol server with 100 ms latency, at concurrency 64.

Ideal: 64 requests every 100 ms = 640 requests/s. Rows: a bare asyncio baseline (sleeps under the same
semaphore), the client alone, then the generation stage (plan, prompts, parsing, samples) and the Prefect generate
flow over a workspace, each for QA only (one request per sample) and for the default mix (QA, self-chat
dialogues of 3-6 turns, multi-hop). The flow's difference from the plain stage splits in two: a cost per flow run
(the call minus the time inside the flow: Prefect starting and ending the run, which ends with a wait of up to
1 s for its heartbeat thread) and a cost per sample (the time inside the flow minus the plain stage: tasks, their
results and records, the diversity report). The QA-only rows run again at twice the size, where a run's one-off
costs weigh half as much. Every row opens its own connections, as a new process would.
Run: .venv/bin/python bench/generate.py [--facts 960] [--mix-facts 240] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.config import KgsynthConfig  # noqa: E402
from flows.workspace import Workspace  # noqa: E402
from generation.generate import GenerationConfig, run_generation  # noqa: E402
from generation.plan import FactIndex  # noqa: E402
from kgraph.graph import add_facts, save_graph  # noqa: E402
from kgraph.llm import LLMConfig, OpenAICompatible, Prompt  # noqa: E402
from kgraph.llm.loop import close_connections, llm_loop, relax_garbage_collector  # noqa: E402
from kgraph.records import Evidence, Fact  # noqa: E402

LATENCY, CONCURRENCY = 0.1, 64
QA_ONLY = GenerationConfig(qa_per_fact=4, aspect_questions=False, dialogues_per_fact=0, multihop_per_fact=0)
DEFAULT_MIX = GenerationConfig(dialogues_per_fact=1, multihop_per_fact=1)  # the mix the README table measured


class Reply(BaseModel):
    content: str


def facts_and_graph(n: int) -> tuple[list[Fact], nx.MultiDiGraph]:
    """n facts, two per drug (it treats one condition and causes the next), and a graph of exactly those facts:
    the Prefect flow generates for every fact of the graph, so the rows must agree on what "all" is."""
    facts = []
    for i in range(n):
        drug, (relation, obj) = (
            f"drug {i // 2}",
            (("treats", f"condition {i}"), ("causes", f"condition {i + 1}"))[i % 2],
        )
        sentence = f"{drug.capitalize()} {relation} {obj}."
        facts.append(
            Fact(
                id=Fact.make_id(drug, relation, obj),
                subject=drug,
                relation=relation,
                object=obj,
                domain="medical",
                # One document per drug, as in a corpus of drug pages: the per-document budget never binds.
                evidence=[Evidence(doc_id=f"d{i // 2}", sentence=sentence, start=0, end=len(sentence))],
            )
        )
    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    return facts, graph


def start_server() -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/generation/openai_server.py"), "--latency", str(LATENCY)],
        stdout=subprocess.PIPE,
        text=True,
    )
    port = server.stdout.readline().strip()
    return server, f"http://127.0.0.1:{port}/v1"


def settings(url: str) -> LLMConfig:
    return LLMConfig(base_url=url, api_key="x", model="fake", concurrency=CONCURRENCY, cache=False)


def sleeps(n: int) -> float:
    async def main():
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one():
            async with limit:
                await asyncio.sleep(LATENCY)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return time.perf_counter() - started

    return asyncio.run(main())


def cpu_probe() -> float:
    """Seconds of a fixed pure-Python loop: when it varies between rounds, so did the machine, and so do the rows."""
    started = time.perf_counter()
    sum(i * i for i in range(2_000_000))
    return time.perf_counter() - started


def client_only(url: str, n: int, tag: int) -> float:
    async def main():
        llm = OpenAICompatible("fake", base_url=url, settings=settings(url))
        prompts = [Prompt(task="x", messages=[{"role": "user", "content": f"bench {tag} {i}"}]) for i in range(n)]
        pending = iter(prompts)

        async def worker():  # as the generation stage drives it: twice the concurrency in workers
            for prompt in pending:
                await llm.complete(prompt, Reply)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(2 * CONCURRENCY)))
        elapsed = time.perf_counter() - started
        await close_connections()
        return elapsed

    return asyncio.run(main())


def cold_start() -> None:
    """Close the LLM loop's connections, so every timed row opens its own, as a new process would."""
    asyncio.run_coroutine_threadsafe(close_connections(), llm_loop()).result()


def stage(url: str, facts: list[Fact], graph: nx.MultiDiGraph, mix: GenerationConfig) -> tuple[float, int, int]:
    """Seconds, samples and requests of the plain generation stage."""
    cold_start()
    llm = OpenAICompatible("fake", base_url=url, settings=settings(url))
    started = time.perf_counter()
    samples, rejections = run_generation([(mix, facts)], FactIndex.of(graph), llm)
    elapsed = time.perf_counter() - started
    assert not rejections, rejections[:1]
    return elapsed, len(samples), llm.usage.requests


def prefect_flow(
    url: str, facts: list[Fact], graph: nx.MultiDiGraph, mix: GenerationConfig
) -> tuple[float, int, int, float]:
    """Seconds, samples and requests of the Prefect generate flow over a fresh workspace holding the graph, and
    the seconds inside the flow (its own stats)."""
    from flows.pipeline import generate_flow

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp)).create()
        save_graph(graph, ws.graph)
        cfg = KgsynthConfig(llm=settings(url), generation=mix)
        run = ws.new_run()
        cold_start()
        started = time.perf_counter()
        stats = generate_flow(ws, cfg, run)
        return time.perf_counter() - started, stats.samples, stats.requests, stats.seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=int, default=960, help="facts for the QA-only rows (4 requests each)")
    parser.add_argument("--mix-facts", type=int, default=240, help="facts for the default-mix rows")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # The QA-only rows also run at twice the size, where the one-off costs of a run (connecting, the first burst of
    # replies, the last stragglers, Prefect's start and end) weigh half as much.
    sizes = {"": facts_and_graph(args.facts), " x2": facts_and_graph(2 * args.facts)}
    mix_facts, mix_graph = facts_and_graph(args.mix_facts)
    requests = 4 * args.facts
    server, url = start_server()
    flows = {f"QA only{size}": (facts, graph, QA_ONLY) for size, (facts, graph) in sizes.items()}
    flows["default mix"] = (mix_facts, mix_graph, DEFAULT_MIX)
    rows = {"asyncio sleep baseline": lambda r: (sleeps(requests), requests, requests)}
    for size, (facts, graph) in sizes.items():
        n = 4 * len(facts)
        rows[f"client alone{size}"] = lambda r, n=n: (client_only(url, n, r), n, n)
        rows[f"stage, QA only{size}"] = lambda r, facts=facts, graph=graph: stage(url, facts, graph, QA_ONLY)
    rows["stage, default mix"] = lambda r: stage(url, mix_facts, mix_graph, DEFAULT_MIX)
    for mix_name, (facts, graph, mix) in flows.items():
        rows[f"Prefect flow, {mix_name}"] = lambda r, facts=facts, graph=graph, mix=mix: prefect_flow(
            url, facts, graph, mix
        )
    runs: dict[str, list[tuple]] = {name: [] for name in rows}
    probes: list[float] = []
    relax_garbage_collector()  # as a command sending many requests does
    try:
        # Prefect's ephemeral server starts outside the timings. Its idle threads do not slow the plain rows
        # (the stage measured 6.61-6.68 s before it started, 6.65-6.77 s after).
        prefect_flow(url, mix_facts[:8], mix_graph, QA_ONLY)
        for r in range(args.repeats):  # every row once per round: a slow spell of the machine hits all rows alike
            for name, measure in rows.items():
                probes.append(cpu_probe())
                runs[name].append(measure(r))
    finally:
        server.terminate()
    ideal_rate = CONCURRENCY / LATENCY
    print(f"latency {LATENCY * 1000:.0f} ms, concurrency {CONCURRENCY}: ideal {ideal_rate:.0f} requests/s")
    print(f"{'row':28} {'requests':>9} {'median s':>9} {'ideal s':>8} {'req/s':>7} {'% of ideal':>11}")
    medians = {}
    for name, results in runs.items():
        seconds, samples, sent = (statistics.median(column) for column in list(zip(*results))[:3])
        medians[name] = (seconds, samples, sent)
        ideal = sent / ideal_rate
        print(f"{name:28} {sent:9.0f} {seconds:9.2f} {ideal:8.2f} {sent / seconds:7.0f} {100 * ideal / seconds:10.0f}%")
    print(f"CPU probe before each row: {min(probes):.3f}-{max(probes):.3f} s (a wide spread: the machine was busy)")
    print("Prefect layer (flow minus plain stage) = per flow run (call minus time inside the flow) + per sample:")
    for mix_name in flows:
        (plain, samples, _), (flow, _, _) = medians[f"stage, {mix_name}"], medians[f"Prefect flow, {mix_name}"]
        body = statistics.median(result[3] for result in runs[f"Prefect flow, {mix_name}"])
        print(f"  {mix_name:12} {flow - plain:5.2f} s = {flow - body:4.2f} s per run + {body - plain:5.2f} s over "
              f"{samples:.0f} samples ({1000 * (body - plain) / samples:.2f} ms per sample)")  # fmt: skip


if __name__ == "__main__":
    main()
