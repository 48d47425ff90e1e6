"""What makes the offline judge cheaper must not change a verdict: chunking, answers that quote a support sentence
scored without the encoder, quoted sentences not parsed twice, clause heads found in one walk."""

import curation.embed
from curation import judge
from curation.judge import JudgeConfig, judge_offline
from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Evidence, Fact

GEN = GeneratorInfo(provider="test", model="m", prompt_version="v1")
CFG = JudgeConfig(fluency_model="none", audit_share=0)
SENTENCES = [
    "Metformin is contraindicated in patients with severe renal impairment.",
    "Warfarin requires regular INR monitoring during treatment.",
    "The tenant must give three months' written notice before ending the lease.",
]


def fact(subject: str, relation: str, obj: str, sentence: str) -> Fact:
    evidence = Evidence(doc_id="d", sentence=sentence, start=0, end=len(sentence))
    return Fact(id=Fact.make_id(subject, relation, obj), subject=subject, relation=relation, object=obj,
                evidence=[evidence])  # fmt: skip


FACTS = [
    fact("Metformin", "contraindicated_in", "severe renal impairment", SENTENCES[0]),
    fact("Warfarin", "requires", "regular INR monitoring", SENTENCES[1]),
    fact("tenant", "must_give", "three months' written notice", SENTENCES[2]),
]


def sample(n: int, question: str, answer: str, f: Fact) -> Sample:
    messages = [Message(role="user", content=question), Message(role="assistant", content=answer)]
    return Sample(id=f"s{n}", kind="qa", messages=messages, fact_ids=[f.id], evidence=f.evidence, generator=GEN)


SAMPLES = [
    sample(0, "When should metformin be avoided?", SENTENCES[0], FACTS[0]),
    sample(1, "What does warfarin require?", "Warfarin needs its INR checked regularly while you take it.", FACTS[1]),
    sample(2, "What notice must a tenant give?", SENTENCES[2], FACTS[2]),
    sample(3, "When should metformin be avoided?", "Avoid it in severe kidney problems.", FACTS[0]),
    sample(4, "What must the tenant give?", "A written notice of three months.", FACTS[2]),
]


def test_chunks_give_the_verdicts_of_one_batch(monkeypatch):
    facts = {f.id: f for f in FACTS}
    whole = judge_offline(SAMPLES, facts, CFG)
    monkeypatch.setattr(judge, "CHUNK", 2)
    assert judge_offline(SAMPLES, facts, CFG) == whole


def test_answers_that_quote_a_support_sentence_are_not_embedded(monkeypatch):
    led = "Yes, it does. " + SENTENCES[2]
    added = SENTENCES[0] + " It is also stopped before surgery with contrast."
    samples = [*SAMPLES[:3], sample(5, "Must a tenant give notice?", led, FACTS[2]),
               sample(6, "When is metformin avoided?", added, FACTS[0])]  # fmt: skip
    # 0 and 2 repeat their evidence sentence, 5 quotes it after a short lead; 1 says it in other words, 6 adds more
    facts_of = {s.id: [f for f in FACTS if f.id in s.fact_ids] for s in samples}
    embedded = []
    real = curation.embed.embed
    monkeypatch.setattr(curation.embed, "embed", lambda texts: embedded.extend(texts) or real(texts))
    scores = judge.similarities(samples, facts_of)
    assert not {SENTENCES[2], led} & set(embedded) and {SENTENCES[1], added} <= set(embedded)
    vector = real([SENTENCES[0]])[0]
    assert scores["s0"] == scores["s2"] == scores["s5"] == 1.0 == round(float(vector @ vector), 3)
    assert 0.35 < scores["s1"] < 1.0 and scores["s6"] < 1.0
    # what the encoder says of the quote is above the threshold that accepts it, so no decision moves
    assert float(real([led])[0] @ real([SENTENCES[2]])[0]) > CFG.accept_similarity


def test_fact_doubts_are_checked_once_per_fact_from_one_parse_stream(monkeypatch):
    from curation import fact_doubts
    from generation import syntax

    monkeypatch.setattr(syntax, "PARSED", {})
    checked = []
    real = fact_doubts.fact_doubts
    monkeypatch.setattr(fact_doubts, "fact_doubts", lambda facts: checked.extend(facts) or real(facts))
    doubts = fact_doubts.doubts_by_fact([*FACTS, *FACTS])  # each fact twice, as when two samples share it
    assert checked == FACTS and set(syntax.PARSED) == set(SENTENCES)  # one check each, all parsed before checking
    for facts in ([FACTS[0]], FACTS[1:], FACTS):
        assert fact_doubts.combined_doubts(facts, doubts) == real(facts)


def test_passages_are_parsed_sentence_by_sentence_once_and_shared_with_the_fact_doubts(monkeypatch):
    from curation import claims
    from generation import syntax

    monkeypatch.setattr(syntax, "PARSED", {})
    shared = "Renal function should be checked before starting treatment."
    first = fact("Metformin", "contraindicated_in", "severe renal impairment", SENTENCES[0])
    neighboured = first.evidence[0].model_copy(update={"after": shared})  # the second fact's sentence follows
    facts = [
        first.model_copy(update={"evidence": [neighboured]}),
        fact("Metformin", "requires", "renal checks", shared),
    ]
    samples = [sample(0, "When should metformin be avoided?", "Avoid it in severe kidney disease.", facts[0]),
               sample(1, "What does metformin require?", shared, facts[1])]  # fmt: skip
    parsed, streamed = [], []
    real_parse, real_stream = claims.parse, syntax.parse_all
    monkeypatch.setattr(claims, "parse", lambda texts, **kw: parsed.extend(texts) or real_parse(texts, **kw))
    monkeypatch.setattr(syntax, "parse_all", lambda texts: streamed.append(list(texts)) or real_stream(texts))
    judge.analyse(samples, {"s0": facts[:1], "s1": facts[1:]}, None)
    assert sorted(streamed[0]) == sorted({SENTENCES[0], shared})  # each sentence once, with the extractor's pipeline
    assert set(syntax.PARSED) == {SENTENCES[0], shared}  # the fact doubts found them parsed
    assert sorted(parsed) == sorted({"When should metformin be avoided?", "Avoid it in severe kidney disease.",
                                     "What does metformin require?"})  # fmt: skip


def test_the_encoder_computes_in_bfloat16_where_the_cpu_has_it_and_embeds_as_float32_does():
    import torch
    from transformers import AutoModel

    tokenizer, model = curation.embed.load_encoder()
    native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert model.dtype == (torch.bfloat16 if native else torch.float32)
    reference = AutoModel.from_pretrained(curation.embed.model_dir(), dtype=torch.float32).eval()
    encoded = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = reference(**encoded).last_hidden_state
    mask = encoded["attention_mask"].unsqueeze(-1).float()
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    cosines = (curation.embed.embed(SENTENCES) * expected).sum(axis=1)
    assert cosines.min() > 0.999


def test_an_answer_quoting_its_evidence_is_parsed_around_the_sentence_it_quotes(monkeypatch):
    from curation import claims
    from generation import syntax

    monkeypatch.setattr(syntax, "PARSED", {})
    answer = "Yes. " + SENTENCES[0]
    quoting = sample(7, "Is metformin contraindicated in severe renal impairment?", answer, FACTS[0])
    parsed = []
    real_parse = claims.parse
    monkeypatch.setattr(claims, "parse", lambda texts, **kw: parsed.extend(texts) or real_parse(texts, **kw))
    found = judge.analyse([quoting], {"s7": FACTS[:1]}, None)["s7"]
    assert sorted(parsed) == ["Is metformin contraindicated in severe renal impairment?", "Yes."]
    assert found.claims.contradictions == [] and found.grammar == []


def test_texts_are_cut_only_at_spaces_and_parsed_whole_when_the_join_would_not_spell_them():
    from curation import claims
    from kgraph.parse import load_nlp

    sentence = SENTENCES[1]
    assert claims.cut_around("No. " + sentence + " Ask your doctor.", [sentence]) == [
        "No.",
        sentence,
        "Ask your doctor.",
    ]
    assert claims.cut_around("Yes." + sentence, [sentence]) == ["Yes." + sentence]  # no space: not a quote
    known = {sentence: next(load_nlp().pipe([sentence]))}
    texts = ["Yes. " + sentence, "Yes.  " + sentence]  # the second has two spaces, which a join would not give back
    docs = claims.parse_around(texts, known, {t: (sentence,) for t in texts})
    assert [d.text for d in docs.values()] == texts
    quoted = docs[texts[0]]
    tail = [(t.tag_, t.dep_, t.head.i - 2) for t in quoted[2:]]  # "Yes", "." come first
    assert tail == [(t.tag_, t.dep_, t.head.i) for t in known[sentence]]


def test_clause_heads_of_a_sentence_span_are_those_of_its_doc():
    from curation import claims
    from kgraph.parse import load_nlp

    doc = next(load_nlp().pipe(["The tenant need not give notice. The landlord has to pay the deposit back."]))
    heads = claims.clause_heads(doc)
    spans = list(doc.sents)
    assert [h for s in spans for h in claims.clause_heads(s)] == heads
    words = {doc[h].text for h in heads}
    assert words == {"give", "has"}  # 'pay' in 'has to pay' is an xcomp: its clause is its governor's
