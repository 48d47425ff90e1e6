"""`kgsynth export --cpt` and `kgsynth train --method cpt` end to end on the tiny model: passages from the graph's
checked facts, causal-LM loss on their text with LoRA, loss recorded, adapter saved."""

import json

import pytest
from safetensors.torch import load_file
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.slow


@pytest.fixture()
def workspace(workspace):
    (workspace / "kgsynth.toml").write_text(
        "[train]\nlearning_rate = 3e-3\nbatch_size = 2\nmax_length = 64\ncpu_threads = 1\n", encoding="utf-8"
    )
    return workspace


def test_export_then_continued_pretraining_saves_an_adapter(workspace, tiny_base, facts):
    runner = CliRunner()
    exported = runner.invoke(app, ["export", "--workspace", str(workspace), "--cpt"])
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in (workspace / "export" / "cpt.jsonl").read_text().splitlines()]
    assert rows and all(set(row) >= {"text", "facts", "kind"} for row in rows)
    assert {i for row in rows for i in row["facts"]} == {f.id for f in facts}
    assert "paraphrases_median" in exported.output

    config = str(workspace / "kgsynth.toml")
    args = ["train", "--workspace", str(workspace), "--method", "cpt", "--base-model", str(tiny_base)]
    trained = runner.invoke(app, [*args, "--max-steps", "12", "--config", config])  # WS/models/cpt by default
    assert trained.exit_code == 0, trained.output
    out = workspace / "models" / "cpt"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["method"] == "cpt" and metrics["passages"] == len(rows) and len(metrics["losses"]) == 12
    assert metrics["last_loss"] < metrics["first_loss"]
    adapter = load_file(out / "adapter_model.safetensors")
    assert adapter and all("lora_" in name for name in adapter)
    assert (out / "adapter_config.json").exists() and (out / "loss.png").exists()
    assert (out / "tokenizer.json").exists()


def test_train_cpt_without_the_text_or_with_an_unknown_method_is_one_line(workspace):
    runner = CliRunner()
    missing = runner.invoke(app, ["train", "--workspace", str(workspace), "--method", "cpt"])
    assert missing.exit_code == 2 and "kgsynth export" in missing.output and "Traceback" not in missing.output
    unknown = runner.invoke(app, ["train", "--workspace", str(workspace), "--method", "rlhf"])
    assert unknown.exit_code == 2
