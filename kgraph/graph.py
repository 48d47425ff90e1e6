"""Merge facts into a networkx MultiDiGraph and keep it as WS/graph.json (node-link data)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import networkx as nx

from kgraph.entities import entity_key
from kgraph.records import Evidence, Fact


def merge_facts(facts: list[Fact]) -> list[Fact]:
    """Facts with the same id become one, carrying all their evidence (its length is the support count)."""
    merged: dict[str, Fact] = {}
    for fact in facts:
        known = merged.get(fact.id)
        if known is None:
            merged[fact.id] = fact
            continue
        evidence = known.evidence + [e for e in fact.evidence if e not in known.evidence]
        best = fact if fact.confidence > known.confidence else known
        merged[fact.id] = known.model_copy(
            update={"evidence": evidence, "confidence": best.confidence, "checks": best.checks}
        )
    return list(merged.values())


def is_sentence_case_of(shown: str, other: str) -> bool:
    """'Inhaled corticosteroids' is only 'inhaled corticosteroids' capitalised at the start of a sentence."""
    return shown[:1].isupper() and other[:1].islower() and shown[1:] == other[1:] and shown[:1].lower() == other[:1]


def add_facts(graph: nx.MultiDiGraph, facts: list[Fact]) -> int:
    """Add facts as edges keyed by fact id; known facts gain evidence. Returns how many facts were new."""
    new = 0
    for fact in facts:
        source, target = entity_key(fact.subject), entity_key(fact.object)
        for key, name, kind in ((source, fact.subject, fact.subject_type), (target, fact.object, fact.object_type)):
            if key not in graph:
                graph.add_node(key, name=name, aliases=[], type=kind)
                continue
            node = graph.nodes[key]
            if is_sentence_case_of(node["name"], name):
                node["name"], name = name, node["name"]  # the mid-sentence form is the entity's real spelling
            if name != node["name"] and name not in node["aliases"]:
                node["aliases"].append(name)
            if node.get("type", "entity") == "entity":
                node["type"] = kind
        evidence = [e.model_dump() for e in fact.evidence]
        if graph.has_edge(source, target, key=fact.id):
            data = graph.edges[source, target, fact.id]
            data["evidence"].extend(e for e in evidence if e not in data["evidence"])
            data["support"] = len({e["doc_id"] for e in data["evidence"]})
            if fact.confidence > data.get("confidence", 1.0):  # the cleanest reading of the fact speaks for it
                data["confidence"], data["checks"] = fact.confidence, list(fact.checks)
            continue
        new += 1
        graph.add_edge(
            source,
            target,
            key=fact.id,
            fact_id=fact.id,
            relation=fact.relation,
            evidence=evidence,
            support=len({e["doc_id"] for e in evidence}),
            negated=fact.negated,
            hedged=fact.hedged,
            surface_relation=fact.surface_relation,
            domain=fact.domain,
            extractor=fact.extractor,
            confidence=fact.confidence,
            checks=list(fact.checks),
        )
    return new


def attach_aliases(graph: nx.MultiDiGraph, table: dict[str, str]) -> None:
    """Record each alias (an abbreviation, a synonym from the alias table) on the node of its canonical name."""
    for alias, canonical in table.items():
        key = entity_key(canonical)
        if key in graph and alias != graph.nodes[key]["name"] and alias not in graph.nodes[key]["aliases"]:
            graph.nodes[key]["aliases"].append(alias)


def named_as_in(node: dict, key: str, sentence: str) -> str:
    """The node's name as the sentence writes it: 'kidneys' for the node 'kidney' in 'eliminated by the kidneys', so a
    question built on the sentence agrees with it, in its case where it has one ('thrombotic events', not a boxed
    warning's 'THROMBOTIC EVENTS'); only spellings of the same key (never an abbreviation)."""
    names = [n for n in (node["name"], *node.get("aliases", [])) if entity_key(n) == key]
    for flags in (0, re.IGNORECASE):
        found = (n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", sentence, flags))
        name = next(found, None)
        if name:
            return name
    return node["name"]


def graph_facts(graph: nx.MultiDiGraph) -> list[Fact]:
    """The facts the graph holds, rebuilt from its edges, in a stable order; each end named as its first evidence
    sentence names it."""
    facts = []
    for source, target, data in graph.edges(data=True):
        sentence = data["evidence"][0]["sentence"] if data["evidence"] else ""
        facts.append(
            Fact(
                id=data["fact_id"],
                subject=named_as_in(graph.nodes[source], source, sentence),
                relation=data["relation"],
                object=named_as_in(graph.nodes[target], target, sentence),
                subject_type=graph.nodes[source].get("type", "entity"),
                object_type=graph.nodes[target].get("type", "entity"),
                evidence=[Evidence(**e) for e in data["evidence"]],
                extractor=data.get("extractor", "spacy-rules"),
                confidence=data.get("confidence", 1.0),
                checks=data.get("checks", []),
                negated=data.get("negated", False),
                hedged=data.get("hedged", False),
                surface_relation=data.get("surface_relation", ""),
                domain=data.get("domain", "general"),
            )
        )
    return sorted(facts, key=lambda f: f.id)


class GraphDamaged(ValueError):
    """graph.json cannot be read; the message names the file and how to recover."""


def save_graph(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write node-link JSON atomically, so a killed run never leaves half a graph; the version it replaces is
    kept as graph.json.bak, to recover from damage done outside kgsynth."""
    path = Path(path)
    data = nx.node_link_data(graph, edges="edges")
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    if path.exists():
        path.replace(path.with_suffix(".json.bak"))
    tmp.replace(path)


def load_graph(path: Path) -> nx.MultiDiGraph:
    """The saved graph, or an empty one when the workspace has none yet."""
    path = Path(path)
    if not path.exists():
        return nx.MultiDiGraph()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        backup = path.with_suffix(".json.bak")
        fix = f"restore the previous version with `cp {backup} {path}`" if backup.exists() else "restore it"
        raise GraphDamaged(
            f"{path} is damaged ({type(err).__name__}: {str(err)[:80]}): {fix}, or delete it and "
            f"{path.parent / 'state' / 'documents.ids'} and run `kgsynth extract` again to rebuild it"
        ) from None


def save_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    """GraphML for Gephi, yEd or Cytoscape; list attributes (aliases, evidence) travel as JSON strings."""
    plain = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        plain.add_node(node, **{k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in data.items()})
    for source, target, key, data in graph.edges(keys=True, data=True):
        attrs = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for k, v in data.items()}
        plain.add_edge(source, target, key=key, **attrs)
    nx.write_graphml(plain, path)


def graph_stats(graph: nx.MultiDiGraph, top: int = 10) -> dict:
    """What the graph holds: sizes, connected components, relations by count, most connected entities."""
    relations = Counter(data["relation"] for _, _, data in graph.edges(data=True))
    types = Counter(data.get("type", "entity") for _, data in graph.nodes(data=True))
    degree = sorted(graph.degree, key=lambda item: (-item[1], item[0]))[:top]
    components = list(nx.weakly_connected_components(graph)) if graph.number_of_nodes() else []
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "components": len(components),
        "largest_component": max((len(c) for c in components), default=0),
        "negated": sum(1 for *_, d in graph.edges(data=True) if d.get("negated")),
        "hedged": sum(1 for *_, d in graph.edges(data=True) if d.get("hedged")),
        "multi_document": sum(1 for *_, d in graph.edges(data=True) if d.get("support", 1) > 1),
        "relations": dict(relations.most_common(top)),
        "other_relations": sum(relations.values()) - sum(n for _, n in relations.most_common(top)),
        "types": dict(types.most_common()),
        "top_entities": [(graph.nodes[n]["name"], d) for n, d in degree],
    }
