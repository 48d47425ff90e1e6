"""Preference pairs pass the judge (the rejected answer must be judged wrong, and not for its form) and export
in TRL's conversational format and as a LLaMA-Factory ranking dataset."""

import json

import networkx as nx
import pytest
from fakes import make_fact, make_sample

from curation.judge import JudgeConfig, judge_offline
from generation.plan import FactIndex
from generation.records import Sample
from kgraph.graph import add_facts
from training.preference import preference_pairs, read_pairs, write_preference

FACTS = [
    make_fact("metformin", "treats", "type 2 diabetes"),
    make_fact("levothyroxine", "treats", "hypothyroidism"),
    make_fact(
        "amoxicillin",
        "treats",
        "viral infections",
        negated=True,
        sentence="Amoxicillin does not treat viral infections.",
    ),
    make_fact("warfarin", "causes", "major bleeding", hedged=True, sentence="Warfarin may cause major bleeding."),
    make_fact("gout", "is_a", "arthritis", sentence="Gout is a arthritis."),
]
QA = [
    (FACTS[0], "What does metformin treat?", "Metformin treats type 2 diabetes."),
    (FACTS[1], "What does levothyroxine treat?", "Levothyroxine treats hypothyroidism."),
    (FACTS[2], "Does amoxicillin treat viral infections?", "No. Amoxicillin does not treat viral infections."),
    (FACTS[3], "Can warfarin cause major bleeding?", "Warfarin may cause major bleeding."),
]


def sample(fact, question, answer) -> Sample:
    return make_sample(question, answer, fact=fact)


def build(samples):
    graph = nx.MultiDiGraph()
    add_facts(graph, FACTS)
    index = FactIndex.of(graph)
    cfg = JudgeConfig(embeddings=False)
    return preference_pairs(samples, index, lambda batch: judge_offline(batch, index.by_id, cfg))


def test_every_pair_holds_a_judged_wrong_answer_in_trl_format():
    pairs, rejections = build([sample(*qa) for qa in QA])
    assert {p["error"] for p in pairs} >= {"sibling_object", "swapped_subject", "dropped_polarity"}
    assert len(pairs) + len(rejections) == len(QA)
    for pair in pairs:
        assert [m["role"] for m in pair["prompt"]] == ["user"]
        assert pair["chosen"][0]["role"] == pair["rejected"][0]["role"] == "assistant"
        assert pair["chosen"] != pair["rejected"]
        assert {"unsupported_claim", "contradicts_evidence"} & set(pair["rejected_reasons"])
    negated = next(p for p in pairs if p["error"] == "dropped_polarity")
    assert negated["rejected"][0]["content"] == "Yes. Amoxicillin treats viral infections."


def test_samples_the_gate_or_the_shape_excludes_give_no_pair():
    low = FACTS[0].model_copy(update={"confidence": 0.5})
    FACTS[0], kept = low, FACTS[0]
    try:
        pairs, _ = build([sample(low, *QA[0][1:])])
    finally:
        FACTS[0] = kept
    assert pairs == []  # below generation.min_confidence: not a fact to teach a preference about
    dialogue = sample(*QA[1]).model_copy(update={"kind": "dialogue"})
    assert build([dialogue]) == ([], [])


def test_export_writes_trl_jsonl_and_a_llama_factory_ranking_entry(tmp_path):
    pairs, _ = build([sample(*qa) for qa in QA])
    (tmp_path / "dataset_info.json").write_text(json.dumps({"kgsynth_sharegpt": {"file_name": "sharegpt.json"}}))
    counts = write_preference(pairs, tmp_path)
    assert sum(counts.values()) == len(pairs) == len(read_pairs(tmp_path / "dpo.jsonl"))
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert "kgsynth_sharegpt" in info  # the SFT entries stay
    entry = info["kgsynth_dpo"]
    assert entry["ranking"] is True and entry["formatting"] == "alpaca"
    rows = json.loads((tmp_path / entry["file_name"]).read_text())
    for row in rows:  # LLaMA-Factory's alpaca ranking columns: chosen and rejected as text
        for column in ("prompt", "chosen", "rejected"):
            assert isinstance(row[entry["columns"][column]], str) and row[entry["columns"][column]]
    import hashlib

    assert entry["file_sha1"] == hashlib.sha1((tmp_path / entry["file_name"]).read_bytes()).hexdigest()


def test_ranking_entry_converts_with_llamafactory(tmp_path):
    """LLaMA-Factory's own parser reads the entry, and its converter gives the chosen and rejected answers as the
    pair its DPO/ORPO/KTO stages train on."""
    pytest.importorskip("llamafactory", reason="pip install -c constraints.txt --no-deps llamafactory")
    from datasets import load_dataset
    from test_llamafactory import llamafactory_data
    from transformers import Seq2SeqTrainingArguments

    parser, converter, DataArguments = llamafactory_data.__wrapped__()
    pairs, _ = build([sample(*qa) for qa in QA])
    write_preference(pairs, tmp_path)
    (attr,) = parser.get_dataset_list(["kgsynth_dpo"], str(tmp_path))
    assert attr.ranking and attr.formatting == "alpaca"
    data = load_dataset("json", data_files=str(tmp_path / attr.dataset_name), split="train")
    args = DataArguments(dataset_dir=str(tmp_path), preprocessing_num_workers=None)
    aligned = converter.align_dataset(data, attr, args, Seq2SeqTrainingArguments(output_dir=str(tmp_path / "out")))
    by_question = {row["_prompt"][0]["content"]: row for row in aligned}
    for pair in pairs:
        row = by_question[pair["prompt"][-1]["content"]]
        assert row["_response"] == [pair["chosen"][0], pair["rejected"][0]]  # LLaMA-Factory: chosen first
