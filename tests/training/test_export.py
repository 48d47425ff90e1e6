import hashlib
import json

import pytest
from fakes import make_sample

from kgraph.records import Evidence
from training.export import export_samples

EVIDENCE = [Evidence(doc_id="d1", sentence="Metformin lowers glucose.", start=0, end=25)]
OBJECT = {"question_type": "object"}


def test_all_formats_agree_and_keep_provenance(tmp_path):
    from datasets import load_from_disk

    samples = [
        make_sample("What does metformin lower?", "Glucose.", evidence=EVIDENCE, style=OBJECT),
        make_sample("Hi?", "Hello.", "And metformin?", "It lowers glucose.", evidence=EVIDENCE, style=OBJECT),
    ]
    export_samples(samples, tmp_path)
    sharegpt = json.loads((tmp_path / "sharegpt.json").read_text())
    alpaca = json.loads((tmp_path / "alpaca.json").read_text())
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert len(sharegpt) == len(alpaca) == 2
    assert all(row["fact_ids"] == ["f1"] and row["evidence"][0]["doc_id"] == "d1" for row in sharegpt + alpaca)
    dialogue = next(r for r in alpaca if r["history"])
    assert dialogue["history"] == [["Hi?", "Hello."]] and dialogue["instruction"] == "And metformin?"
    for entry in info.values():
        path = tmp_path / entry["file_name"]
        assert entry["file_sha1"] == hashlib.sha1(path.read_bytes()).hexdigest()
        rows = json.loads(path.read_text())
        assert all(column in rows[0] for column in entry["columns"].values())
    assert sharegpt[0]["conversations"][0]["from"] == "human"
    assert all(row["question_type"] == "object" for row in sharegpt + alpaca)
    hf = load_from_disk(str(tmp_path / "hf"))
    assert len(hf) == 2 and hf[0]["evidence"][0]["sentence"] == "Metformin lowers glucose."
    assert hf[0]["question_type"] == "object"


def test_nothing_to_export_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no accepted samples"):
        export_samples([], tmp_path)
