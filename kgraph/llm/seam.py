"""The LLM seam itself: a Prompt in, a pydantic object out, the error every client raises, and the endpoint
settings. Stages depend on this and nothing else; the client and its event loop live beside it."""

from __future__ import annotations

import os
from typing import Protocol, TypeVar

from pydantic import BaseModel, Field, SecretStr, SerializeAsAny

T = TypeVar("T", bound=BaseModel)


class Prompt(BaseModel):
    """Chat messages for a real model plus the structured task they encode, which the offline generator reads."""

    task: str
    messages: list[dict[str, str]]
    # The task as the producer's own record, for a model that reads no prose (the offline generator reads the
    # generation prompts' JobContext); None where only real models answer.
    context: SerializeAsAny[BaseModel] | None = None


class LLM(Protocol):
    provider: str
    model: str
    concurrency: int  # requests it serves at once: callers keep about twice as many jobs started

    async def complete(self, prompt: Prompt, schema: type[T]) -> T:
        """Answer the prompt with an instance of schema; raise LLMError when it cannot."""
        ...


class LLMError(RuntimeError):
    """A request that failed for good; the caller turns it into a Rejection with the raw output."""

    def __init__(self, reason: str, raw: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


class LLMConfig(BaseModel):
    """The OpenAI-compatible endpoint and how hard to push it; with no base_url and no api_key the offline
    generator serves."""

    model_config = {"extra": "forbid"}
    base_url: str | None = Field(default=None, description="endpoint URL, e.g. http://localhost:8000/v1 for vLLM")
    # A secret: shown and serialised as ********** (Prefect stores flow parameters, which hold this config).
    api_key: SecretStr | None = Field(default=None, description="API key; prefer the OPENAI_API_KEY variable")
    model: str | None = Field(
        default=None, description="model the endpoint serves (else KGSYNTH_MODEL, else gpt-4o-mini)"
    )
    concurrency: int = Field(default=16, ge=1, le=1024, description="requests in flight at once")
    timeout: float = Field(default=60.0, gt=0, description="seconds before a request is abandoned and retried")
    max_retries: int = Field(
        default=5, ge=0, le=20, description="retries after 429, 5xx, timeouts and lost connections"
    )
    backoff_base: float = Field(
        default=0.5, ge=0, description="first retry waits about this many seconds, then doubles"
    )
    backoff_max: float = Field(
        default=30.0, ge=0, description="longest wait between retries (Retry-After may ask more)"
    )
    temperature: float = Field(default=0.7, ge=0, le=2, description="sampling temperature")
    max_tokens: int = Field(default=512, ge=1, description="longest reply, in tokens")
    input_price: float = Field(default=0.0, ge=0, description="USD per million prompt tokens, for the cost report")
    output_price: float = Field(default=0.0, ge=0, description="USD per million completion tokens")
    cache: bool = Field(default=True, description="keep replies in WS/state/llm_cache.sqlite so reruns cost nothing")


# Reasons a request failed that a rerun (or a better endpoint, or a larger max_tokens) could fix: the item stays
# pending instead of being marked done.
TRANSIENT_FAILURES = {
    "rate_limited", "server_error", "timeout", "connection_error", "bad_response", "invalid_json", "truncated",
}  # fmt: skip


def retry_could_fix(reason: str) -> bool:
    """Whether a rejection with this reason is a request failure that a later run should try again."""
    return reason in TRANSIENT_FAILURES or reason.startswith("http_")


def endpoint(cfg: LLMConfig) -> tuple[str | None, str | None, str] | None:
    """(base_url, api_key, model) from the config, then OPENAI_BASE_URL / OPENAI_API_KEY / KGSYNTH_MODEL; None offline."""
    base_url = cfg.base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = (cfg.api_key.get_secret_value() if cfg.api_key else None) or os.environ.get("OPENAI_API_KEY")
    if not base_url and not api_key:
        return None
    return base_url, api_key, cfg.model or os.environ.get("KGSYNTH_MODEL", "gpt-4o-mini")
