"""Generation keeps its sentence parses in the run folder and the judge of that run reads them instead of parsing
the sentences again, with the same verdicts."""

from generation import parse_store, syntax
from kgraph.parse import load_nlp

SENTENCES = [
    "Metformin is contraindicated in patients with severe renal impairment.",
    "The tenant must give three months' written notice before ending the lease.",
]


def signature(doc) -> list[tuple]:
    return [(t.text, t.whitespace_, t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, str(t.morph), t.ent_type_,
             t.is_sent_start) for t in doc]  # fmt: skip


def test_kept_parses_read_back_with_every_annotation(tmp_path):
    nlp = load_nlp()
    docs = dict(zip(SENTENCES, nlp.pipe(SENTENCES)))
    parse_store.keep(tmp_path, {SENTENCES[0]: docs[SENTENCES[0]]}, nlp)
    parse_store.keep(tmp_path, docs, nlp)  # kept again: stored once
    found = parse_store.read(tmp_path, [*SENTENCES, "A sentence nobody parsed."], nlp)
    assert set(found) == set(SENTENCES)
    assert all(signature(found[s]) == signature(docs[s]) for s in SENTENCES)


def test_parses_of_another_model_or_of_a_run_without_a_store_are_not_read(tmp_path, monkeypatch):
    nlp = load_nlp()
    assert parse_store.read(tmp_path, SENTENCES, nlp) == {} and not (tmp_path / parse_store.FILE).exists()
    monkeypatch.setattr(parse_store, "model_id", lambda nlp: "en_core_web_sm-2.0.0 tagger,parser")
    parse_store.keep(tmp_path, dict(zip(SENTENCES, nlp.pipe(SENTENCES))), nlp)
    monkeypatch.undo()
    assert parse_store.read(tmp_path, SENTENCES, nlp) == {}


def test_generate_keeps_the_evidence_parses_and_curate_reads_them(small_corpus, tmp_path, monkeypatch):
    from curation.judge import JudgeConfig, judge_offline
    from flows.config import KgsynthConfig
    from flows.direct import curate_direct, extract_direct, generate_direct
    from flows.stages.generate import run_samples
    from flows.workspace import Workspace
    from kgraph.graph import graph_facts, load_graph

    ws, cfg = Workspace(tmp_path / "ws"), KgsynthConfig()
    extract_direct(small_corpus, ws, cfg)
    generate_direct(ws, cfg)
    run = ws.latest_run()
    samples = run_samples(run)
    evidence = {e.sentence for s in samples for e in s.evidence}
    kept = parse_store.read(run, evidence, load_nlp())
    assert samples and set(kept) == evidence  # every sentence generation wrote from

    nlp, piped = load_nlp(), []
    real_pipe = nlp.pipe
    monkeypatch.setattr(nlp, "pipe", lambda texts, **kw: real_pipe(piped.extend(texts) or texts, **kw))
    facts = {f.id: f for f in graph_facts(load_graph(ws.graph))}
    judge_cfg = JudgeConfig(fluency_model="none", audit_share=0)
    monkeypatch.setattr(syntax, "PARSED", {})
    parsing = judge_offline(samples, facts, judge_cfg)
    assert evidence <= set(piped)
    monkeypatch.setattr(syntax, "PARSED", {})
    piped.clear()
    with syntax.kept_parses(run):
        reading = judge_offline(samples, facts, judge_cfg)
    assert not evidence & set(piped) and reading == parsing

    monkeypatch.setattr(syntax, "PARSED", {})
    piped.clear()
    stats = curate_direct(ws, cfg)  # the curate stage reads them too
    assert stats.accepted > 0 and not evidence & set(piped)
