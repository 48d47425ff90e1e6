"""`kgsynth train --resume`: which facts were missed, the resume mix, and the adapter trained further (not anew)."""

import json

import pytest
import torch
from fakes import make_evaluation as evaluation
from safetensors.torch import load_file

from training.evaluate import EvalConfig, evaluate_model
from training.resume import compare_evaluations, missed_facts, read_evaluation, resume_lora, resume_parts
from training.sft import TrainConfig, build_trainer, train_lora
from training.split import row_id, split_rows, split_summary

NEW_FORMS = ["Which condition is {s} given for?", "A student asks what {s} is used against. What is it?"]


def new_rows(facts, missed: list[str]) -> list[dict]:
    """Samples for the missed facts in question forms the export did not have (what --focus-missed adds)."""
    by_id = {f.id: f for f in facts}
    return [
        {
            "id": f"{fact_id}-focus{n}",
            "messages": [
                {"role": "user", "content": form.format(s=by_id[fact_id].subject)},
                {
                    "role": "assistant",
                    "content": f"{by_id[fact_id].subject.capitalize()} {by_id[fact_id].relation} {by_id[fact_id].object}.",
                },
            ],
            "kind": "qa",
            "fact_ids": [fact_id],
        }
        for fact_id in missed
        for n, form in enumerate(NEW_FORMS)
    ]


def test_missed_facts_are_trained_facts_answered_wrong(facts):
    a, b, c = (f.id for f in facts[:3])
    result = evaluation({"trained": [(a, True), (b, False)], "paraphrase": [(a, False)], "control": [(c, False)]})
    assert missed_facts(result) == [b, a]  # the control fact was never trained: it stays held out


def test_resume_mix_holds_new_rows_of_missed_facts_and_a_replay_share(facts, rows):
    split = split_summary(split_rows(rows, 0.2, True, seed=1))
    trained = {f for r in rows if row_id(r) in split.train.ids for f in r["fact_ids"]}
    controls = {f for r in rows if row_id(r) in split.control.ids for f in r["fact_ids"]}
    missed = sorted(trained)[:2]
    extra = new_rows(facts, missed + sorted(controls))  # a control fact's new rows must stay out
    parts = resume_parts(rows + extra, split, set(missed), replay_ratio=0.5, seed=0)
    assert {f for r in parts["new"] for f in r["fact_ids"]} == set(missed) and len(parts["new"]) == 4
    assert len(parts["replay"]) == 4 and {row_id(r) for r in parts["replay"]} <= set(split.train.ids)
    held = split.evaluation_ids()
    assert {row_id(r) for r in parts["held"]} == held
    assert not resume_parts(rows + extra, split, set(missed), replay_ratio=0.0, seed=0)["replay"]


def test_comparison_groups_the_same_questions_by_missed_rest_and_control(facts):
    a, b, c = (f.id for f in facts[:3])
    before = evaluation({"trained": [(a, False), (b, True)], "control": [(c, False)]})
    after = evaluation({"trained": [(a, True), (b, False)], "control": [(c, False)]}, general_after=0.45)
    result = compare_evaluations(before, after, [a])
    assert result["missed"] == {"questions": 1, "before": 0.0, "after": 1.0, "recall_before": 0.0, "recall_after": 1.0}
    assert (result["rest"]["before"], result["rest"]["after"]) == (1.0, 0.0)  # forgetting shows here
    assert result["control"]["questions"] == 1 and result["general"] == {"questions": 20, "before": 0.5, "after": 0.45}


@pytest.fixture(scope="module")
def first_version(tiny_base, tmp_path_factory, rows, facts):
    """An adapter trained and evaluated as `kgsynth train` leaves it."""
    out = tmp_path_factory.mktemp("resume") / "demo"
    cfg = TrainConfig(max_steps=20, learning_rate=3e-3, batch_size=2, max_length=256, control_ratio=0.2, seed=1)
    train_lora(rows, str(tiny_base), out, cfg)
    evaluate_model(out, rows, facts, EvalConfig(questions_per_set=6, max_new_tokens=8))
    return out, cfg


@pytest.mark.slow
def test_resume_starts_from_the_saved_adapter_not_a_fresh_lora(first_version, tiny_base, rows):
    prior, cfg = first_version
    saved = load_file(prior / "adapter_model.safetensors")
    trainer, _ = build_trainer(rows[:4], str(tiny_base), prior.parent / "probe", cfg, adapter=prior)
    live = {k.replace(".default", ""): v for k, v in trainer.model.state_dict().items() if "lora_B" in k}
    matched = [name for name in saved if "lora_B" in name]
    assert matched and all(torch.equal(live[name], saved[name]) for name in matched)
    assert any(saved[name].abs().sum() > 0 for name in matched)  # a fresh LoRA's B is all zeros
    fresh, _ = build_trainer(rows[:4], str(tiny_base), prior.parent / "probe", cfg)
    assert all(v.abs().sum() == 0 for k, v in fresh.model.state_dict().items() if "lora_B" in k)


@pytest.mark.slow
def test_resume_writes_a_new_version_on_missed_facts_and_keeps_the_old(first_version, rows, facts):
    prior, cfg = first_version
    before = (prior / "adapter_model.safetensors").read_bytes()
    missed = missed_facts(read_evaluation(prior))
    assert missed  # a 20-step tiny model gets most facts wrong
    out = prior.parent / "demo-v2"
    metrics = resume_lora(rows + new_rows(facts, missed), prior, out, missed, cfg.model_copy(update={"max_steps": 6}))
    assert metrics["new_rows"] == 2 * len(missed) and metrics["replay_rows"] > 0 and metrics["general_rows"] > 0
    assert metrics["resumed_from"] == str(prior) and metrics["steps"] == 6
    assert (prior / "adapter_model.safetensors").read_bytes() == before  # the earlier version is untouched
    assert load_file(out / "adapter_model.safetensors").keys() == load_file(prior / "adapter_model.safetensors").keys()
    split, earlier = json.loads((out / "split.json").read_text()), json.loads((prior / "split.json").read_text())
    assert split["resume"]["ids"] == [f"{f}-focus{n}" for f in missed for n in range(2)]
    # the evaluation asks the same questions
    assert {k: v for k, v in split.items() if k != "resume"} == {k: v for k, v in earlier.items() if k != "resume"}
    assert f"resumed from {prior}: {2 * len(missed)} new rows on {len(missed)} facts" in (out / "README.md").read_text()
