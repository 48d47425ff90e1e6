"""What makes the offline judge cheaper must not change a verdict: chunking, and answers that repeat a support
sentence scored without the encoder."""

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


def test_answers_that_repeat_a_support_sentence_are_not_embedded(monkeypatch):
    samples = SAMPLES[:3]  # 0 and 2 repeat their evidence sentence, 1 says it in other words
    facts_of = {s.id: [f for f in FACTS if f.id in s.fact_ids] for s in samples}
    embedded = []
    real = curation.embed.embed
    monkeypatch.setattr(curation.embed, "embed", lambda texts: embedded.extend(texts) or real(texts))
    scores = judge.similarities(samples, facts_of)
    assert SENTENCES[0] not in embedded and SENTENCES[2] not in embedded and SENTENCES[1] in embedded
    vector = real([SENTENCES[0]])[0]
    assert scores["s0"] == scores["s2"] == 1.0 == round(float(vector @ vector), 3)  # what the encoder would say
    assert 0.35 < scores["s1"] < 1.0


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
