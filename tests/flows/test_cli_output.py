"""The CLI as a script sees it: results alone on stdout (a table, or JSON), logs on stderr, whole rows in a pipe,
--quiet/--verbose, --version, completion, and environment variables in --help."""

import json
import logging
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from fakes import make_fact
from typer.testing import CliRunner

from flows.cli import app
from flows.cli_guard import guarded
from flows.cli_output import set_output, show_summary
from flows.config import ConfigError
from flows.stats import StageStats
from kgraph.graph import add_facts, load_graph, save_graph
from training.sft import TrainConfig

KGSYNTH = str(Path(sys.executable).with_name("kgsynth"))
ROW = {  # a real `generate` row: long notes that rich folded mid-word at 80 columns
    "stage": "generate",
    "in": 36,
    "kept": 46,
    "dropped": {"low_confidence": 8, "no_fitting_plan": 7, "vague_relation": 1},
    "seconds": 2.6,
    "facts_left_pending": 0,
    "question_similarity": 0.269,
    "entities_with_aspect": 8,
    "aspects_per_entity": 1.25,
}


@pytest.fixture(autouse=True)
def own_process_state():
    """A command sets up logging, warnings and library variables for its process; undo that after each test."""
    env, root = dict(os.environ), logging.getLogger()
    handlers = list(root.handlers)
    yield
    os.environ.clear()
    os.environ.update(env)
    root.handlers[:] = handlers
    set_output()


@pytest.fixture()
def graph_ws(tmp_path: Path) -> Path:
    graph = load_graph(tmp_path / "graph.json")
    add_facts(graph, [make_fact("metformin", "treats", "type 2 diabetes"), make_fact("warfarin", "causes", "bleeding")])
    save_graph(graph, tmp_path / "graph.json")
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"}, prog_name="kgsynth")


def test_version_is_the_installed_package_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout == f"kgsynth {version('kgsynth')}\n"


@pytest.mark.slow
def test_help_names_environment_variables_and_config_fields():
    top = invoke("--help").stdout
    assert all(name in top for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "KGSYNTH_MODEL", "PREFECT_API_URL"))
    train = " ".join(invoke("train", "--help").stdout.split())  # help wraps at spaces: compare word sequences
    assert "env var: KGSYNTH_WORKSPACE" in train and "env var: KGSYNTH_CONFIG" in train
    assert TrainConfig.model_fields["max_steps"].description in train and "train.max_steps" in train
    assert all(flag in train for flag in ("--json", "--quiet", "--verbose"))


@pytest.mark.slow
def test_workspace_comes_from_its_environment_variable(graph_ws):
    result = CliRunner().invoke(app, ["graph", "--no-picture", "--json"], env={"KGSYNTH_WORKSPACE": str(graph_ws)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["edges"] == 2


def test_graph_json_is_the_whole_stdout_and_the_file_note_goes_to_stderr(graph_ws):
    from flows.stages import graph_report
    from flows.workspace import Workspace

    result = invoke("graph", "--workspace", str(graph_ws), "--no-picture", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(graph_report(Workspace(graph_ws), picture=False)))
    assert "wrote" in result.stderr and "wrote" not in result.stdout


def test_quiet_prints_nothing_on_success_and_the_error_on_failure(graph_ws, tmp_path):
    done = invoke("graph", "--workspace", str(graph_ws), "--no-picture", "--quiet")
    assert done.exit_code == 0 and done.stdout == "" and done.stderr == ""
    failed = invoke("graph", "--workspace", str(tmp_path / "missing"), "--quiet")
    assert failed.exit_code == 2 and failed.stdout == "" and "does not exist" in failed.stderr
    both = invoke("graph", "--workspace", str(graph_ws), "--quiet", "--verbose")
    assert both.exit_code == 2 and "choose one of --quiet and --verbose" in both.output


def test_summary_json_matches_the_stats(capsys):
    set_output(as_json=True)
    show_summary([StageStats.model_validate(ROW)], 3.04)
    assert json.loads(capsys.readouterr().out) == {"stages": [ROW], "seconds": 3.0}


def test_summary_in_a_pipe_keeps_each_row_on_one_line(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # as under `| cat`: stdout is no terminal, no width given
    show_summary([StageStats.model_validate(ROW)], 3.0)
    out = capsys.readouterr().out
    assert "kgsynth summary" in out and [line for line in out.splitlines() if "generate" in line]
    (row,) = [line for line in out.splitlines() if "generate" in line]
    for word in (
        "low_confidence: 8,",
        "facts_left_pending=0,",
        "question_similarity=0.269,",
        "aspects_per_entity=1.25",
    ):
        assert word in row


def test_a_user_error_keeps_its_square_brackets(capsys):
    def bad_config():
        raise ConfigError("`judge.mode` is llm but no LLM endpoint is configured: set [llm] base_url")

    with pytest.raises(Exception) as exit_:
        guarded(bad_config)
    assert exit_.value.exit_code == 2
    assert capsys.readouterr().err.strip() == (
        "error: `judge.mode` is llm but no LLM endpoint is configured: set [llm] base_url"
    )


@pytest.mark.slow
def test_completion_offers_commands_and_options(monkeypatch):
    # --show-completion detects the shell from the process tree (shellingham), which a test runner may hide
    monkeypatch.setattr("typer.completion._get_shell_name", lambda: "bash")

    def complete(words: str) -> list[str]:
        env = {"_KGSYNTH_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
        return CliRunner().invoke(app, [], env=env, prog_name="kgsynth").stdout.split()

    assert complete("kgsynth ex") == ["extract", "export"]
    assert "--json" in complete("kgsynth extract --j")
    assert "_KGSYNTH_COMPLETE" in invoke("--show-completion").stdout


NOISY = (
    "import logging, os, sys\nfrom flows.cli_guard import guarded\nfrom flows.cli_logging import setup_console\n"
    "from flows.cli_output import set_output\nfrom flows.stats import StageStats\n"
    "def noisy():\n    print('a print')\n    os.write(1, b'a Rust progress line\\n')\n"
    "    print('train step 1/3', file=sys.stderr)\n    logging.getLogger('kgsynth').error('an error still shows')\n"
    "    return StageStats(stage='x', seen=1, kept=1)\n"
    "set_output(as_json=True, quiet=QUIET)\nsetup_console(quiet=QUIET)\nguarded(noisy)\n"
    "print('after the result', flush=True)\n"
)


@pytest.mark.slow
def test_whatever_a_library_writes_to_stdout_lands_on_stderr_or_with_quiet_nowhere(tmp_path):
    def run(quiet: bool) -> subprocess.CompletedProcess:
        script = NOISY.replace("QUIET", str(quiet))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done

    loud = run(quiet=False)
    summary, after = loud.stdout.rsplit("}\n", 1)
    assert json.loads(summary + "}")["stages"][0]["stage"] == "x" and after == "after the result\n"
    assert all(line in loud.stderr for line in ("a print", "a Rust progress line", "train step", "an error"))
    quiet = run(quiet=True)
    assert quiet.stdout == "after the result\n" and quiet.stderr.strip().endswith("an error still shows")
    assert quiet.stderr.count("\n") == 1


@pytest.mark.slow
def test_extract_json_pipes_clean_and_logs_say_only_what_kgsynth_did(cli_env, small_corpus, tmp_path):
    ws = tmp_path / "ws"

    def kgsynth(*flags: str):
        args = [KGSYNTH, "extract", str(small_corpus), "--workspace", str(ws), *flags]
        done = subprocess.run(args, env=cli_env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    first = kgsynth("--json")
    summary = json.loads(first.stdout)  # the whole of stdout: no log line, no table
    stats = json.loads(next((ws / "runs").iterdir()).joinpath("stats.json").read_text())["extract"]
    assert summary["stages"][0]["stage"] == "extract" and summary["stages"][0]["kept"] == stats["kept"] == 3
    assert "facts extracted" in first.stderr  # kgsynth's own progress
    assert "Finished in state" not in first.stderr and "Beginning flow run" not in first.stderr  # Prefect's chatter
    verbose = kgsynth("--verbose")
    assert "Finished in state" in verbose.stderr and "kgsynth summary" in verbose.stdout
    quiet = kgsynth("--quiet")
    assert quiet.stdout == "" and quiet.stderr == ""
