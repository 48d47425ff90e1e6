"""The OpenAI-compatible client behind the seam: retries with backoff, one repair attempt for invalid JSON, a
response cache and a usage count. Editing it changes how requests are sent, never what a stage asks."""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import itertools
import json
import random
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import openai
from pydantic import BaseModel, ValidationError

from kgraph.llm.loop import connection
from kgraph.llm.seam import LLMConfig, LLMError, Prompt, T, endpoint

REPAIR = (
    "Your reply was not valid JSON for the required schema ({error}). "
    "Reply again with only the corrected JSON object, nothing else."
)


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


def llm_from_config(cfg: LLMConfig, cache_path: Path | None = None) -> OpenAICompatible | None:
    """The configured endpoint's client, or None when none is configured (the offline generator serves)."""
    found = endpoint(cfg)
    if found is None:
        return None
    base_url, api_key, model = found
    cache = ResponseCache(cache_path) if cache_path is not None and cfg.cache else None
    return OpenAICompatible(model, base_url=base_url, api_key=api_key, settings=cfg, cache=cache)
