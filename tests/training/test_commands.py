"""`kgsynth probe` end to end on a tiny model, and its user errors (one line, exit 2)."""

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.slow


def test_probe_writes_the_quota_that_generation_reads(workspace, tiny_base, facts):
    result = CliRunner().invoke(app, ["probe", "--workspace", str(workspace), "--base-model", str(tiny_base)])
    assert result.exit_code == 0, result.output
    quota = json.loads((workspace / "state" / "fact_quota.json").read_text())["quota"]
    assert set(quota) == {f.id for f in facts} and set(quota.values()) <= {0.5, 1.0}


def test_probe_with_an_unloadable_model_is_one_line(workspace, tmp_path):
    missing = tmp_path / "no-such-model"
    result = CliRunner().invoke(app, ["probe", "--workspace", str(workspace), "--base-model", str(missing)])
    assert result.exit_code == 2 and "cannot load a tokenizer" in result.output and "Traceback" not in result.output
