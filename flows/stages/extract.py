"""The extract stage: documents no run has read, one batch through the extractor, facts merged into the graph."""

from __future__ import annotations

from pathlib import Path

from flows.stats import StageStats, Stopwatch, record_stats, stage_stats
from flows.workspace import (
    Workspace,
    WorkspaceError,
    append_ids,
    read_ids,
    write_jsonl,
)
from kgraph.corpus import read_corpus
from kgraph.entities import add_aliases, alias_index, find_abbreviations, typed_fact
from kgraph.extract import unreadable_documents
from kgraph.graph import (
    add_facts,
    attach_aliases,
    graph_stats,
    load_graph,
    merge_facts,
    save_graph,
    save_graphml,
)
from kgraph.llm import LLM, retry_could_fix
from kgraph.llm_extract import ExtractConfig, extract_documents
from kgraph.records import Document, Fact, Rejection


def new_documents(ws: Workspace, corpus: Path) -> tuple[list[Document], list[Rejection]]:
    """Documents of the corpus that no earlier run has extracted, and the files that could not be read."""
    documents, rejections = read_corpus(corpus)
    known = read_ids(ws.known_documents)
    return [d for d in documents if d.id not in known], rejections


def extract_batch(
    documents: list[Document], cfg: ExtractConfig | None = None, llm: LLM | None = None
) -> tuple[list[Fact], list[Rejection]]:
    """Facts of a batch of documents: spaCy rules in one pipe, the LLM extractor where the config sends documents."""
    return extract_documents(documents, cfg, llm)


def finish_extract(
    ws: Workspace,
    run: Path,
    documents: list[Document],
    facts: list[Fact],
    rejections: list[Rejection],
    clock: Stopwatch,
    usage: dict | None = None,
) -> StageStats:
    """Merge the facts into graph.json, record the documents as known, and write the run's files."""
    graph = load_graph(ws.graph)
    # Abbreviations defined in the new documents join the workspace alias table (WS/aliases.tsv, editable).
    learned = {short: long for d in documents for short, long in find_abbreviations(d.text).items()}
    aliases = add_aliases(ws.aliases, learned)
    facts = merge_facts([typed_fact(f, alias_index(aliases)) for f in facts])
    new = add_facts(graph, facts)
    attach_aliases(graph, aliases)
    save_graph(graph, ws.graph)
    save_graphml(graph, ws.root / "graph.graphml")
    unreadable = unreadable_documents(documents, facts)
    write_jsonl(run / "documents.jsonl", documents)
    write_jsonl(run / "facts.jsonl", facts)
    write_jsonl(run / "rejections.jsonl", rejections + unreadable)
    # A document whose LLM extraction failed in a way a rerun could fix is not recorded as known.
    failed = {r.item_id for r in rejections if retry_could_fix(r.reason)}
    append_ids(ws.known_documents, [d.id for d in documents if d.id not in failed])
    stats = stage_stats(
        "extract",
        len(documents) + len(rejections),
        len(documents) - len(unreadable),
        rejections + unreadable,
        clock,
        facts=len(facts),
        new_facts=new,
        graph_nodes=graph.number_of_nodes(),
        graph_edges=graph.number_of_edges(),
        **(usage or {}),
    )
    record_stats(run, stats)
    return stats


def graph_report(ws: Workspace, picture: bool = True) -> dict:
    """`kgsynth graph`: the graph's stats, a PNG of its most connected part and a GraphML copy beside graph.json."""
    if not ws.graph.exists():
        raise WorkspaceError(f"no graph in {ws.root}: run `kgsynth extract CORPUS --workspace {ws.root}` first")
    graph = load_graph(ws.graph)
    save_graphml(graph, ws.root / "graph.graphml")
    stats = graph_stats(graph)
    if picture:
        from kgraph.picture import draw_graph

        stats["picture_nodes"] = draw_graph(graph, ws.root / "graph.png")
    return stats
