"""A real local HTTP server speaking the OpenAI chat completions protocol, for tests and bench/generate.py.

Plain asyncio (HTTP/1.1 with keep-alive), so it costs little CPU beside the client under test. Each request's
fate is a pure function of its first user message, and how many times that message was seen: it can answer at
once, or fail first with 429 (Retry-After), 500, a stalled reply (client timeout) or malformed JSON, or fail
every time. Replies fill the requested json_schema with strings. It stops by itself after `lifetime` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import threading
import time
from collections import Counter, defaultdict

FATES = ("429_once", "500_once", "timeout_once", "malformed_once", "malformed_always", "500_always")


class FakeOpenAI:
    def __init__(self, latency: float = 0.0, faults: dict[str, float] | None = None, stall: float = 2.0):
        self.latency = latency
        self.faults = faults or {}
        self.stall = stall
        self.seen: dict[str, list[float]] = defaultdict(list)  # message key -> arrival times
        self.outcomes: Counter[str] = Counter()
        self.in_flight = self.most_in_flight = 0  # requests being answered at once, and the peak
        self.port = 0

    def fate(self, key: str) -> str:
        """A stable fate per message: its hash picks a slot among the fault rates."""
        roll = int(key[:8], 16) / 0xFFFFFFFF
        total = 0.0
        for name in FATES:
            total += self.faults.get(name, 0.0)
            if roll < total:
                return name
        return "ok"

    def reply(self, request: dict) -> tuple[int, dict[str, str], bytes, float]:
        """Status, headers, body and delay for one request."""
        first_user = next((m["content"] for m in request["messages"] if m["role"] == "user"), "")
        key = hashlib.sha1(first_user.encode()).hexdigest()
        self.seen[key].append(time.monotonic())
        attempt, fate = len(self.seen[key]), self.fate(key)
        failing = fate.endswith("_always") or attempt == 1
        outcome = fate if failing and fate != "ok" else "ok"
        self.outcomes[outcome] += 1
        if outcome == "429_once":
            return 429, {"retry-after-ms": "200"}, b'{"error": {"message": "slow down"}}', 0.0
        if outcome.startswith("500"):
            return 500, {}, b'{"error": {"message": "boom"}}', self.latency
        delay = self.stall if outcome == "timeout_once" else self.latency
        content = "{not json" if outcome.startswith("malformed") else json.dumps(fill(request, key))
        body = {
            "id": f"chatcmpl-{key[:12]}-{attempt}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "fake"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
        }
        return 200, {}, json.dumps(body).encode(), delay

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line)
                length = int({k.lower(): v for k, v in headers.items()}.get("content-length", "0"))
                request = json.loads(await reader.readexactly(length)) if length else {}
                status, extra, body, delay = self.reply(request)
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                try:
                    await asyncio.sleep(delay)
                finally:
                    self.in_flight -= 1
                lines = [f"HTTP/1.1 {status} X", "content-type: application/json", f"content-length: {len(body)}"]
                lines += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def serve(self, lifetime: float, ready: threading.Event | None = None) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", self.port, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self.stopping = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        if ready:
            ready.set()
        else:
            print(self.port, flush=True)
        async with server:
            try:
                await asyncio.wait_for(self.stopping.wait(), lifetime)
            except TimeoutError:
                pass

    def __enter__(self) -> FakeOpenAI:
        ready = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self.serve(120.0, ready),), daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def fill(request: dict, key: str) -> dict:
    """A reply object for the requested schema: every string property gets a short distinct sentence."""
    schema = request.get("response_format", {}).get("json_schema", {}).get("schema", {})
    properties = schema.get("properties", {"content": {"type": "string"}})
    return {name: f"Reply {key[:10]} for the {name} field." for name in properties}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="a fake OpenAI chat completions server; prints its port")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--lifetime", type=float, default=300.0)
    args = parser.parse_args()
    asyncio.run(FakeOpenAI(latency=args.latency).serve(args.lifetime))
