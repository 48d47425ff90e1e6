"""The one LLM seam, at the bottom of the package stack so every stage can use it: a Prompt in, a pydantic
object out. The OpenAI-compatible client and the offline generator both sit behind it."""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import itertools
import json
import os
import random
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import openai
from pydantic import BaseModel, Field, ValidationError

from kgraph.llm_loop import connection

T = TypeVar("T", bound=BaseModel)

REPAIR = (
    "Your reply was not valid JSON for the required schema ({error}). "
    "Reply again with only the corrected JSON object, nothing else."
)


class Prompt(BaseModel):
    """Chat messages for a real model plus the structured task they encode, which the offline generator reads."""

    task: str
    messages: list[dict[str, str]]
    context: dict[str, Any] = Field(default_factory=dict)


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
    api_key: str | None = Field(default=None, description="API key; prefer the OPENAI_API_KEY variable")
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


@dataclass
class Usage:
    """What a client spent: requests sent, served from cache, retried, repaired, failed, and tokens."""

    requests: int = 0
    cached: int = 0
    retries: int = 0
    timeouts: int = 0
    repairs: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: Usage) -> Usage:
        return Usage(**{k: v + getattr(other, k) for k, v in asdict(self).items()})

    def cost(self, cfg: LLMConfig) -> float:
        return (self.prompt_tokens * cfg.input_price + self.completion_tokens * cfg.output_price) / 1e6

    def report(self, cfg: LLMConfig) -> dict:
        return {**asdict(self), "cost_usd": round(self.cost(cfg), 6)}


# Reasons a request failed that a rerun (or a better endpoint, or a larger max_tokens) could fix: the item stays
# pending instead of being marked done.
TRANSIENT_FAILURES = {
    "rate_limited", "server_error", "timeout", "connection_error", "bad_response", "invalid_json", "truncated",
}  # fmt: skip


def retry_could_fix(reason: str) -> bool:
    """Whether a rejection with this reason is a request failure that a later run should try again."""
    return reason in TRANSIENT_FAILURES or reason.startswith("http_")


def token_count(usage: dict, name: str) -> int | None:
    """A usage count as the server gave it; None when missing or not a whole number (some servers send strings)."""
    value = usage.get(name)
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def estimate_tokens(text: str) -> int:
    """Rough token count without a tokenizer: a CJK character is about one token, other text four characters."""
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return cjk + (len(text) - cjk + 3) // 4


@functools.cache
def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """OpenAI structured-output request for a pydantic model, built once per model (callers must not mutate it)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False},
    }


def request_key(model: str, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    """Cache key of a request: everything that shapes the reply, nothing that does not (the key, the URL)."""
    text = json.dumps({"model": model, "messages": messages, "params": params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """Validated replies by request key in SQLite: survives killed runs, shared by every stage of a workspace."""

    def __init__(self, path: Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL)")

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, reply: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?)", (key, reply))

    def close(self) -> None:
        self.db.close()


def parse_reply(raw: str, schema: type[T]) -> T:
    """The reply as schema, tolerating the code fence some servers wrap JSON in."""
    text = raw.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    return schema.model_validate_json(text)


def retry_after(headers: Any) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms, or Retry-After as seconds or an HTTP date."""
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if email.utils.parsedate_tz(value) else None
        return max(when.timestamp() - time.time(), 0.0) if when else None


def refused(err: BaseException) -> bool:
    """Whether a ConnectionError (refused, reset) lies anywhere in the exception's chain of causes."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ConnectionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def backoff(attempt: int, base: float, cap: float, asked: float | None) -> float:
    """Exponential backoff with jitter; a Retry-After is a floor, spread a little so retries do not stampede."""
    ceiling = min(cap, base * 2**attempt)
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    return asked + random.uniform(0, max(asked * 0.1, 0.01)) if asked is not None else delay


CREATED = itertools.count()


class OpenAICompatible:
    """Any server that speaks the OpenAI chat completions protocol (OpenAI, vLLM, Ollama...), with bounded
    concurrency, retries, one repair attempt for invalid JSON, a response cache and a usage count."""

    provider = "openai-compatible"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        settings: LLMConfig | None = None,
        cache: ResponseCache | None = None,
    ):
        self.model = model
        self.base_url, self.api_key = base_url, api_key
        self.settings = settings or LLMConfig()
        self.cache = cache
        self.usage = Usage()
        self.priority = next(CREATED)  # earlier clients (batches) go first on a shared connection

    @property
    def concurrency(self) -> int:
        return self.settings.concurrency

    def params(self, schema: type[BaseModel]) -> dict[str, Any]:
        return {
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "response_format": response_format(schema),
        }

    def key(self, prompt: Prompt, schema: type[BaseModel]) -> str:
        return request_key(self.model, prompt.messages, self.params(schema))

    async def complete(self, prompt: Prompt, schema: type[T]) -> T:
        params = self.params(schema)
        key = request_key(self.model, prompt.messages, params) if self.cache is not None else ""
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self.usage.cached += 1
            return schema.model_validate_json(hit)
        raw = await self.send(prompt.messages, params)
        try:
            result = parse_reply(raw, schema)
        except ValidationError as err:
            self.usage.repairs += 1
            error = err.errors()[0]["msg"] if err.errors() else "unparseable"
            fix = [
                *prompt.messages,
                {"role": "assistant", "content": raw},
                {"role": "user", "content": REPAIR.format(error=error)},
            ]
            repaired = await self.send(fix, params)
            try:
                result = parse_reply(repaired, schema)
            except ValidationError:
                self.usage.failures += 1
                raise LLMError("invalid_json", f"{raw}\n--- repair attempt ---\n{repaired}") from None
        if self.cache is not None:
            self.cache.put(key, result.model_dump_json())
        return result

    async def send(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        """One chat completion's text, retried on 429, 5xx, timeouts and lost connections; LLMError when spent."""
        cfg = self.settings
        pool = connection(self.base_url, self.api_key, cfg)
        async with pool.limit.slot(self.priority):
            for attempt in range(cfg.max_retries + 1):
                self.usage.requests += 1
                try:
                    # The generic post skips the SDK's typed transform of the body (it walks the whole JSON schema
                    # on every request) and its reply models: together half the client's CPU per request.
                    body = {"model": self.model, "messages": messages, **params}
                    text = await pool.client.post("/chat/completions", body=body, cast_to=str)
                except openai.APIStatusError as err:
                    status = err.status_code
                    reason = "rate_limited" if status == 429 else "server_error" if status >= 500 else f"http_{status}"
                    retryable, asked, raw = (
                        status in (408, 409, 429) or status >= 500,
                        retry_after(err.response.headers),
                        err.response.text,
                    )
                except openai.APITimeoutError as err:
                    # The aiohttp transport reports a refused connection as a connect timeout; name it rightly.
                    reason = "connection_error" if refused(err) else "timeout"
                    self.usage.timeouts += reason == "timeout"
                    retryable, asked, raw = True, None, str(err.__cause__ or "")
                except openai.APIConnectionError as err:
                    reason, retryable, asked, raw = "connection_error", True, None, str(err)
                else:
                    return self.record(messages, text)
                if not retryable or attempt == cfg.max_retries:
                    self.usage.failures += 1
                    raise LLMError(reason, raw)
                self.usage.retries += 1
                await asyncio.sleep(backoff(attempt, cfg.backoff_base, cfg.backoff_max, asked))
        raise AssertionError("unreachable")  # the loop always returns or raises

    def record(self, messages: list[dict[str, str]], text: str) -> str:
        """Count the tokens a reply cost (estimated when the server does not say) and return its message text;
        a body that is not a chat completion raises LLMError("bad_response") with the body as raw output, and a
        reply cut at max_tokens raises LLMError("truncated") (a repair would only repeat the cut reply)."""
        try:
            reply = json.loads(text)
            choices, usage = reply.get("choices") or [], reply.get("usage") or {}
            choice = choices[0] if choices else {}
            content = choice["message"].get("content") or "" if choice else ""
            if not isinstance(content, str) or not isinstance(usage, dict):
                raise TypeError("content is not text")
        except (ValueError, AttributeError, KeyError, TypeError, RecursionError):
            self.usage.failures += 1
            raise LLMError("bad_response", text) from None
        prompt_tokens, completion_tokens = token_count(usage, "prompt_tokens"), token_count(usage, "completion_tokens")
        self.usage.prompt_tokens += (
            prompt_tokens if prompt_tokens is not None else sum(estimate_tokens(m["content"]) for m in messages)
        )
        self.usage.completion_tokens += completion_tokens if completion_tokens is not None else estimate_tokens(content)
        if choice.get("finish_reason") == "length":
            self.usage.failures += 1
            raise LLMError("truncated", content)
        return content

    async def aclose(self) -> None:
        """Close the response cache; the connections are shared with other batches (see close_connections)."""
        if self.cache is not None:
            self.cache.close()


def endpoint(cfg: LLMConfig) -> tuple[str | None, str | None, str] | None:
    """(base_url, api_key, model) from the config, then OPENAI_BASE_URL / OPENAI_API_KEY / KGSYNTH_MODEL; None offline."""
    base_url = cfg.base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = cfg.api_key or os.environ.get("OPENAI_API_KEY")
    if not base_url and not api_key:
        return None
    return base_url, api_key, cfg.model or os.environ.get("KGSYNTH_MODEL", "gpt-4o-mini")


def llm_from_config(cfg: LLMConfig, cache_path: Path | None = None) -> OpenAICompatible | None:
    """The configured endpoint's client, or None when none is configured (the offline generator serves)."""
    found = endpoint(cfg)
    if found is None:
        return None
    base_url, api_key, model = found
    cache = ResponseCache(cache_path) if cache_path is not None and cfg.cache else None
    return OpenAICompatible(model, base_url=base_url, api_key=api_key, settings=cfg, cache=cache)
