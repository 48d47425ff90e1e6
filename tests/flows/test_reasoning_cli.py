"""`kgsynth run --reasoning` as a user runs it: the samples carry their reasoning and the export writes
reasoning.jsonl with its LLaMA-Factory entry, beside the plain files."""

import json

import pytest
from test_cli import kgsynth

pytestmark = pytest.mark.slow


def test_run_with_reasoning_writes_the_reasoning_export(cli_env, small_corpus, tmp_path):
    ws = tmp_path / "ws"
    result = kgsynth(cli_env, "run", small_corpus, "--workspace", ws, "--reasoning", "--no-train")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "reasoning" in result.stdout  # its row in the summary
    rows = [json.loads(line) for line in (ws / "export" / "reasoning.jsonl").read_text().splitlines()]
    assert rows and all(r["messages"][-1]["content"].startswith("<think>\n") for r in rows)
    plain = json.loads((ws / "export" / "sharegpt.json").read_text())
    assert len(plain) >= len(rows) and "<think>" not in json.dumps(plain)
    assert "kgsynth_reasoning" in json.loads((ws / "export" / "dataset_info.json").read_text())
