"""The kgsynth configuration: one model per stage, defaults < kgsynth.toml < command-line flags."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from curation.dedup import DedupConfig
from curation.judge import JudgeConfig
from flows.runners import FlowsConfig
from generation.cpt import CPTConfig
from generation.focus import FocusConfig
from generation.generate import GenerationConfig
from kgraph.llm import LLMConfig
from kgraph.llm_extract import ExtractConfig
from training.dpo import DPOSettings
from training.evaluate import EvalConfig
from training.export import ExportConfig
from training.sft import TrainConfig


class ConfigError(ValueError):
    """Bad configuration, with a message that names the field and the fix."""


class KgsynthConfig(BaseModel):
    model_config = {"extra": "forbid"}
    llm: LLMConfig = Field(default_factory=LLMConfig)
    extract: ExtractConfig = Field(default_factory=ExtractConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    focus: FocusConfig = Field(default_factory=FocusConfig)
    cpt: CPTConfig = Field(default_factory=CPTConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    dpo: DPOSettings = Field(default_factory=DPOSettings)
    evaluate: EvalConfig = Field(default_factory=EvalConfig)
    flows: FlowsConfig = Field(default_factory=FlowsConfig)


# Settings that were removed, with what replaced them, so an old config file says what to change.
REPLACED = {"extract.concurrency": "[llm] concurrency now bounds every request to the endpoint, extraction included"}


def describe(err: ValidationError, source: str) -> str:
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden" and field in REPLACED:
        return f"{source}: `{field}` is no longer a setting: {REPLACED[field]}"
    if first["type"] == "extra_forbidden":
        return f"{source}: unknown setting `{field}`: remove it or check its spelling"
    return f"{source}: `{field}`: {first['msg']}"


def load_config(path: Path | None = None, overrides: dict | None = None) -> KgsynthConfig:
    """Defaults, then the TOML file, then overrides ({'train': {'max_steps': 5}}); errors name the field."""
    data: dict = {}
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file {path} does not exist")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{path} is not valid TOML: {err}") from err
        except UnicodeDecodeError as err:
            raise ConfigError(f"{path} is not UTF-8 text: save it as UTF-8 TOML") from err
        except OSError as err:
            raise ConfigError(f"cannot read config file {path}: {err.strerror or err}") from err
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    try:
        return KgsynthConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(describe(err, str(path) if path else "configuration")) from err
