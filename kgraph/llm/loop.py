"""Where LLM requests run: one event loop per process, on its own thread, and per endpoint one connection whose
bound on requests in flight every batch shares. Prefect runs each task in a thread; through this loop the
batches of a flow still keep exactly `concurrency` requests in flight between them."""

from __future__ import annotations

import asyncio
import atexit
import gc
import heapq
import itertools
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import openai

from kgraph.llm.seam import LLM, LLMConfig

R = TypeVar("R")
Item = TypeVar("Item")


@dataclass
class PriorityLimit:
    """At most `size` holders at once; a free slot goes to the waiter with the lowest priority number, then the
    longest waiting. With the earliest batch first, batches finish one after another instead of all together
    at the end, so the next batch starts while the last one's requests still fill the connection."""

    size: int
    held: int = 0
    waiting: list = field(default_factory=list)  # heap of (priority, arrival, future)
    arrivals: itertools.count = field(default_factory=itertools.count)

    @asynccontextmanager
    async def slot(self, priority: int) -> AsyncIterator[None]:
        await self.acquire(priority)
        try:
            yield
        finally:
            self.release()

    async def acquire(self, priority: int) -> None:
        if self.held < self.size and not self.waiting:
            self.held += 1
            return
        granted = asyncio.get_running_loop().create_future()
        heapq.heappush(self.waiting, (priority, next(self.arrivals), granted))
        try:
            await granted  # release() hands its slot over: `held` already counts this holder
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release()  # granted, but cancelled before it could run: pass the slot on
            raise

    def release(self) -> None:
        while self.waiting:
            _, _, granted = heapq.heappop(self.waiting)
            if not granted.done():
                granted.set_result(None)
                return
        self.held -= 1


@dataclass
class Connection:
    """An HTTP client and the bound on its requests in flight, shared by every batch on one event loop, so
    the endpoint sees `concurrency` requests at once however many batches run, and no batch pays for new
    connections or for a ramp up and down of its own."""

    client: openai.AsyncOpenAI
    limit: PriorityLimit


CONNECTIONS: dict[tuple, Connection] = {}


def connection(base_url: str | None, api_key: str | None, cfg: LLMConfig) -> Connection:
    """The running loop's connection to this endpoint with these limits, made on first use."""
    key = (asyncio.get_running_loop(), base_url, api_key, cfg.timeout, cfg.concurrency)
    if key not in CONNECTIONS:
        # Retries are ours (Retry-After, jitter, counting), so the SDK's own are off. The aiohttp transport costs
        # a third less CPU per request than httpx's pool, which scans every connection on every request.
        client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=cfg.timeout,
            max_retries=0,
            http_client=openai.DefaultAioHttpClient(timeout=cfg.timeout),
        )
        CONNECTIONS[key] = Connection(client, PriorityLimit(cfg.concurrency))
    return CONNECTIONS[key]


async def close_connections() -> None:
    """Close the running loop's connections (they cannot outlive it); run_llm's loop does this at exit."""
    loop = asyncio.get_running_loop()
    for key in [k for k in CONNECTIONS if k[0] is loop]:
        await CONNECTIONS.pop(key).client.close()


LLM_LOOP: list[asyncio.AbstractEventLoop] = []
LLM_LOOP_LOCK = threading.Lock()


def llm_loop() -> asyncio.AbstractEventLoop:
    """The process's event loop for LLM work, on a daemon thread, started on first use and closed at exit."""
    with LLM_LOOP_LOCK:
        if not LLM_LOOP:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="kgsynth-llm", daemon=True).start()
            atexit.register(stop_llm_loop, loop)
            LLM_LOOP.append(loop)
        return LLM_LOOP[0]


def relax_garbage_collector() -> None:
    """Called by a command that sends many requests (never on import or first use: it changes the whole process).
    Each request allocates hundreds of short-lived containers, and by default the collector then makes a full pass
    over the whole heap (Prefect, spaCy, the graph) every few hundred requests, all while the loop waits.
    Freezing what exists now and collecting young objects less often made bench/generate.py's generation stage
    15-20% faster. Thresholds are only ever raised."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*(max(now, relaxed) for now, relaxed in zip(gc.get_threshold(), (50_000, 20, 20))))


def stop_llm_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        asyncio.run_coroutine_threadsafe(close_connections(), loop).result(timeout=5)
    finally:
        loop.call_soon_threadsafe(loop.stop)


async def run_pool(items: Iterable[Item], work: Callable[[Item], Awaitable[R]], llm: LLM) -> list[R]:
    """`work` over every item, results in the items' order, from a pool of twice the LLM's concurrency workers. The
    bound on requests is not here but on the endpoint's connection, shared by every caller; the pool only keeps
    enough jobs started that a free request slot always has one waiting, and few enough that thousands of queued
    jobs do not each take a turn of the event loop (and build their prompt) before the first request goes out."""
    items = list(items)
    results: list[R] = [None] * len(items)  # type: ignore[list-item]
    queue = iter(enumerate(items))  # shared by the workers: each takes the next item when it is free

    async def worker() -> None:
        for i, item in queue:
            results[i] = await work(item)

    await asyncio.gather(*(worker() for _ in range(min(2 * max(1, llm.concurrency), len(items)))))
    return results


def run_llm(llm: LLM, work: Awaitable[R]) -> R:
    """Run LLM work from synchronous code, from any thread, on the process's LLM loop, so that concurrent
    batches (Prefect runs each task in a thread) share one connection and one bound; then close the client's
    cache. An exception in the work is raised here."""

    async def main() -> R:
        try:
            return await work
        finally:
            if hasattr(llm, "aclose"):
                await llm.aclose()

    return asyncio.run_coroutine_threadsafe(main(), llm_loop()).result()
