"""LocalCluster workers report to this process's Prefect server instead of each starting one of their own."""

import os

import pytest


@pytest.mark.slow
def test_local_cluster_workers_are_given_this_process_prefect_server(monkeypatch, tmp_path):
    from distributed import Client
    from prefect.server.api.server import SubprocessASGIServer

    from flows.runners import FlowsConfig, shared_cluster

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # as `kgsynth` sets it
    with shared_cluster(FlowsConfig(runner="dask", dask_workers=2)) as cfg, Client(cfg.dask_address) as client:
        urls = client.run(lambda: os.environ.get("PREFECT_API_URL"))
    assert len(urls) == 2 and set(urls.values()) == {SubprocessASGIServer().api_url}
