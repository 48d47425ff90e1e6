"""export/reasoning.jsonl: TRL's conversational format with the reasoning in a <think> block that TRL's reasoning
templates render as their own and LLaMA-Factory's parser loads; steps that cite a source or were invented stay out."""

import json

import pytest
from fakes import make_fact, make_sample

from curation.judge import JudgeConfig
from training.export import export_samples
from training.reasoning import (
    REASONING_FILE,
    checked_reasoning,
    reasoning_row,
    with_thought,
    without_thought,
    write_reasoning,
)

FACT = make_fact("Metformin", "causes", "lactic acidosis", sentence="Metformin can cause lactic acidosis.")
STEPS = ["Metformin can cause lactic acidosis.", "So the answer is yes."]
QA = make_sample("Can metformin cause lactic acidosis?", "Yes. Metformin can cause lactic acidosis.", fact=FACT)
REASONED = QA.model_copy(update={"reasoning": STEPS})


def exported(tmp_path, samples=(REASONED,)):
    export_samples(list(samples), tmp_path)
    write_reasoning(list(samples), tmp_path)
    return [json.loads(line) for line in (tmp_path / REASONING_FILE).read_text().splitlines()]


def test_rows_are_trl_conversations_whose_answer_follows_the_reasoning(tmp_path):
    from datasets import load_dataset
    from trl.data_utils import is_conversational

    (row,) = exported(tmp_path)
    assert is_conversational(row) and row["fact_ids"] == [FACT.id]
    answer = row["messages"][-1]["content"]
    assert answer == "<think>\n" + "\n".join(STEPS) + "\n</think>\n\nYes. Metformin can cause lactic acidosis."
    assert without_thought(answer) == QA.messages[-1].content  # what dropping the reasoning leaves
    loaded = load_dataset("json", data_files=str(tmp_path / REASONING_FILE), split="train")
    assert loaded[0]["messages"] == row["messages"]
    plain = json.loads((tmp_path / "sharegpt.json").read_text())
    assert "<think>" not in json.dumps(plain)  # the SFT exports keep plain answers


def test_trl_reasoning_templates_read_the_block_as_reasoning_content():
    from transformers.utils.chat_template_utils import render_jinja_template
    from trl.chat_template_utils import qwen3_training_chat_template

    row = reasoning_row(REASONED)
    as_field = [*row["messages"][:-1], {**QA.messages[-1].model_dump(), "reasoning_content": "\n".join(STEPS)}]
    rendered = [
        render_jinja_template([m], chat_template=qwen3_training_chat_template)[0] for m in (row["messages"], as_field)
    ]
    assert rendered[0] == rendered[1] and "<think>\nMetformin can cause" in rendered[0][0]


def test_llamafactory_loads_the_reasoning_entry(tmp_path):
    pytest.importorskip("llamafactory", reason="pip install -c constraints.txt --no-deps llamafactory")
    from datasets import load_dataset
    from test_llamafactory import llamafactory_data
    from transformers import Seq2SeqTrainingArguments

    exported(tmp_path)
    parser, converter, DataArguments = llamafactory_data.__wrapped__()
    (attr,) = parser.get_dataset_list(["kgsynth_reasoning"], str(tmp_path))
    data = load_dataset("json", data_files=str(tmp_path / attr.dataset_name), split="train")
    args = DataArguments(dataset_dir=str(tmp_path), preprocessing_num_workers=None)
    (row,) = converter.align_dataset(data, attr, args, Seq2SeqTrainingArguments(output_dir=str(tmp_path / "o")))
    assert row["_prompt"] == [{"role": "user", "content": QA.messages[0].content}]
    assert row["_response"] == [{"role": "assistant", "content": with_thought(STEPS, QA.messages[-1].content)}]
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert {"kgsynth_sharegpt", "kgsynth_alpaca", "kgsynth_reasoning"} <= set(info)


def test_reasoning_that_cites_a_source_or_invents_stays_out():
    citing = QA.model_copy(update={"id": "citing", "reasoning": ["The text says metformin can cause it.", *STEPS[1:]]})
    invented = QA.model_copy(update={"id": "invented", "reasoning": ["Statins damage muscle fibres.", *STEPS[1:]]})
    kept, rejections = checked_reasoning([REASONED, citing, invented, QA], {FACT.id: FACT}, JudgeConfig())
    assert kept == [REASONED]
    reasons = {r.item_id: r.reason for r in rejections}
    assert reasons == {"citing": "reasoning_cites_source", "invented": "ungrounded_reasoning", QA.id: "no_reasoning"}
