"""A PNG of the most connected part of the graph, one panel per domain: what a person looks at to judge the
extraction. Node colour is the entity type, edge colour the relation (both in the legend); only the most connected
nodes are named, and a name that would cover another is left out."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx

TYPE_COLOURS = {
    "drug": "#4c9be8",
    "disease": "#e8684c",
    "test": "#5cb85c",
    "condition": "#c0504d",
    "party": "#9b59b6",
    "statute": "#f0ad4e",
}
OTHER_TYPE = "#b0b0b0"
RELATION_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
OTHER_RELATION = "#cccccc"
LABELS_PER_PANEL = 12
LABEL_CHARS = 28


def core_subgraph(graph: nx.MultiDiGraph, limit: int = 40) -> nx.MultiDiGraph:
    """The most connected nodes of the largest component, at most `limit` of them."""
    if not graph.number_of_nodes():
        return graph
    largest = max(nx.weakly_connected_components(graph), key=len)
    ranked = sorted(largest, key=lambda n: (-graph.degree(n), n))[:limit]
    view = graph.subgraph(ranked)
    # Copied in sorted order: a view iterates a set, and the seeded layout must see the same order every run.
    core = nx.MultiDiGraph()
    core.add_nodes_from(sorted(view.nodes(data=True), key=lambda item: str(item[0])))
    core.add_edges_from(sorted(view.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))))
    return core


def domain_cores(graph: nx.MultiDiGraph, limit: int) -> dict[str, nx.MultiDiGraph]:
    """Per domain (the edges' `domain`), the core of that domain's edges; the limit is shared between domains."""
    by_domain: dict[str, list] = {}
    for u, v, k, data in graph.edges(keys=True, data=True):
        by_domain.setdefault(data.get("domain", "general"), []).append((u, v, k))
    if not by_domain:
        return {"graph": core_subgraph(graph, limit)}
    share = max(limit // len(by_domain), 10)
    return {domain: core_subgraph(graph.edge_subgraph(edges), share) for domain, edges in sorted(by_domain.items())}


def node_size(core: nx.MultiDiGraph, node) -> int:
    return 150 + 90 * core.degree(node)


def short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def place_labels(axes, core: nx.MultiDiGraph, layout: dict, taken: list) -> list:
    """Name the most connected nodes, most connected first, skipping any name whose box would overlap one
    already placed (`taken`, shared across panels) or leave the figure. Returns the texts kept."""
    figure = axes.figure
    renderer = figure.canvas.get_renderer()
    bounds = figure.bbox
    kept = []
    for node in sorted(core, key=lambda n: (-core.degree(n), n))[:LABELS_PER_PANEL]:
        above = node_size(core, node) ** 0.5 / 2 + 1  # just over the node: a marker's size is its area in points²
        text = axes.annotate(short(core.nodes[node].get("name", node)), layout[node], xytext=(0, above),
                             textcoords="offset points", fontsize=9, ha="center", va="bottom",
                             bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})  # fmt: skip
        box = text.get_window_extent(renderer).expanded(1.08, 1.3)
        inside = bounds.x0 <= box.x0 and box.x1 <= bounds.x1 and bounds.y0 <= box.y0 and box.y1 <= bounds.y1
        if not inside or any(box.overlaps(other) for other in taken):
            text.remove()
            continue
        taken.append(box)
        kept.append(text)
    return kept


def relation_colours(cores: dict[str, nx.MultiDiGraph]) -> dict[str, str]:
    """The most frequent relations in the picture get a colour each; the rest share grey."""
    counts = Counter(d["relation"] for core in cores.values() for *_, d in core.edges(data=True))
    return {
        relation: colour for (relation, _), colour in zip(counts.most_common(len(RELATION_COLOURS)), RELATION_COLOURS)
    }


def legend(figure, cores: dict[str, nx.MultiDiGraph], relations: dict[str, str]) -> list[str]:
    """Two legends under the panels: entity types (node colour) and relations (edge colour). Returns their entries."""
    from matplotlib.lines import Line2D

    types = sorted({core.nodes[n].get("type", "entity") for core in cores.values() for n in core})
    named = [t for t in types if t in TYPE_COLOURS] + (["other entity"] if set(types) - TYPE_COLOURS.keys() else [])
    nodes = [Line2D([], [], marker="o", linestyle="", markersize=10, color=TYPE_COLOURS.get(t, OTHER_TYPE), label=t)
             for t in named]  # fmt: skip
    edges = [Line2D([], [], color=colour, linewidth=2.5, label=r.replace("_", " ")) for r, colour in relations.items()]
    edges.append(Line2D([], [], color=OTHER_RELATION, linewidth=2.5, label="other relations"))
    first = figure.legend(handles=nodes, title="entity type (node colour)", loc="lower left", ncol=4, fontsize=9,
                          bbox_to_anchor=(0.02, 0.01), frameon=False)  # fmt: skip
    figure.legend(handles=edges, title="relation (edge colour)", loc="lower right", ncol=3, fontsize=9,
                  bbox_to_anchor=(0.98, 0.01), frameon=False)  # fmt: skip
    figure.add_artist(first)
    return [h.get_label() for h in nodes + edges]


def draw_panel(axes, core: nx.MultiDiGraph, relations: dict[str, str], title: str) -> dict:
    """Edges and nodes of one domain; returns the node positions."""
    axes.set_axis_off()
    axes.set_title(title, fontsize=12)
    if not core.number_of_nodes():
        return {}
    layout = nx.spring_layout(core, seed=7, k=2.0 / max(core.number_of_nodes(), 1) ** 0.5)
    colours = [TYPE_COLOURS.get(core.nodes[n].get("type"), OTHER_TYPE) for n in core]
    sizes = [node_size(core, n) for n in core]
    edges = [(u, v) for u, v, _ in core.edges(data=True)]
    edge_colours = [relations.get(d["relation"], OTHER_RELATION) for *_, d in core.edges(data=True)]
    nx.draw_networkx_edges(core, layout, edgelist=edges, edge_color=edge_colours, width=1.6, alpha=0.8, arrows=True,
                           arrowsize=10, node_size=sizes, ax=axes)  # fmt: skip
    nx.draw_networkx_nodes(core, layout, node_color=colours, node_size=sizes, alpha=0.95, ax=axes)
    axes.margins(0.12)
    return layout


def graph_figure(graph: nx.MultiDiGraph, limit: int = 40):
    """The figure and what it shows: {'nodes', 'panels' (domains), 'labels' (names drawn), 'boxes' (pixel boxes of
    the legends and names), 'legend' (its entries)}."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    cores = domain_cores(graph, limit)
    figure, axes = plt.subplots(1, len(cores), figsize=(8 * len(cores), 9), dpi=100, squeeze=False)
    relations = relation_colours(cores)
    shown = sum(core.number_of_nodes() for core in cores.values())
    layouts = [
        draw_panel(ax, core, relations, f"{domain}: {core.number_of_nodes()} most connected entities")
        for ax, (domain, core) in zip(axes[0], cores.items())
    ]
    entries = legend(figure, cores, relations)
    figure.suptitle(f"kgsynth graph: {shown} of {graph.number_of_nodes()} entities", fontsize=14)
    figure.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.15, wspace=0.05)
    # Names go on last, once every panel has its final place; the legends count as taken space.
    taken = [box.get_window_extent(figure.canvas.get_renderer()) for box in figure.legends]
    labels = [t for ax, core, layout in zip(axes[0], cores.values(), layouts) if layout
              for t in place_labels(ax, core, layout, taken)]  # fmt: skip
    names = [t.get_text() for t in labels]
    return figure, {"nodes": shown, "panels": list(cores), "labels": names, "boxes": taken, "legend": entries}


def draw_graph(graph: nx.MultiDiGraph, path: Path, limit: int = 40) -> int:
    """Write the picture; returns how many nodes it shows."""
    import matplotlib.pyplot as plt

    figure, shown = graph_figure(graph, limit)
    figure.savefig(path)
    plt.close(figure)
    return shown["nodes"]
