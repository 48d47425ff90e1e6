import numpy as np
from datasketch import MinHash

from curation.dedup import DedupConfig, LocalIndex, dedup_samples, find_duplicates, load_index, save_index
from curation.minhash import exact_jaccard, permutations, sketch
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
    kept, rejections = dedup_samples([a, b, c, a], load_index(tmp_path, cfg), cfg)
    assert [s.id for s in kept] == [a.id, c.id]  # the repeated `a` is the same sample, not a duplicate
    assert [(r.item_id, r.reason, r.detail) for r in rejections] == [(b.id, "near_duplicate", a.id)]


def test_index_persists_across_runs(tmp_path):
    cfg = DedupConfig()
    a = sample("When should metformin not be used?", ANSWER)
    index = load_index(tmp_path, cfg)
    dedup_samples([a], index, cfg)
    save_index(index, tmp_path, cfg)
    later = sample("When should metformin not be used?", ANSWER + " Monitor eGFR.")
    kept, rejections = dedup_samples([a, later], load_index(tmp_path, cfg), cfg)
    assert kept == [] and [(r.item_id, r.detail) for r in rejections] == [(later.id, a.id)]
    assert load_index(tmp_path, DedupConfig(threshold=0.5)).ids == []  # a changed threshold starts a new index


def test_signatures_are_datasketch_minhashes_with_unbiased_estimates():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(400)]
    base = list(rng.choice(words, 60))
    texts = [" ".join(base), " ".join(base[:45] + list(rng.choice(words, 15)))]
    sk = sketch(texts, num_perm=256)
    exact = exact_jaccard(sk, np.array([0]), sk, np.array([1]))[0]
    grams = [{tuple(t.split()[i : i + 3]) for i in range(len(t.split()) - 2)} for t in texts]
    assert exact == len(grams[0] & grams[1]) / len(grams[0] | grams[1])
    a, b = (MinHash(hashvalues=row, permutations=permutations(256), scheme="affine32") for row in sk.sigs)
    assert abs(a.jaccard(b) - exact) < 0.1


def test_chinese_text_uses_character_shingles():
    cfg = DedupConfig(threshold=0.7)
    texts = [
        "二甲双胍禁用于严重肾功能不全的患者。",
        "二甲双胍禁用于严重肾功能不全的病人。",
        "华法林抑制维生素K环氧化物还原酶。",
    ]
    kept, duplicate_of = find_duplicates(texts, ["a", "b", "c"], LocalIndex(0.7, 128), cfg)
    assert kept == [0, 2] and duplicate_of == {1: "a"}
    # as word shingles each sentence is one token, so nothing would be found
    kept, _ = find_duplicates(texts, ["a", "b", "c"], LocalIndex(0.7, 128), cfg.model_copy(update={"shingle": "word"}))
    assert kept == [0, 1, 2]


def test_many_copies_and_distinct_texts_in_bulk():
    rng = np.random.default_rng(0)
    vocab = [f"v{i}" for i in range(5000)]
    distinct = [" ".join(rng.choice(vocab, 20)) for _ in range(2000)]
    texts = distinct + [distinct[7]] * 300 + [distinct[9] + " extra"]
    kept, duplicate_of = find_duplicates(
        texts, [str(i) for i in range(len(texts))], LocalIndex(0.8, 128), DedupConfig()
    )
    assert kept == list(range(2000))
    assert set(duplicate_of.values()) == {"7", "9"} and len(duplicate_of) == 301
