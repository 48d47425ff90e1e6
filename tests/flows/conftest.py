"""One Prefect test server for the whole session (entering it costs ~10 s), with its own PREFECT_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "generation"))  # the fake OpenAI server lives there


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """The harness server's API URL; in-process flows use it, and subprocesses get it as PREFECT_API_URL."""
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_HOME: tmp_path_factory.mktemp("prefect-home")}):
        with prefect_test_harness(server_startup_timeout=120):
            yield PREFECT_API_URL.value()


@pytest.fixture()
def cli_env(prefect_api, tmp_path) -> dict:
    """Environment for the `kgsynth` command against the session's server, with no LLM configured."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "KGSYNTH_", "PREFECT_"))}
    return {**clean, "PREFECT_API_URL": prefect_api, "PREFECT_HOME": str(tmp_path / "prefect-home")}
