"""Continued-pretraining passages: every claim of a pair or triple passage comes from a checked fact's evidence,
unchecked facts feed nothing, source paragraphs come whole, and the LLM path rewrites through the seam."""

import re

import networkx as nx
from fakes import FakeLLM
from openai_server import FakeOpenAI

from generation.cpt import CPTConfig, checked_facts, offline_passages, paraphrase_counts
from generation.cpt_prompts import llm_passages
from generation.passage import fact_text
from generation.plan import FactIndex
from kgraph.graph import add_facts
from kgraph.llm import LLMError
from kgraph.records import Document, Evidence, Fact

TEXT = (
    "Metformin is the first-line treatment for type 2 diabetes. Metformin may cause lactic acidosis.\n\n"
    "Type 2 diabetes increases the risk of cardiovascular disease. Chronic kidney disease is a complication "
    "of type 2 diabetes.\n\n"
    "Rumours say cinnamon cures type 2 diabetes."
)
DOC = Document(id="doc1", path="guide.txt", text=TEXT, domain="medical", title="Diabetes guide")


def fact(subject, relation, obj, sentence, confidence=0.9, hedged=False) -> Fact:
    start = TEXT.index(sentence)
    return Fact(
        id=Fact.make_id(subject, relation, obj),
        subject=subject,
        relation=relation,
        object=obj,
        evidence=[Evidence(doc_id="doc1", sentence=sentence, start=start, end=start + len(sentence))],
        confidence=confidence,
        hedged=hedged,
        domain="medical",
    )


FACTS = [
    fact("metformin", "treats", "type 2 diabetes", "Metformin is the first-line treatment for type 2 diabetes."),
    fact("metformin", "causes", "lactic acidosis", "Metformin may cause lactic acidosis.", 0.85, hedged=True),
    fact(
        "type 2 diabetes",
        "increases_risk_of",
        "cardiovascular disease",
        "Type 2 diabetes increases the risk of cardiovascular disease.",
    ),
    fact(
        "chronic kidney disease",
        "complication_of",
        "type 2 diabetes",
        "Chronic kidney disease is a complication of type 2 diabetes.",
    ),
    # Below generation's confidence threshold: it must not feed any passage.
    fact("cinnamon", "treats", "type 2 diabetes", "Rumours say cinnamon cures type 2 diabetes.", 0.4),
]


def index() -> FactIndex:
    graph = nx.MultiDiGraph()
    add_facts(graph, FACTS)
    return FactIndex.of(graph)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def test_every_claim_of_a_relation_passage_comes_from_a_checked_fact():
    idx = index()
    checked = {f.id for f in checked_facts(idx)}
    assert FACTS[-1].id not in checked and len(checked) == 4
    passages = offline_passages(idx, {DOC.id: DOC}, CPTConfig())
    relation = [p for p in passages if p.kind in ("pair", "triple")]
    assert {p.kind for p in relation} == {"pair", "triple"}
    for passage in relation:
        heading, body = passage.text.split("\n\n", 1)
        assert not heading.endswith(".")  # the entity line is a title, not a claim
        assert passage.facts and set(passage.facts) <= checked
        stated = " ".join(fact_text(idx.by_id[i]) for i in passage.facts)
        for claim in sentences(body):
            assert claim in stated, (claim, passage.text)
    assert all("cinnamon" not in p.text.lower() for p in relation)
    # A triple relates three entities through a shared one: metformin - type 2 diabetes - another.
    triple = next(p for p in relation if p.kind == "triple" and "Metformin" in p.text)
    assert len(triple.facts) >= 2 and triple.text.split("\n\n")[0].count(",") + 1 >= 2


def test_source_paragraphs_are_kept_whole_and_paraphrases_are_counted():
    # spaCy's sentence ends past the blank line after it: the paragraph still ends at that blank line.
    spilled = [f.model_copy(update={"evidence": [f.evidence[0].model_copy(update={"end": f.evidence[0].end + 2})]})
               for f in FACTS]  # fmt: skip
    graph = nx.MultiDiGraph()
    add_facts(graph, spilled)
    idx = FactIndex.of(graph)
    passages = offline_passages(idx, {DOC.id: DOC}, CPTConfig())
    sources = [p for p in passages if p.kind == "source"]
    assert {p.text for p in sources} == set(TEXT.split("\n\n")[:2])  # the cinnamon paragraph states no checked fact
    counts = paraphrase_counts(passages, checked_facts(idx))
    assert counts["paraphrases_min"] >= 2 and counts["paraphrases_max"] >= counts["paraphrases_median"]
    only_pairs = offline_passages(idx, {DOC.id: DOC}, CPTConfig(triples_per_fact=0, source_paragraphs=False))
    assert {p.kind for p in only_pairs} == {"pair"}


def test_the_llm_writes_relation_passages_and_rewordings_through_the_seam():
    idx = index()
    passages = offline_passages(idx, {DOC.id: DOC}, CPTConfig())
    relation = [p for p in passages if p.kind in ("pair", "triple")]
    sources = [p for p in passages if p.kind == "source"]
    llm = FakeLLM()
    answers = [LLMError("server_error", "boom")] + [{"text": f"Prose {n}."} for n in range(200)]
    llm.enqueue(*answers)
    kept, rejections = llm_passages(passages, idx.by_id, 2, llm)
    assert len(llm.calls) == len(relation) + 2 * len(sources)
    assert [r.reason for r in rejections] == ["server_error"]
    written = [p for p in kept if p.generator.startswith("llm:")]
    assert len(written) == len(relation) - 1 + 2 * len(sources)
    assert sum(p.kind == "rephrase" for p in kept) == 2 * len(sources)
    assert sum(p.generator == "offline" and p.kind != "source" for p in kept) == 1  # its request failed: kept
    relation_prompt = next(c for c in llm.calls if c.task == "cpt_relation")
    content = relation_prompt.messages[1]["content"]
    assert "Evidence sentence" in content and "nothing beyond them" in content
    assert "never write 'according to'" in relation_prompt.messages[0]["content"]
    rephrase = next(c for c in llm.calls if c.task == "cpt_rephrase")
    assert TEXT.split("\n\n")[0] in rephrase.messages[1]["content"]


def test_two_stages_sharing_an_endpoint_keep_within_its_one_bound():
    """CPT rewording and QA generation at once, each in its own thread with its own client (as two Prefect tasks
    run): the endpoint sees at most `[llm] concurrency` requests between them, not that many per caller."""
    from concurrent.futures import ThreadPoolExecutor

    from generation.generate import GenerationConfig, run_generation
    from kgraph.llm import LLMConfig, llm_from_config

    idx = index()
    passages = offline_passages(idx, {DOC.id: DOC}, CPTConfig())
    facts = checked_facts(idx)
    with FakeOpenAI(latency=0.05) as server:
        settings = LLMConfig(base_url=server.base_url, api_key="k", model="fake", concurrency=3, cache=False)
        with ThreadPoolExecutor(2) as threads:
            cpt = threads.submit(llm_passages, passages, idx.by_id, 4, llm_from_config(settings))
            qa = threads.submit(run_generation, [(GenerationConfig(), facts)], idx, llm_from_config(settings))
            (kept, cpt_failed), (samples, qa_failed) = cpt.result(), qa.result()
    assert samples and not qa_failed and not cpt_failed and any(p.kind == "rephrase" for p in kept)
    assert sum(server.outcomes.values()) > 12  # enough requests from both callers to fill the bound many times
    assert server.most_in_flight == 3
