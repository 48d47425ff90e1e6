"""Stage commands run as plain Python: no Prefect server is started, and a command with nothing to do touches
nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.direct import prefect_wanted

KGSYNTH = str(Path(sys.executable).with_name("kgsynth"))
ROOT = Path(__file__).resolve().parents[2]


def kgsynth(env, *args):
    return subprocess.run([KGSYNTH, *map(str, args)], env=env, capture_output=True, text=True, timeout=600)


def latest_stats(ws: Path) -> dict:
    return json.loads((sorted((ws / "runs").iterdir())[-1] / "stats.json").read_text())


@pytest.mark.slow
def test_stage_commands_start_no_prefect_server_and_idle_reruns_rewrite_nothing(small_corpus, tmp_path):
    home = tmp_path / "prefect-home"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "KGSYNTH_", "PREFECT_"))}
    env = {**clean, "PREFECT_HOME": str(home)}
    ws = tmp_path / "ws"
    for args in (("extract", small_corpus), ("generate",), ("curate",)):
        result = kgsynth(env, *args, "--workspace", ws)
        assert result.returncode == 0, (args, result.stderr[-2000:])
        # the ephemeral server would have logged its start and created its database under PREFECT_HOME
        assert "temporary server" not in result.stderr and "Flow run" not in result.stderr
    assert not (home / "prefect.db").exists()
    assert latest_stats(ws)["curate"]["accepted"] > 0

    state = ws / "state"
    watched = [ws / "graph.json", state / "accepted.jsonl", state / "generated_facts.ids", *state.glob("dedup*")]
    before = {p: p.stat().st_mtime_ns for p in watched}
    again = kgsynth(env, "curate", "--workspace", ws)
    assert again.returncode == 0, again.stderr[-2000:]
    assert latest_stats(ws)["curate"]["in"] == 0  # the duplicates dropped the first time are not taken up again
    extract = kgsynth(env, "extract", small_corpus, "--workspace", ws)
    assert extract.returncode == 0 and latest_stats(ws)["extract"]["note"] == "no new documents"
    generate = kgsynth(env, "generate", "--workspace", ws)
    assert generate.returncode == 0 and latest_stats(ws)["generate"]["note"] == "no pending facts"
    assert {p: p.stat().st_mtime_ns for p in watched} == before
    assert not (home / "prefect.db").exists()


def test_prefect_when_asked_or_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert not prefect_wanted(False)
    assert prefect_wanted(True)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert prefect_wanted(False)


@pytest.mark.slow
def test_stage_commands_import_neither_spacy_nor_torch_before_they_have_work():
    """Seconds of start-up a command with nothing to do would pay (lemminflect imports spaCy, spaCy imports torch)."""
    code = "import sys, flows.cli, flows.direct, flows.config; print(sorted({'spacy', 'torch'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"
