"""A PNG of the most connected part of the graph: what a person looks at to judge the extraction."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

TYPE_COLOURS = {
    "drug": "#4c9be8",
    "disease": "#e8684c",
    "test": "#5cb85c",
    "party": "#9b59b6",
    "statute": "#f0ad4e",
}


def core_subgraph(graph: nx.MultiDiGraph, limit: int = 40) -> nx.MultiDiGraph:
    """The most connected nodes of the largest component, at most `limit` of them."""
    if not graph.number_of_nodes():
        return graph
    largest = max(nx.weakly_connected_components(graph), key=len)
    ranked = sorted(largest, key=lambda n: (-graph.degree(n), n))[:limit]
    return graph.subgraph(ranked).copy()


def draw_graph(graph: nx.MultiDiGraph, path: Path, limit: int = 40) -> int:
    """Write the picture; returns how many nodes it shows."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    core = core_subgraph(graph, limit)
    figure, axes = plt.subplots(figsize=(14, 10), dpi=100)
    axes.set_axis_off()
    if core.number_of_nodes():
        layout = nx.spring_layout(core, seed=7, k=1.5 / max(core.number_of_nodes(), 1) ** 0.5)
        colours = [TYPE_COLOURS.get(core.nodes[n].get("type"), "#aaaaaa") for n in core]
        sizes = [300 + 120 * core.degree(n) for n in core]
        nx.draw_networkx_nodes(core, layout, node_color=colours, node_size=sizes, alpha=0.9, ax=axes)
        nx.draw_networkx_labels(core, layout, {n: core.nodes[n]["name"] for n in core}, font_size=8, ax=axes)
        nx.draw_networkx_edges(core, layout, alpha=0.4, arrows=True, arrowsize=10, ax=axes)
        labels = {(s, t): d["relation"] for s, t, d in core.edges(data=True)}
        nx.draw_networkx_edge_labels(core, layout, labels, font_size=6, ax=axes)
    axes.set_title(f"kgsynth graph: {core.number_of_nodes()} most connected of {graph.number_of_nodes()} entities")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return core.number_of_nodes()
