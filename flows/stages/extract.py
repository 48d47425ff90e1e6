"""The extract stage: documents no run has read, batch by batch through the extractor, each batch's facts merged
into the graph as it comes, so a run holds one batch of text and its parses, never the corpus."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from flows.stats import StageStats, Stopwatch, record_stats, stage_stats
from flows.workspace import (
    Workspace,
    WorkspaceError,
    append_ids,
    drop_torn_tail,
    read_ids,
    write_jsonl,
)
from kgraph.corpus import iter_corpus
from kgraph.entities import add_aliases, alias_index, find_abbreviations, load_aliases, typed_fact
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


def corpus_batches(ws: Workspace, corpus: Path, size: int) -> Iterator[tuple[list[Document], list[Rejection]]]:
    """The documents of the corpus that no earlier run has extracted, `size` at a time, each batch with the files
    that could not be read on the way; files are read as batches are asked for, so a run holds one batch of text."""
    known = read_ids(ws.known_documents)
    documents: list[Document] = []
    rejections: list[Rejection] = []
    for item in iter_corpus(corpus):
        if isinstance(item, Rejection):
            rejections.append(item)
        elif item.id not in known:
            documents.append(item)
        if len(documents) == size:
            yield documents, rejections
            documents, rejections = [], []
    if documents or rejections:
        yield documents, rejections


def new_documents(ws: Workspace, corpus: Path) -> tuple[list[Document], list[Rejection]]:
    """All new documents of the corpus and the files that could not be read, as one batch."""
    return next(corpus_batches(ws, corpus, sys.maxsize), ([], []))


def extract_batch(
    documents: list[Document], cfg: ExtractConfig | None = None, llm: LLM | None = None
) -> tuple[list[Fact], list[Rejection]]:
    """Facts of a batch of documents: spaCy rules in one pipe, the LLM extractor where the config sends documents."""
    return extract_documents(documents, cfg, llm)


@dataclass
class GraphMerge:
    """An extraction run under way: the graph its batches have merged into so far, and what it counted. The run's
    files grow batch by batch as *.part files, settled when the run finishes, so a killed run leaves no half
    files for the next one to count."""

    ws: Workspace
    run: Path
    graph: nx.MultiDiGraph
    aliases: dict[str, str] = field(default_factory=dict)
    seen: int = 0
    kept: int = 0
    new_facts: int = 0
    fact_ids: set[str] = field(default_factory=set)
    known: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


RUN_FILES = ("documents.jsonl", "facts.jsonl", "rejections.jsonl")


def start_extract(ws: Workspace, run: Path) -> GraphMerge:
    """The workspace's graph, ready for batches; parts a killed run left in the run folder are dropped."""
    for name in RUN_FILES:
        part_file(run, name).unlink(missing_ok=True)
    return GraphMerge(ws, run, load_graph(ws.graph))


def part_file(run: Path, name: str) -> Path:
    return run / f"{name}.part"


def merge_batch(merge: GraphMerge, documents: list[Document], facts: list[Fact], rejections: list[Rejection]) -> None:
    """Merge one batch's facts into the graph and append the batch to the run's part files."""
    ws, run = merge.ws, merge.run
    # Abbreviations defined in the new documents join the workspace alias table (WS/aliases.tsv, editable).
    learned = {short: long for d in documents for short, long in find_abbreviations(d.text).items()}
    merge.aliases = add_aliases(ws.aliases, learned)
    index = alias_index(merge.aliases)
    facts = merge_facts([typed_fact(f, index) for f in facts])
    merge.new_facts += add_facts(merge.graph, facts)
    unreadable = unreadable_documents(documents, facts)
    write_jsonl(part_file(run, "documents.jsonl"), documents)
    write_jsonl(part_file(run, "facts.jsonl"), facts)
    write_jsonl(part_file(run, "rejections.jsonl"), rejections + unreadable)
    # A document whose LLM extraction failed in a way a rerun could fix is not recorded as known.
    failed = {r.item_id for r in rejections if retry_could_fix(r.reason)}
    merge.known += [d.id for d in documents if d.id not in failed]
    merge.seen += len(documents) + len(rejections)
    merge.kept += len(documents) - len(unreadable)
    merge.fact_ids.update(f.id for f in facts)
    merge.rejections += rejections + unreadable


def close_extract(merge: GraphMerge, clock: Stopwatch, usage: dict | None = None) -> StageStats:
    """Write graph.json, settle the run's files, record the documents as known; the stage's summary row."""
    ws, run, graph = merge.ws, merge.run, merge.graph
    attach_aliases(graph, merge.aliases or load_aliases(ws.aliases))
    save_graph(graph, ws.graph)
    save_graphml(graph, ws.root / "graph.graphml")
    for name in RUN_FILES:
        settle(part_file(run, name), run / name)
    append_ids(ws.known_documents, merge.known)
    stats = stage_stats(
        "extract",
        merge.seen,
        merge.kept,
        merge.rejections,
        clock,
        facts=len(merge.fact_ids),
        new_facts=merge.new_facts,
        graph_nodes=graph.number_of_nodes(),
        graph_edges=graph.number_of_edges(),
        **(usage or {}),
    )
    record_stats(run, stats)
    return stats


def settle(part: Path, final: Path) -> None:
    """The part file becomes the run's file (appended to it when a file is there already), without reading it; a
    run that found no new document wrote none."""
    if not part.exists():
        return
    if not final.exists():
        part.replace(final)
        return
    drop_torn_tail(final)
    with open(part, "rb") as source, open(final, "ab") as target:
        shutil.copyfileobj(source, target)
    part.unlink()


def finish_extract(
    ws: Workspace,
    run: Path,
    documents: list[Document],
    facts: list[Fact],
    rejections: list[Rejection],
    clock: Stopwatch,
    usage: dict | None = None,
) -> StageStats:
    """Merge one batch's facts into graph.json and write the run's files: an extraction of a single batch."""
    merge = start_extract(ws, run)
    merge_batch(merge, documents, facts, rejections)
    return close_extract(merge, clock, usage)


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
