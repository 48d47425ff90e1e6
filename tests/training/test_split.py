from training.split import split_rows, split_summary


def test_control_facts_are_held_out_whole_and_paraphrases_come_from_trained_facts(facts, rows):
    dialogue = {
        "id": "walk",
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "kind": "dialogue",
        "fact_ids": [f.id for f in facts],
    }
    split = split_rows([*rows, dialogue], control_ratio=0.4, hold_paraphrases=True, seed=1)
    facts_of = {name: {f for r in part for f in r["fact_ids"]} for name, part in split.items()}
    controls = facts_of["control"]
    assert controls and not controls & facts_of["train"]
    assert facts_of["paraphrase"] <= facts_of["train"]
    assert len(split["paraphrase"]) == len(facts) - len(controls)  # one per trained fact
    assert split["excluded"] == [dialogue]  # it mentions a control fact: neither trained on nor lost
    assert sum(len(p) for p in split.values()) == len(rows) + 1
    again = split_rows([*rows, dialogue], control_ratio=0.4, hold_paraphrases=True, seed=1)
    assert split_summary(again) == split_summary(split)


def test_no_holdout_trains_on_everything(rows):
    split = split_rows(rows, control_ratio=0, hold_paraphrases=False)
    assert len(split["train"]) == len(rows) and not split["paraphrase"] and not split["control"]
