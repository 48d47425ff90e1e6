"""`kgsynth generate --focus-missed` and `kgsynth train --resume` over a workspace: the samples they add and their
user errors (one line, exit 2)."""

import json

import pytest
from fakes import make_evaluation
from typer.testing import CliRunner

from flows.cli import app
from generation.records import Sample
from training.records import Evaluation

pytestmark = pytest.mark.slow


def adapter(workspace, name="demo", evaluation=None):
    """WS/models/NAME as far as these commands read it: the adapter's config and its evaluation."""
    folder = workspace / "models" / name
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    if evaluation is not None:
        (folder / "evaluation.json").write_text(evaluation.model_dump_json())
    return folder


def evaluated(right: dict[str, bool]) -> Evaluation:
    return make_evaluation({"trained": list(right.items()), "paraphrase": [], "control": []})


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_focus_rounds_add_new_questions_for_the_missed_fact_only(workspace, facts):
    missed, known = facts[0], facts[1]
    adapter(workspace, evaluation=evaluated({missed.id: False, known.id: True}))
    questions = []
    for _ in range(2):
        result = invoke("generate", "--workspace", workspace, "--focus-missed", "--json")
        assert result.exit_code == 0, result.output
        run = sorted((workspace / "runs").iterdir())[-1]
        samples = [Sample.model_validate_json(line) for line in (run / "samples.jsonl").read_text().splitlines()]
        assert samples and all(s.fact_ids[0] == missed.id for s in samples)
        questions.append({s.messages[0].content for s in samples})
    assert not questions[0] & questions[1]  # the second round asks in other forms
    assert json.loads((workspace / "state" / "focus_rounds.json").read_text()) == {missed.id: 2}


def test_resume_without_an_adapter_says_to_train_first(workspace):
    result = invoke("train", "--workspace", workspace, "--resume")
    assert result.exit_code == 2 and "no adapter demo" in result.output and "kgsynth train" in result.output


def test_resume_without_an_evaluation_says_to_evaluate(workspace):
    adapter(workspace)
    result = invoke("train", "--workspace", workspace, "--resume")
    assert result.exit_code == 2 and "no evaluation.json" in result.output and "kgsynth evaluate" in result.output
    old = make_evaluation({"trained": [("f1", True)]}, per_question=False)
    (workspace / "models" / "demo" / "evaluation.json").write_text(old.model_dump_json())
    result = invoke("train", "--workspace", workspace, "--resume")
    assert result.exit_code == 2 and "predates per-question results" in result.output


def test_resume_with_nothing_missed_says_so(workspace, facts):
    adapter(workspace, evaluation=evaluated({facts[0].id: True}))
    for command in (["train", "--resume"], ["generate", "--focus-missed"]):
        result = invoke(*command, "--workspace", workspace)
        assert result.exit_code == 2 and "nothing missed" in result.output and "Traceback" not in result.output


def test_resume_continues_sft_only(workspace, facts):
    adapter(workspace, evaluation=evaluated({facts[0].id: False}))
    result = invoke("train", "--workspace", workspace, "--resume", "--method", "dpo")
    assert result.exit_code == 2 and "--resume continues an SFT adapter" in result.output
