"""The one LLM seam, at the bottom of the package stack so every stage can use it: a Prompt in, a pydantic
object out. The OpenAI-compatible client and the offline generator both sit behind it."""

from __future__ import annotations

import os
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, Field, ValidationError

T = TypeVar("T", bound=BaseModel)


class Prompt(BaseModel):
    """Chat messages for a real model plus the structured task they encode, which the offline generator reads."""

    task: str
    messages: list[dict[str, str]]
    context: dict[str, Any] = Field(default_factory=dict)


class LLM(Protocol):
    provider: str
    model: str

    async def complete(self, prompt: Prompt, schema: type[T]) -> T:
        """Answer the prompt with an instance of schema; raise LLMError when it cannot."""
        ...


class LLMError(RuntimeError):
    """A request that failed for good; the caller turns it into a Rejection with the raw output."""

    def __init__(self, reason: str, raw: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """OpenAI structured-output request for a pydantic model."""
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False},
    }


class OpenAICompatible:
    """Any server that speaks the OpenAI chat completions protocol (OpenAI, vLLM, Ollama...)."""

    provider = "openai-compatible"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        temperature: float = 0.7,
    ):
        from openai import AsyncOpenAI

        self.model = model
        self.temperature = temperature
        self.client = AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=max_retries
        )

    async def complete(self, prompt: Prompt, schema: type[T]) -> T:
        response = await self.client.chat.completions.create(
            model=self.model,
            messages=prompt.messages,
            temperature=self.temperature,
            response_format=response_format(schema),
        )
        raw = response.choices[0].message.content or ""
        try:
            return schema.model_validate_json(raw)
        except ValidationError as err:
            raise LLMError("invalid_json", raw) from err


class LLMConfig(BaseModel):
    """The OpenAI-compatible endpoint; with no base_url and no api_key the offline generator serves."""

    model_config = {"extra": "forbid"}
    base_url: str | None = Field(default=None, description="endpoint URL, e.g. http://localhost:8000/v1 for vLLM")
    api_key: str | None = Field(default=None, description="API key; prefer the OPENAI_API_KEY variable")
    model: str | None = Field(
        default=None, description="model the endpoint serves (else KGSYNTH_MODEL, else gpt-4o-mini)"
    )


def llm_from_config(cfg: LLMConfig) -> LLM | None:
    """The configured endpoint (config first, then OPENAI_BASE_URL / OPENAI_API_KEY / KGSYNTH_MODEL), or None offline."""
    base_url = cfg.base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = cfg.api_key or os.environ.get("OPENAI_API_KEY")
    if not base_url and not api_key:
        return None
    model = cfg.model or os.environ.get("KGSYNTH_MODEL", "gpt-4o-mini")
    return OpenAICompatible(model, base_url=base_url, api_key=api_key)
