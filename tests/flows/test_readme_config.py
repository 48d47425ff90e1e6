"""The README's cluster example is a config kgsynth loads, with the settings it says it has."""

import re
from pathlib import Path

from flows.config import load_config

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_cluster_example_loads_with_dask_redis_and_vllm_settings(tmp_path):
    section = README.read_text(encoding="utf-8").split("## Past one machine")[1].split("\n## ")[0]
    example = tmp_path / "kgsynth.toml"
    example.write_text(re.search(r"```toml\n(.*?)```", section, re.DOTALL).group(1), encoding="utf-8")
    cfg = load_config(example)
    assert (cfg.flows.runner, cfg.flows.dask_address) == ("dask", "tcp://scheduler:8786")
    assert cfg.dedup.redis_url == "redis://redis-host:6379/0"
    assert (cfg.llm.base_url, cfg.llm.model) == ("http://vllm-host:8000/v1", "Qwen/Qwen2.5-7B-Instruct")
    for variable in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "KGSYNTH_MODEL", "PREFECT_API_URL"):
        assert variable in section
