"""End to end through the installed `kgsynth` command, as a user runs it (Prefect's ephemeral server included)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KGSYNTH = str(Path(sys.executable).with_name("kgsynth"))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "KGSYNTH_"))}
    return {**clean, "PREFECT_HOME": str(home), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}


def kgsynth(env, *args, timeout=600):
    return subprocess.run([KGSYNTH, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_run_end_to_end_then_nothing_new(env, small_corpus, tmp_path):
    (small_corpus / "empty.txt").write_text("")
    (small_corpus / "blob.txt").write_bytes(b"\x00\xff\x00binary")
    ws = tmp_path / "ws"
    first = kgsynth(env, "run", small_corpus, "--workspace", ws, "--max-steps", "3")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "kgsynth summary" in first.stdout and "empty: 1" in first.stdout and "binary: 1" in first.stdout
    graph = json.loads((ws / "graph.json").read_text())
    assert graph["edges"] and all(e["evidence"] and e["fact_id"] for e in graph["edges"])
    for name in ("sharegpt.json", "alpaca.json", "dataset_info.json", "hf"):
        assert (ws / "export" / name).exists()
    assert (ws / "models" / "demo" / "adapter_model.safetensors").exists()
    exported = json.loads((ws / "export" / "sharegpt.json").read_text())
    assert exported and all(row["fact_ids"] and row["evidence"] for row in exported)
    run_dirs = sorted((ws / "runs").iterdir())
    stats = json.loads((run_dirs[0] / "stats.json").read_text())
    assert stats["generate"]["samples"] > 0 and stats["curate"]["accepted"] > 0
    page = (run_dirs[0] / "report.html").read_text()  # the fine-tune's evaluation and loss curve included
    assert '<section id="evaluation">' in page and 'id="loss"><img src="data:image/png;base64,' in page

    second = kgsynth(env, "run", small_corpus, "--workspace", ws, "--max-steps", "3")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "nothing new" in second.stdout
    stats = json.loads((sorted((ws / "runs").iterdir())[-1] / "stats.json").read_text())
    assert stats["extract"]["kept"] == 0 and stats["generate"]["samples"] == 0

    shutil.rmtree(ws / "export" / "hf")  # as a kill during the export would leave it (without the atomic swap)
    (ws / "models" / "demo" / "adapter_model.safetensors").unlink()  # as a kill during training would leave it
    third = kgsynth(env, "run", small_corpus, "--workspace", ws, "--max-steps", "3")
    assert third.returncode == 0, third.stderr[-3000:]
    assert (ws / "export" / "hf").exists()  # an incomplete export is redone even when nothing is new
    assert (ws / "models" / "demo" / "adapter_model.safetensors").exists()  # and so is an unfinished training


@pytest.mark.slow
def test_missing_corpus_is_one_line_without_traceback(env, tmp_path):
    result = kgsynth(env, "run", tmp_path / "missing", "--workspace", tmp_path / "ws")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "does not exist" in lines[0]


@pytest.mark.slow
def test_stage_command_on_an_empty_workspace_says_what_to_run(env, tmp_path):
    result = kgsynth(env, "export", "--workspace", tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "kgsynth curate" in result.stderr


@pytest.mark.slow
def test_bad_config_names_the_field(env, tmp_path, small_corpus):
    config = tmp_path / "kgsynth.toml"
    config.write_text("[generation]\nquestion_typez = ['object']\n")
    result = kgsynth(env, "run", small_corpus, "--workspace", tmp_path / "ws", "--config", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "generation.question_typez" in result.stderr


@pytest.mark.slow
def test_stage_commands_one_by_one(env, small_corpus, tmp_path):
    ws = tmp_path / "ws"
    for args in (("extract", small_corpus), ("generate",), ("curate",), ("export",)):
        result = kgsynth(env, *args, "--workspace", ws)
        assert result.returncode == 0, (args, result.stderr[-2000:])
    assert json.loads((ws / "export" / "sharegpt.json").read_text())
    assert shutil.which(KGSYNTH)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["generate", "curate"])
def test_stage_commands_before_extraction_fail_in_one_line(env, tmp_path, command):
    result = kgsynth(env, command, "--workspace", tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: no run in {tmp_path}: run `kgsynth extract CORPUS --workspace {tmp_path}` first"
    ]


def test_user_errors_raised_inside_flows_lose_their_prefect_traceback():
    import logging

    from flows.cli_guard import UserErrorTracebacks
    from flows.workspace import WorkspaceError

    def record(error):
        try:
            raise error
        except Exception:
            return logging.LogRecord(
                "prefect.flow_runs", logging.ERROR, __file__, 1, "Encountered", None, sys.exc_info()
            )

    keep = UserErrorTracebacks()
    assert keep.filter(record(WorkspaceError("no graph"))) is False
    assert keep.filter(record(RuntimeError("a bug keeps its traceback"))) is True


@pytest.mark.slow
def test_a_second_writer_on_the_same_workspace_fails_in_one_line(env, tmp_path):
    from flows.workspace import workspace_lock

    ws = tmp_path / "ws"
    ws.mkdir()
    with workspace_lock(ws):  # this test process holds the workspace, like a running `kgsynth generate`
        result = kgsynth(env, "export", "--workspace", ws)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: workspace {ws} is in use by another kgsynth command (pid {os.getpid()}): wait for it to finish"
    ]
    released = kgsynth(env, "export", "--workspace", ws)  # once released, the command runs (and finds no samples)
    assert "in use" not in released.stderr and "no accepted samples" in released.stderr


def test_a_slow_prefect_server_is_tried_twice_then_one_line(monkeypatch, capsys):
    import typer

    from flows.cli import guarded
    from flows.stats import StageStats

    calls = []

    def slow():
        calls.append(1)
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

    with pytest.raises(typer.Exit) as exit_:
        guarded(slow)
    assert exit_.value.exit_code == 3 and len(calls) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "prefect server start" in err

    def slow_then_fine():
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")
        return StageStats(stage="extract", seen=1, kept=1)

    guarded(slow_then_fine)  # the second try works: a summary, no error
    assert len(calls) == 4 and "kgsynth summary" in capsys.readouterr().out
