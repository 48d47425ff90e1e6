from curation.judge import JudgeConfig, judge_sample
from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Evidence, Fact

SENTENCE = "Metformin is contraindicated in severe renal impairment."
FACT = Fact(
    id="f1",
    subject="Metformin",
    relation="contraindicated_in",
    object="severe renal impairment",
    evidence=[Evidence(doc_id="d", sentence=SENTENCE, start=0, end=len(SENTENCE))],
)
GEN = GeneratorInfo(provider="test", model="m", prompt_version="v1")


def verdict(question, answer):
    messages = [Message(role="user", content=question), Message(role="assistant", content=answer)]
    sample = Sample(id="s", kind="qa", messages=messages, fact_ids=["f1"], evidence=FACT.evidence, generator=GEN)
    return judge_sample(sample, [FACT], JudgeConfig())


def test_grounded_answer_is_accepted():
    v = verdict("When is metformin contraindicated?", "Metformin is contraindicated in severe renal impairment.")
    assert v.decision == "accept" and v.reasons == []


def test_invented_answer_is_rejected():
    v = verdict("When is metformin contraindicated?", "Metformin causes hair loss and tinnitus in most teenagers.")
    assert v.decision == "reject" and "ungrounded" in v.reasons


def test_question_without_subject_is_flagged():
    v = verdict("What about it?", "Metformin is contraindicated in severe renal impairment.")
    assert v.decision == "flag" and "question_misses_subject" in v.reasons


def test_truncated_and_repetitive_answers():
    truncated = verdict("Is metformin contraindicated?", "Metformin is contraindicated in severe renal")
    assert "truncated" in truncated.reasons
    looping = verdict("Is metformin safe?", "metformin renal impairment " * 10 + ".")
    assert looping.decision == "reject" and "repetition" in looping.reasons
