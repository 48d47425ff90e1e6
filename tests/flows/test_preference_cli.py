"""Preference pairs and evaluation sets through the `kgsynth` command, as a user runs them: `kgsynth run` with the
options in the config writes them, `kgsynth train --method dpo` continues the SFT adapter on the tiny model and
the margin between the true answer and its graph-known mistake rises."""

import json

import pytest
from test_cli import kgsynth

pytestmark = pytest.mark.slow

CONFIG = """\
[export]
preference = true
eval_sets = true

[train]
control_ratio = 0.2

[dpo]
learning_rate = 2e-3
"""


def one_line_error(result, *words):
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and all(w in lines[0] for w in words), lines


def test_run_exports_pairs_and_eval_sets_then_dpo_raises_the_margin(cli_env, small_corpus, tmp_path):
    from flows import cli, pipeline

    # the CLI offers every trainer: the methods by name, the resume as `--resume`
    assert [m.value for m in cli.TrainMethod] + ["resume"] == list(pipeline.TRAINERS)
    config, ws = tmp_path / "kgsynth.toml", tmp_path / "ws"
    config.write_text(CONFIG)
    result = kgsynth(cli_env, "run", small_corpus, "--workspace", ws, "--config", config, "--no-train")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "preference" in result.stdout and "eval sets" in result.stdout  # their rows in the summary (stdout)
    export = ws / "export"
    pairs = [json.loads(line) for line in (export / "dpo.jsonl").read_text().splitlines()]
    assert pairs and all(p["chosen"] != p["rejected"] and p["prompt"][-1]["role"] == "user" for p in pairs)
    info = json.loads((export / "dataset_info.json").read_text())
    assert info["kgsynth_dpo"]["ranking"] is True and "kgsynth_sharegpt" in info
    assert (export / "lm_eval" / "kgsynth_short.yaml").exists()
    assert (export / "evalscope" / "qa" / "kgsynth.jsonl").exists()
    assert (export / "opencompass" / "kgsynth_qa.jsonl").exists()

    one_line_error(kgsynth(cli_env, "train", "--workspace", ws, "--method", "dpo"), "no SFT adapter", "kgsynth train")
    sft = kgsynth(cli_env, "train", "--workspace", ws, "--config", config, "--max-steps", "40", "--no-evaluate")
    assert sft.returncode == 0, sft.stderr[-3000:]

    wide = {**cli_env, "COLUMNS": "250"}  # the summary's notes on one line each
    dpo = kgsynth(wide, "train", "--workspace", ws, "--config", config, "--method", "dpo", "--max-steps", "16",
                  "--no-evaluate")  # fmt: skip
    assert dpo.returncode == 0, dpo.stderr[-3000:]
    assert "train-dpo" in dpo.stdout and "margin_after=" in dpo.stdout
    metrics = json.loads((ws / "models" / "demo-dpo" / "metrics.json").read_text())
    assert metrics["steps"] == 16 and metrics["margin_after"] > metrics["margin_before"] + 0.5
    assert (ws / "models" / "demo-dpo" / "adapter_model.safetensors").exists()

    export_only = kgsynth(cli_env, "export", "--workspace", ws, "--no-preference")
    assert export_only.returncode == 0 and not (export / "dpo.jsonl").exists()
    one_line_error(kgsynth(cli_env, "train", "--workspace", ws, "--method", "dpo"), "no dpo.jsonl", "--preference")
