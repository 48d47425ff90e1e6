import json

import pytest

from training.mix import BUNDLED_GENERAL, load_general, mix_general


def test_alpaca_and_sharegpt_files_become_chat_rows(tmp_path):
    alpaca = tmp_path / "a.json"
    alpaca.write_text(
        json.dumps([{"instruction": "Add", "input": "2 and 3", "output": "5", "history": [["hi", "hello"]]}])
    )
    sharegpt = tmp_path / "s.jsonl"
    sharegpt.write_text(
        json.dumps({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]})
    )
    (row,) = load_general(alpaca)
    assert [m["role"] for m in row["messages"]] == ["user", "assistant", "user", "assistant"]
    assert row["messages"][2]["content"] == "Add\n\n2 and 3" and row["messages"][3]["content"] == "5"
    assert load_general(sharegpt)[0]["messages"][1] == {"role": "assistant", "content": "yo"}
    assert len(load_general(BUNDLED_GENERAL)) >= 20


def test_ratio_sets_the_share_of_general_rows():
    domain = [{"messages": [], "kind": "qa"}] * 80
    general = load_general(BUNDLED_GENERAL)
    mixed = mix_general(domain, general, 0.2)
    assert len(mixed) == 100 and sum(r["kind"] == "general" for r in mixed) == 20
    assert mix_general(domain, general, 0) == domain


def test_a_bad_general_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"prompt": "x"}]))
    with pytest.raises(ValueError, match="not an alpaca or sharegpt file"):
        load_general(bad)
    with pytest.raises(ValueError, match="does not exist"):
        load_general(tmp_path / "missing.json")
