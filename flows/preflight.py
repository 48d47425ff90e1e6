"""Checks that the configured endpoints answer, before any work starts, so a typo fails in a second with the
name of the setting rather than after an hour of extraction."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import httpx

from flows.config import ConfigError, KgsynthConfig

TIMEOUT = 5.0


def check_http(url: str, field: str) -> None:
    """Any HTTP answer counts (even 401 or 404): only a refused, unresolvable or silent endpoint fails."""
    try:
        httpx.get(url, timeout=TIMEOUT)
    except httpx.HTTPError as err:
        reason = type(err).__name__ if not str(err) else str(err)
        raise ConfigError(f"`{field}`: cannot reach {url} ({reason}): start the server or fix the address") from None


def check_tcp(address: str, field: str) -> None:
    """A Dask scheduler speaks its own protocol: a TCP connect is the honest check."""
    parsed = urlparse(address if "://" in address else f"tcp://{address}")
    if not parsed.hostname or not parsed.port:
        raise ConfigError(f"`{field}`: {address!r} is not host:port (e.g. tcp://10.0.0.5:8786)")
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=TIMEOUT).close()
    except OSError as err:
        raise ConfigError(f"`{field}`: cannot reach {address} ({err.strerror or err}): start the scheduler") from None


def prefect_configured() -> bool:
    """Whether any place Prefect reads its API URL from exists: the variable, a profile, a prefect.toml here.
    Without one, the URL is unset and Prefect (seconds to import) need not be asked."""
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    return bool(os.environ.get("PREFECT_API_URL")) or (home / "profiles.toml").exists() or Path("prefect.toml").exists()


def prefect_api_url() -> str | None:
    """The Prefect server this process talks to (environment or profile); None means the ephemeral one."""
    if not prefect_configured():
        return None
    if os.environ.get("PREFECT_API_URL"):  # the variable wins in Prefect too; its settings may be cached already
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def check_endpoints(cfg: KgsynthConfig) -> None:
    """Fail with one line naming the setting when the LLM endpoint, Dask scheduler or Prefect server is down."""
    endpoint = (
        cfg.llm.base_url or cfg.llm.api_key or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY")
    )
    for field, needs_llm in (
        ("extract.extractor", cfg.extract.extractor == "llm"),
        ("judge.mode", cfg.judge.mode == "llm"),
    ):
        if needs_llm and not endpoint:
            raise ConfigError(
                f"`{field}` is llm but no LLM endpoint is configured: set [llm] base_url or OPENAI_BASE_URL"
            )
    if cfg.llm.base_url:
        check_http(cfg.llm.base_url, "llm.base_url")
    elif os.environ.get("OPENAI_BASE_URL"):
        check_http(os.environ["OPENAI_BASE_URL"], "OPENAI_BASE_URL")
    if cfg.flows.runner == "dask" and cfg.flows.dask_address:
        check_tcp(cfg.flows.dask_address, "flows.dask_address")
    api = prefect_api_url()
    if api:
        check_http(api.rstrip("/") + "/health", "PREFECT_API_URL")
