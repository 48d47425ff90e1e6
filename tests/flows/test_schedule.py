"""`kgsynth schedule` against a real Prefect server: served, triggered once, and only the new document is worked."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.config import load_config
from flows.pipeline import run_flow
from flows.schedule import deployment_name
from flows.workspace import Workspace

KGSYNTH = str(Path(sys.executable).with_name("kgsynth"))
ASPIRIN = (
    "Aspirin inhibits platelet aggregation. Low-dose aspirin prevents myocardial infarction in patients with "
    "coronary disease. Aspirin causes gastric bleeding in some older adults."
)


def read_deployment(name: str, timeout: float):
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            try:
                return client.read_deployment_by_name(name)
            except ObjectNotFound:
                assert time.monotonic() < deadline, f"deployment {name} never appeared"
                time.sleep(0.5)


@pytest.mark.slow
def test_served_deployment_triggered_once_does_only_the_new_work(cli_env, small_corpus, tmp_path):
    from prefect.deployments import run_deployment

    config = tmp_path / "kgsynth.toml"
    config.write_text("[judge]\nembeddings = false\n")
    ws = Workspace(tmp_path / "ws")
    run_flow(small_corpus, ws, load_config(config), train=False)
    (small_corpus / "medical" / "aspirin.txt").write_text(ASPIRIN)

    args = [KGSYNTH, "schedule", small_corpus, "--workspace", ws.root, "--cron", "0 3 * * *", "--config", config]
    env = {**cli_env, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    serve = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    name = f"kgsynth-scheduled/{deployment_name(ws)}"
    try:
        deployment = read_deployment(name, 90)
        assert deployment.global_concurrency_limit.limit == 1
        assert deployment.concurrency_options.collision_strategy == "CANCEL_NEW"
        flow_run = run_deployment(name, timeout=300)
        assert flow_run.state.is_completed(), flow_run.state.message
    finally:
        serve.terminate()
        serve.wait(30)
    assert not read_deployment(name, 5).paused  # the schedule outlives the serving process

    first, second = sorted(p for p in ws.runs.iterdir())
    extracted = json.loads((second / "stats.json").read_text())["extract"]
    generated = json.loads((second / "stats.json").read_text())["generate"]
    assert extracted["kept"] == 1 and [json.loads(line)["path"] for line in (second / "documents.jsonl").open()] == [
        str(small_corpus / "medical" / "aspirin.txt")
    ]
    # only the new document's facts are used (facts below the confidence gate are looked at again and skipped)
    assert 0 < generated["facts_used"] <= extracted["new_facts"] < generated["in"] + 1
    assert (second / "report.md").exists()
