import asyncio
import email.utils
import time

import pytest
from openai_server import FakeOpenAI
from pydantic import BaseModel

from kgraph.llm import LLMConfig, LLMError, OpenAICompatible, Prompt, ResponseCache, retry_after
from kgraph.llm.loop import close_connections, run_llm

FAST = LLMConfig(timeout=0.5, max_retries=3, backoff_base=0.01, backoff_max=0.05, concurrency=32)


class Answer(BaseModel):
    question: str
    answer: str


def prompt(text: str) -> Prompt:
    return Prompt(task="qa", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}])


def texts_with_fate(server: FakeOpenAI, fate: str, count: int) -> list[str]:
    """User messages the server will treat with the given fate."""
    import hashlib

    found, n = [], 0
    while len(found) < count:
        text = f"message {fate} {n}"
        if server.fate(hashlib.sha1(text.encode()).hexdigest()) == fate:
            found.append(text)
        n += 1
    return found


async def ask_all(server: FakeOpenAI, texts: list[str], cfg: LLMConfig = FAST, cache: ResponseCache | None = None):
    llm = OpenAICompatible("fake", base_url=server.base_url, settings=cfg, cache=cache)
    try:
        results = await asyncio.gather(*(llm.complete(prompt(t), Answer) for t in texts), return_exceptions=True)
    finally:
        await close_connections()
    return results, llm.usage


FAULTS = {
    "429_once": 0.2,
    "500_once": 0.2,
    "timeout_once": 0.1,
    "malformed_once": 0.1,
    "malformed_always": 0.05,
    "500_always": 0.05,
}


def test_transient_faults_are_retried_and_429_waits_for_retry_after():
    with FakeOpenAI(faults=FAULTS, stall=2.0) as server:
        texts = {
            fate: texts_with_fate(server, fate, 3)
            for fate in ("429_once", "500_once", "timeout_once", "malformed_once", "ok")
        }
        results, usage = asyncio.run(ask_all(server, [t for group in texts.values() for t in group]))
        assert all(isinstance(r, Answer) for r in results)
        assert usage.retries == 9 and usage.repairs == 3 and usage.failures == 0
        import hashlib

        for text in texts["429_once"]:
            first, second = server.seen[hashlib.sha1(text.encode()).hexdigest()]
            assert second - first >= 0.2  # the server asked for 200 ms


def test_requests_that_keep_failing_raise_with_reason_and_raw_output():
    with FakeOpenAI(faults=FAULTS) as server:
        broken = texts_with_fate(server, "malformed_always", 2) + texts_with_fate(server, "500_always", 2)
        results, usage = asyncio.run(ask_all(server, broken))
    assert [r.reason for r in results] == ["invalid_json", "invalid_json", "server_error", "server_error"]
    assert "{not json" in results[0].raw and "repair attempt" in results[0].raw
    assert usage.requests == 2 * 2 + 2 * (FAST.max_retries + 1)
    assert usage.failures == 4


def test_cache_makes_a_rerun_free(tmp_path):
    with FakeOpenAI() as server:
        texts = [f"cached question {i}" for i in range(20)]
        first, _ = asyncio.run(ask_all(server, texts, cache=ResponseCache(tmp_path / "cache.sqlite")))
        sent = sum(server.outcomes.values())
        again, usage = asyncio.run(ask_all(server, texts, cache=ResponseCache(tmp_path / "cache.sqlite")))
        assert sum(server.outcomes.values()) == sent == 20
    assert again == first and usage.cached == 20 and usage.requests == 0


def test_usage_counts_tokens_and_cost():
    with FakeOpenAI() as server:
        cfg = FAST.model_copy(update={"input_price": 1.0, "output_price": 2.0})
        _, usage = asyncio.run(ask_all(server, ["a question", "another question"], cfg))
    assert (usage.prompt_tokens, usage.completion_tokens) == (100, 40)
    assert usage.cost(cfg) == pytest.approx((100 * 1.0 + 40 * 2.0) / 1e6)


def test_retry_after_reads_milliseconds_seconds_and_dates():
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "3"}) == 3.0
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < retry_after({"retry-after": later}) <= 30
    assert retry_after({}) is None


def test_a_bad_request_is_not_retried():
    cfg = FAST.model_copy(update={"max_retries": 5})
    llm = OpenAICompatible("fake", base_url="http://127.0.0.1:9/v1", settings=cfg)  # nothing listens on port 9
    with pytest.raises(LLMError) as err:
        run_llm(llm, llm.complete(prompt("hello"), Answer))
    assert err.value.reason == "connection_error" and llm.usage.requests == 6


def test_batches_in_threads_share_one_bound_on_requests_in_flight():
    """Prefect runs each batch in its own thread: on the shared LLM loop they still keep at most `concurrency`
    requests in flight between them, over one connection pool."""
    from concurrent.futures import ThreadPoolExecutor

    cfg = FAST.model_copy(update={"concurrency": 4})
    with FakeOpenAI(latency=0.05) as server:

        def batch(n: int) -> list[Answer]:
            llm = OpenAICompatible("fake", base_url=server.base_url, settings=cfg)

            async def work():
                return await asyncio.gather(
                    *(llm.complete(prompt(f"batch {n} question {i}"), Answer) for i in range(12))
                )

            return run_llm(llm, work())

        with ThreadPoolExecutor(3) as threads:
            answers = list(threads.map(batch, range(3)))
    assert [len(a) for a in answers] == [12, 12, 12]
    assert server.most_in_flight == 4  # not 4 per batch


def test_a_free_slot_goes_to_the_earliest_batch_and_a_cancelled_waiter_passes_it_on():
    from kgraph.llm.loop import PriorityLimit

    async def main():
        limit, served = PriorityLimit(1), []

        async def request(priority: int, name: str):
            async with limit.slot(priority):
                served.append(name)
                await asyncio.sleep(0.01)

        first = asyncio.create_task(request(9, "holder"))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(request(p, n)) for p, n in ((5, "late batch"), (1, "early"), (3, "middle"))]
        gone = asyncio.create_task(request(0, "cancelled"))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.gather(first, *waiting, return_exceptions=True)
        return served, limit.held

    served, held = asyncio.run(main())
    assert served == ["holder", "early", "middle", "late batch"] and held == 0


def reply_body(content, usage=None, finish_reason="stop") -> str:
    import json

    choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}
    return json.dumps({"choices": [choice], **({"usage": usage} if usage is not None else {})})


def test_replies_as_servers_really_send_them():
    llm = OpenAICompatible("fake", base_url="http://127.0.0.1:9/v1", settings=FAST)
    messages = [{"role": "user", "content": "hello there"}]
    assert llm.record(messages, reply_body("ok", {"prompt_tokens": "7", "completion_tokens": 2})) == "ok"
    assert (llm.usage.prompt_tokens, llm.usage.completion_tokens) == (7, 2)
    llm.record(messages, reply_body("ok", {"prompt_tokens": "many", "completion_tokens": None}))
    assert llm.usage.prompt_tokens > 7 and llm.usage.completion_tokens > 2  # estimated, not a TypeError
    with pytest.raises(LLMError) as err:
        llm.record(messages, reply_body({"question": "q", "answer": "a"}))
    assert err.value.reason == "bad_response"
    with pytest.raises(LLMError) as err:
        llm.record(messages, reply_body('{"question": "What is', finish_reason="length"))
    assert err.value.reason == "truncated" and err.value.raw == '{"question": "What is'
