from kgraph.graph import add_facts, attach_aliases, entity_key, graph_facts, load_graph, merge_facts, save_graph
from kgraph.records import Evidence, Fact


def fact(subject, relation, obj, doc="d1", sentence="s"):
    return Fact(
        id=Fact.make_id(subject, relation, obj),
        subject=subject,
        relation=relation,
        object=obj,
        evidence=[Evidence(doc_id=doc, sentence=sentence, start=0, end=len(sentence))],
    )


def test_same_fact_from_two_documents_merges_evidence():
    merged = merge_facts([fact("Metformin", "treats", "diabetes", "d1"), fact("metformin", "treats", "Diabetes", "d2")])
    assert len(merged) == 1
    assert [e.doc_id for e in merged[0].evidence] == ["d1", "d2"]


def test_plural_and_case_share_a_node():
    assert entity_key("ACE Inhibitors") == entity_key("ace inhibitor")
    assert entity_key("diabetes mellitus") == "diabetes mellitus"


def test_graph_json_round_trip(tmp_path):
    import networkx as nx

    graph = nx.MultiDiGraph()
    facts = [fact("Metformin", "treats", "diabetes"), fact("Metformin", "causes", "lactic acidosis")]
    assert add_facts(graph, facts) == 2
    assert add_facts(graph, facts) == 0  # known facts are not new
    save_graph(graph, tmp_path / "graph.json")
    raw = (tmp_path / "graph.json").read_text()
    assert '"edges"' in raw and '"fact_id"' in raw and '"evidence"' in raw
    loaded = load_graph(tmp_path / "graph.json")
    assert {f.id for f in graph_facts(loaded)} == {f.id for f in facts}
    assert loaded.nodes["metformin"]["name"] == "Metformin"


def test_support_counts_documents_and_stats_describe_the_graph(tmp_path):
    import networkx as nx

    from kgraph.graph import graph_stats, save_graphml
    from kgraph.picture import draw_graph

    graph = nx.MultiDiGraph()
    add_facts(
        graph,
        merge_facts([fact("Metformin", "treats", "diabetes", "d1"), fact("metformin", "treats", "diabetes", "d2")]),
    )
    add_facts(graph, [fact("Warfarin", "interacts_with", "aspirin"), fact("Metformin", "causes", "lactic acidosis")])
    stats = graph_stats(graph)
    assert (stats["nodes"], stats["edges"], stats["components"], stats["multi_document"]) == (5, 3, 2, 1)
    assert stats["relations"] == {"treats": 1, "interacts_with": 1, "causes": 1}
    assert stats["top_entities"][0] == ("Metformin", 2)
    save_graphml(graph, tmp_path / "graph.graphml")
    back = nx.read_graphml(tmp_path / "graph.graphml")
    assert back.number_of_edges() == 3 and '"doc_id"' in next(iter(back.edges(data=True)))[2]["evidence"]
    assert draw_graph(graph, tmp_path / "graph.png") == 3  # the largest component
    assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"


def test_node_name_prefers_the_mid_sentence_spelling():
    import networkx as nx

    graph = nx.MultiDiGraph()
    add_facts(graph, [fact("Inhaled corticosteroids", "reduce", "airway inflammation"),
                      fact("fluticasone", "is_a", "inhaled corticosteroids"), fact("ACE inhibitors", "treat", "Heart failure")])  # fmt: skip
    assert graph.nodes[entity_key("inhaled corticosteroids")]["name"] == "inhaled corticosteroids"
    assert "Inhaled corticosteroids" in graph.nodes[entity_key("inhaled corticosteroids")]["aliases"]
    assert graph.nodes[entity_key("ACE inhibitors")]["name"] == "ACE inhibitors"


def test_each_fact_names_its_ends_as_its_sentence_does():
    import networkx as nx

    graph = nx.MultiDiGraph()
    single = fact("liver", "metabolises", "codeine", sentence="Codeine is metabolised by the liver.")
    plural = fact("lungs", "excrete", "isoflurane", sentence="Isoflurane is excreted by the lungs.")
    written_out = fact("chronic kidney disease", "causes", "anaemia", sentence="CKD causes anaemia.")
    add_facts(graph, [single, fact("livers", "store", "glycogen", sentence="Livers store glycogen."), plural])
    add_facts(graph, [written_out])
    attach_aliases(graph, {"CKD": "chronic kidney disease"})
    named = {f.id: f for f in graph_facts(graph)}
    assert named[single.id].subject == "liver"
    assert named[Fact.make_id("livers", "store", "glycogen")].subject == "livers"
    assert named[plural.id].subject == "lungs"
    assert named[written_out.id].subject == "chronic kidney disease"  # an abbreviation stays written out


def test_a_name_keeps_the_case_its_sentence_writes():
    import networkx as nx

    graph = nx.MultiDiGraph()
    shouted = fact(
        "missed doses", "increases_risk_of", "SEIZURES", sentence="MISSED DOSES INCREASE THE RISK OF SEIZURES"
    )
    plain = fact("abrupt withdrawal", "increases_risk_of", "seizures", sentence="Abrupt withdrawal increases seizures.")
    add_facts(graph, [shouted, plain])
    named = {f.id: f for f in graph_facts(graph)}
    assert named[plain.id].object == "seizures"
    assert named[shouted.id].object == "SEIZURES"
