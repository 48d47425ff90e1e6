import shutil
import socket
import subprocess
import time

import numpy as np
import pytest
from datasketch import MinHash
from fakes import make_sample

from curation.dedup import (
    DedupConfig,
    EvalFileError,
    LocalIndex,
    dedup_samples,
    drop_contaminated,
    find_duplicates,
    heldout_questions,
    load_index,
    read_eval_questions,
    save_index,
)
from curation.dedup_redis import IndexUnavailable, RedisIndex
from curation.minhash import exact_jaccard, permutations, sketch
from flows.config import ConfigError
from flows.stages import eval_questions
from generation.records import GeneratorInfo
from kgraph.records import Evidence

GEN = GeneratorInfo(provider="test", model="m", prompt_version="v1")
EVIDENCE = [Evidence(doc_id="d", sentence="s", start=0, end=1)]


def sample(question, answer):
    return make_sample(question, answer, evidence=EVIDENCE)


ANSWER = "Metformin is contraindicated in severe renal impairment because it can accumulate and cause lactic acidosis."


def test_near_duplicates_dropped_within_a_run(tmp_path):
    cfg = DedupConfig()
    a = sample("When should metformin not be used?", ANSWER)
    b = sample("When should metformin not be used?", ANSWER + " Check renal function.")
    c = sample("What does warfarin inhibit?", "Warfarin inhibits vitamin K epoxide reductase in the liver.")
    kept, rejections = dedup_samples([a, b, c, a], load_index(tmp_path, cfg), cfg)
    assert [s.id for s in kept] == [a.id, c.id]  # the repeated `a` is the same sample, not a duplicate
    assert [(r.item_id, r.reason) for r in rejections] == [(b.id, "near_duplicate"), (a.id, "already_curated")]
    assert rejections[0].detail == a.id


def test_index_persists_across_runs(tmp_path):
    cfg = DedupConfig()
    a = sample("When should metformin not be used?", ANSWER)
    index = load_index(tmp_path, cfg)
    dedup_samples([a], index, cfg)
    save_index(index, tmp_path, cfg)
    later = sample("When should metformin not be used?", ANSWER + " Monitor eGFR.")
    kept, rejections = dedup_samples([a, later], load_index(tmp_path, cfg), cfg)
    assert kept == [] and [(r.item_id, r.reason) for r in rejections] == [
        (later.id, "near_duplicate"), (a.id, "already_curated"),
    ]  # fmt: skip
    assert rejections[0].detail == a.id
    assert load_index(tmp_path, DedupConfig(threshold=0.5)).ids == []  # a changed threshold starts a new index
    kept, rejections = dedup_samples([a], load_index(tmp_path, cfg), cfg)  # nothing new: counted, not lost
    assert kept == [] and [r.reason for r in rejections] == ["already_curated"]
    assert dedup_samples([], load_index(tmp_path, cfg), cfg) == ([], [])


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
    distinct = [" ".join(f"v{i}" for i in rng.integers(0, 5000, 20)) for _ in range(2000)]
    texts = distinct + [distinct[7]] * 300 + [distinct[9] + " extra"]
    kept, duplicate_of = find_duplicates(
        texts, [str(i) for i in range(len(texts))], LocalIndex(0.8, 128), DedupConfig()
    )
    assert kept == list(range(2000))
    assert set(duplicate_of.values()) == {"7", "9"} and len(duplicate_of) == 301


def test_samples_near_evaluation_questions_are_dropped(tmp_path):
    eval_file = tmp_path / "eval.jsonl"
    eval_file.write_text(
        '{"question": "In which patients is metformin contraindicated because of renal impairment?"}\n'
        '{"messages": [{"role": "user", "content": "What enzyme does warfarin inhibit in the liver?"}]}\n',
        encoding="utf-8",
    )
    cfg = DedupConfig(eval_file=eval_file)
    questions = read_eval_questions(eval_file)
    leaked = sample("In which patients is metformin contraindicated because of renal impairment?", ANSWER)
    close = sample("what enzyme does warfarin inhibit in the liver", "Vitamin K epoxide reductase.")
    fine = sample("What is the usual starting dose of metformin?", "500 mg once or twice daily with meals.")
    kept, rejections = drop_contaminated([leaked, close, fine], questions, cfg)
    assert kept == [fine]
    assert [(r.item_id, r.reason) for r in rejections] == [
        (leaked.id, "eval_contamination"),
        (close.id, "eval_contamination"),
    ]


def test_heldout_questions_are_the_user_turns_of_the_held_samples():
    held = sample("Which enzyme does warfarin block?", "Vitamin K epoxide reductase.")
    trained = sample("When should metformin not be used?", ANSWER)
    assert heldout_questions({held.id}, [held, trained]) == ["Which enzyme does warfarin block?"]


@pytest.mark.parametrize(
    ("line", "message"),
    [('{"question": "What does warfarin inhibit?"', "eval.jsonl:3 is not valid JSON"),
     ('["What does warfarin inhibit?"]', "eval.jsonl:3 is not a JSON object")],
)  # fmt: skip
def test_broken_eval_file_names_the_file_and_line(tmp_path, line, message):
    eval_file = tmp_path / "eval.jsonl"
    eval_file.write_text('{"question": "Which drug treats diabetes?"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=message):
        read_eval_questions(eval_file)
    with pytest.raises(ConfigError, match="dedup.eval_file: .*" + message):
        eval_questions(eval_file)  # what the curate stage calls: a config error, one line in the CLI


def test_missing_eval_file_fails_at_load(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        DedupConfig(eval_file=tmp_path / "nope.jsonl")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(server: subprocess.Popen, port: int, tries: int = 100) -> None:
    """Wait for a started server to accept connections; fail the tests in one clear line if it never does."""
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    exit_code = server.poll()
    server.kill()
    server.wait(timeout=10)
    state = "still running" if exit_code is None else f"exited with code {exit_code}"
    pytest.fail(f"{server.args[0]} accepted no connection on port {port} after {tries} tries ({state})")


@pytest.mark.slow
def test_a_server_that_never_listens_fails_the_fixture_clearly():
    server = subprocess.Popen(["true"])
    with pytest.raises(
        pytest.fail.Exception, match=r"true accepted no connection on port \d+ after 3 tries \(exited with code 0\)"
    ):
        wait_until_listening(server, free_port(), tries=3)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (CI installs it with apt-get)")
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    wait_until_listening(server, port)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.slow
def test_index_in_redis_is_shared_across_runs_and_workspaces(redis_url, tmp_path):
    cfg = DedupConfig(redis_url=redis_url, redis_prefix="test-shared")
    a = sample("When should metformin not be used?", ANSWER)
    b = sample("When should metformin not be used?", ANSWER + " Check renal function.")
    first = load_index(tmp_path / "one", cfg)
    assert isinstance(first, RedisIndex)
    kept, _ = dedup_samples([a], first, cfg)
    save_index(first, tmp_path / "one", cfg)  # nothing to write: Redis holds it
    assert kept == [a] and not (tmp_path / "one" / "dedup.npz").exists()
    # another process, another workspace: the same Redis index answers
    kept, rejections = dedup_samples([a, b], load_index(tmp_path / "two", cfg), cfg)
    assert kept == [] and [(r.item_id, r.reason) for r in rejections] == [
        (b.id, "near_duplicate"),
        (a.id, "already_curated"),
    ]
    other = cfg.model_copy(update={"threshold": 0.5})
    assert dedup_samples([b], load_index(tmp_path, other), other)[0] == [b]  # other settings, other keys


@pytest.mark.slow
def test_unreachable_redis_is_a_user_error():
    with pytest.raises(IndexUnavailable, match="start Redis or unset the URL"):
        RedisIndex(DedupConfig(redis_url=f"redis://127.0.0.1:{free_port()}/0"))


@pytest.mark.slow
def test_redis_candidates_for_a_batch_are_what_one_query_per_sample_finds(redis_url):
    cfg = DedupConfig(redis_url=redis_url, redis_prefix="test-batch")
    index = RedisIndex(cfg)
    stored = [f"{ANSWER} Note {n}: check the dose again after {n} days." for n in range(40)]
    index.add([f"s{n}" for n in range(40)], sketch(stored, cfg.num_perm, cfg.ngram, "word"))
    queries = sketch(
        [*stored[:5], "An unrelated sentence about contract law and notice periods."], cfg.num_perm, cfg.ngram, "word"
    )
    found = index.candidates(queries)
    assert found == [sorted(index.lsh.query(index.minhash(sig))) for sig in queries.sigs]
    assert all(f"s{n}" in found[n] for n in range(5)) and found[-1] == []
