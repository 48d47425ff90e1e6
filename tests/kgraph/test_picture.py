"""graph.png drawn from a graph of both example domains: a panel each, a legend for node and edge colours, and
names only where they fit."""

import shutil
from itertools import combinations

from flows import stages
from flows.stats import Stopwatch
from flows.workspace import Workspace
from kgraph.graph import load_graph
from kgraph.picture import draw_graph, graph_figure

FILES = [
    "medical/hypertension_ace_inhibitors.md",
    "medical/statins_hyperlipidaemia.md",
    "medical/warfarin_anticoagulation.txt",
    "medical/heart_failure.txt",
    "legal/indemnification_clause.txt",
    "legal/payment_terms_clause.txt",
    "legal/consumer_credit_act_section.txt",
    "legal/limitation_of_liability_clause.txt",
]


def test_picture_of_both_domains_has_a_legend_and_names_that_do_not_overlap(examples, tmp_path):
    corpus = tmp_path / "corpus"
    for relative in FILES:
        (corpus / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(examples / relative, corpus / relative)
    ws = Workspace(tmp_path / "ws").create()
    documents, rejections = stages.new_documents(ws, corpus)
    facts = stages.extract_batch(documents)[0]
    stages.finish_extract(ws, ws.new_run(), documents, facts, rejections, Stopwatch())
    graph = load_graph(ws.graph)

    figure, shown = graph_figure(graph)
    assert shown["panels"] == ["legal", "medical"] and shown["nodes"] <= 40
    assert {"drug", "disease", "party", "other entity", "other relations"} <= set(shown["legend"])
    assert any(relation in shown["legend"] for relation in ("causes", "contraindicated in", "must pay"))
    assert 10 <= len(shown["labels"]) <= 24
    assert not any(a.overlaps(b) for a, b in combinations(shown["boxes"], 2))  # names and legends apart
    width, height = figure.get_size_inches() * figure.dpi
    assert all(0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height for box in shown["boxes"])
    assert draw_graph(graph, tmp_path / "graph.png") == shown["nodes"]
    assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"
