from curation.dedup import DedupConfig, dedup_samples, load_index, save_index
from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Evidence

GEN = GeneratorInfo(provider="test", model="m", prompt_version="v1")
EVIDENCE = [Evidence(doc_id="d", sentence="s", start=0, end=1)]


def sample(question, answer):
    messages = [Message(role="user", content=question), Message(role="assistant", content=answer)]
    return Sample(
        id=Sample.make_id("qa", ["f"], messages),
        kind="qa",
        messages=messages,
        fact_ids=["f"],
        evidence=EVIDENCE,
        generator=GEN,
    )


ANSWER = "Metformin is contraindicated in severe renal impairment because it can accumulate and cause lactic acidosis."


def test_near_duplicates_dropped_within_a_run(tmp_path):
    cfg = DedupConfig()
    a = sample("When should metformin not be used?", ANSWER)
    b = sample("When should metformin not be used?", ANSWER + " Check renal function.")
    c = sample("What does warfarin inhibit?", "Warfarin inhibits vitamin K epoxide reductase in the liver.")
    kept, rejections = dedup_samples([a, b, c], load_index(tmp_path / "none.pkl", cfg), cfg)
    assert [s.id for s in kept] == [a.id, c.id]
    assert [(r.item_id, r.reason, r.detail) for r in rejections] == [(b.id, "near_duplicate", a.id)]


def test_index_persists_across_runs(tmp_path):
    cfg = DedupConfig()
    path = tmp_path / "dedup.pkl"
    a = sample("When should metformin not be used?", ANSWER)
    lsh = load_index(path, cfg)
    dedup_samples([a], lsh, cfg)
    save_index(lsh, path, cfg)
    later = sample("When should metformin not be used?", ANSWER + " Monitor eGFR.")
    kept, rejections = dedup_samples([a, later], load_index(path, cfg), cfg)
    assert kept == [] and [r.item_id for r in rejections] == [later.id]
    other_settings = DedupConfig(threshold=0.5)
    assert load_index(path, other_settings).signatures == {}  # a changed threshold starts a new index
