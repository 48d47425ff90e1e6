"""The outputs `[export]` asks for are written with the export, swapped in with it, and a run redoes an export
that lacks one (plain stage calls, no Prefect)."""

from __future__ import annotations

import json

from test_curate_resume import generated_workspace

import flows.stages as stages
from flows.config import load_config


def test_preference_and_eval_sets_join_the_export_and_its_completeness(tmp_path):
    ws, cfg, run = generated_workspace(tmp_path / "ws")
    stages.curate_run(ws, run, cfg)
    rows = stages.export_workspace(ws, cfg)
    assert [r.stage for r in rows] == ["export"] and not (ws.export / "dpo.jsonl").exists()
    both = load_config(None, {"judge": {"embeddings": False}, "export": {"preference": True, "eval_sets": True}})
    assert stages.export_complete(ws, cfg) and not stages.export_complete(ws, both)  # a run would export again

    rows = stages.export_workspace(ws, both)
    assert [r.stage for r in rows] == ["export", "preference", "eval sets"]
    preference = rows[1]
    pairs = [json.loads(line) for line in (ws.export / "dpo.jsonl").read_text().splitlines()]
    rejected = (ws.export / "dpo_rejections.jsonl").read_text().splitlines()
    assert len(pairs) == preference.kept and len(rejected) == sum(preference.dropped.values())
    assert "kgsynth_dpo" in json.loads((ws.export / "dataset_info.json").read_text())
    assert (ws.export / "lm_eval").is_dir()  # even when no control fact has a closed-book question
    assert stages.export_complete(ws, both) and not (tmp_path / "ws" / "export.partial").exists()


def test_reasoning_samples_export_to_their_own_file_beside_the_plain_ones(tmp_path):
    ws, cfg, run = generated_workspace(tmp_path / "ws", {"reasoning": True})
    stages.curate_run(ws, run, cfg)
    rows = stages.export_workspace(ws, cfg)
    assert [r.stage for r in rows] == ["export", "reasoning"]
    lines = [json.loads(line) for line in (ws.export / "reasoning.jsonl").read_text().splitlines()]
    assert len(lines) == rows[1].kept > 0 and rows[1].seen == rows[0].kept
    assert all(row["messages"][-1]["content"].startswith("<think>\n") for row in lines)
    assert "<think>" not in (ws.export / "sharegpt.json").read_text()
    assert "kgsynth_reasoning" in json.loads((ws.export / "dataset_info.json").read_text())
    assert stages.export_complete(ws, cfg)
    (ws.export / "reasoning.jsonl").unlink()
    assert not stages.export_complete(ws, cfg)  # a run would export again
