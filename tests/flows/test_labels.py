"""What a kgsynth flow run looks like on the Prefect server: its name, its tags, and parameters without secrets."""

import json

import pytest

from flows.config import load_config
from flows.labels import report_key, workspace_slug
from flows.pipeline import extract_flow
from flows.workspace import Workspace

SECRET = "sk-kgsynth-test-secret"


@pytest.mark.slow
def test_flow_run_is_named_tagged_and_stores_no_api_key(prefect_api, tmp_path, monkeypatch):
    from prefect.client.orchestration import get_client

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Metformin treats type 2 diabetes.", encoding="utf-8")
    ws = Workspace(tmp_path / "My Workspace")
    cfg = load_config(None, {"llm": {"api_key": SECRET, "model": "m"}})  # as a key set in kgsynth.toml
    state = extract_flow(corpus, ws, cfg=cfg, return_state=True)
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(state.state_details.flow_run_id)
        flow = client.read_flow(flow_run.flow_id)
    assert flow.name == "kgsynth-extract" and flow_run.name == "My Workspace extract"
    assert {"kgsynth", "stage:extract", f"workspace:{workspace_slug(ws)}"} <= set(flow_run.tags)
    stored = json.dumps(flow_run.parameters)
    assert SECRET not in stored and "**********" in stored
    assert report_key(ws) == f"kgsynth-report-my-workspace-{workspace_slug(ws)[-6:]}"
