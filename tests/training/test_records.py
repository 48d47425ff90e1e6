"""The training files as records: what a writer wrote reads back, old files still read, a broken one is one line."""

import json

import pytest

from flows.stages.curate import evaluation_ids
from flows.workspace import Workspace
from training.records import (
    METRICS_FILE,
    SPLIT_FILE,
    Evaluation,
    FactQuota,
    Metrics,
    Split,
    TrainingFileError,
    read_record,
    write_record,
)

# metrics.json of an SFT adapter from before DPO and CPT: no `method`, and SFT-only fields the card reads.
OLD_SFT_METRICS = {
    "base_model": "/models/tiny",
    "config": {"max_steps": 3},
    "steps": 3,
    "losses": [2.0, 1.5],
    "first_loss": 2.0,
    "last_loss": 1.5,
    "split": {"train": {"samples": 4, "facts": 2}},
}


def test_the_workspace_keeps_every_fine_tunes_evaluation_questions_out(tmp_path):
    ws = Workspace(tmp_path / "ws").create()
    write_record(
        ws.models / "a" / SPLIT_FILE, Split.model_validate({"control": {"ids": ["c1"]}, "train": {"ids": ["t"]}})
    )
    (ws.models / "b").mkdir()
    (ws.models / "b" / SPLIT_FILE).write_text(json.dumps({"paraphrase": {"samples": 1, "ids": ["p1"]}}))
    assert evaluation_ids(ws) == {"c1", "p1"}
    assert read_record(ws.models / "a" / SPLIT_FILE, Split).held_out_ids() == {"c1"}


def test_old_metrics_read_with_their_own_fields(tmp_path):
    (tmp_path / METRICS_FILE).write_text(json.dumps(OLD_SFT_METRICS))
    metrics = read_record(tmp_path / METRICS_FILE, Metrics)
    assert metrics.method == "sft" and metrics.steps == 3 and metrics.model_dump()["split"]["train"]["samples"] == 4
    assert read_record(tmp_path / "missing.json", Metrics) is None


@pytest.mark.parametrize(
    ("name", "model", "text", "says"),
    [
        (METRICS_FILE, Metrics, json.dumps({**OLD_SFT_METRICS, "steps": "many"}), "steps: Input should be a valid"),
        (SPLIT_FILE, Split, json.dumps({"control": {"ids": "c1"}}), "control.ids: Input should be a valid array"),
        ("fact_quota.json", FactQuota, json.dumps({"quota": {"f1": 3}}), "quota.f1: Input should be less than"),
        ("evaluation.json", Evaluation, '{"sets": ', "Invalid JSON"),
    ],
)
def test_a_malformed_file_is_one_line_naming_the_file_and_field(tmp_path, name, model, text, says):
    (tmp_path / name).write_text(text)
    with pytest.raises(TrainingFileError, match=f"{name} is not a valid {model.__name__} .*{says}"):
        read_record(tmp_path / name, model)
