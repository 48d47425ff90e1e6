"""The one LLM seam, at the bottom of the package stack so every stage can use it: a Prompt in, a pydantic object
out, with the OpenAI-compatible client and the offline generator behind it. A package of its own because the
extraction cache key hashes kgraph's top-level modules: editing the client or its loop keeps cached extractions."""

from kgraph.llm.client import OpenAICompatible, ResponseCache, estimate_tokens, llm_from_config, retry_after
from kgraph.llm.loop import run_llm, run_pool
from kgraph.llm.seam import LLM, LLMConfig, LLMError, Prompt, T, endpoint, retry_could_fix

__all__ = [
    "LLM",
    "LLMConfig",
    "LLMError",
    "OpenAICompatible",
    "Prompt",
    "ResponseCache",
    "T",
    "endpoint",
    "estimate_tokens",
    "llm_from_config",
    "retry_after",
    "retry_could_fix",
    "run_llm",
    "run_pool",
]
