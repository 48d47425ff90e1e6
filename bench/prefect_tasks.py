"""Per-task overhead of Prefect: the same 1,000 items as one task each, or in batches, against a plain loop.

Run: .venv/bin/python bench/prefect_tasks.py [--items 1000] [--repeats 3]
Uses the ephemeral server in a temporary PREFECT_HOME unless PREFECT_API_URL is set.
"""

import argparse
import os
import statistics
import tempfile

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="kgsynth-bench-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task  # noqa: E402
from timing import seconds  # noqa: E402


def work(item: int) -> int:
    """A stand-in for a small piece of real work (~50 µs)."""
    return sum(i * i for i in range(item % 7 + 600))


@task
def batch_task(items: list[int]) -> list[int]:
    return [work(i) for i in items]


@flow
def batched_flow(items: list[int], size: int) -> int:
    futures = [batch_task.submit(items[i : i + size]) for i in range(0, len(items), size)]
    return sum(len(f.result()) for f in futures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    items = list(range(args.items))
    batched_flow(items[:10], 10)  # start the server once, outside the timings
    baseline = statistics.median(seconds(lambda: [work(i) for i in items]) for _ in range(args.repeats))
    print(f"{args.items} items, median of {args.repeats} runs; baseline (plain loop, no Prefect): {baseline:.3f} s")
    print(f"{'items/task':>10} {'tasks':>6} {'seconds':>8} {'ms/task':>8} {'ms/item':>8}")
    for size in (1, 10, 50, 200):
        tasks = -(-args.items // size)
        elapsed = statistics.median(seconds(lambda size=size: batched_flow(items, size)) for _ in range(args.repeats))
        overhead = elapsed - baseline
        print(
            f"{size:>10} {tasks:>6} {elapsed:>8.2f} {overhead / tasks * 1000:>8.2f} {overhead / args.items * 1000:>8.3f}"
        )


if __name__ == "__main__":
    main()
