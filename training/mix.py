"""General-purpose chat rows mixed into the domain data, so the fine-tune does not forget how to be an assistant."""

from __future__ import annotations

import json
import random
from pathlib import Path

BUNDLED_GENERAL = Path(__file__).parent / "data" / "general_alpaca.json"
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


def alpaca_messages(row: dict) -> list[dict]:
    """Alpaca (instruction, input, output, history) as chat messages."""
    messages = []
    for question, answer in row.get("history") or []:
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    prompt = "\n\n".join(part for part in (row["instruction"], row.get("input") or "") if part)
    return [*messages, {"role": "user", "content": prompt}, {"role": "assistant", "content": row["output"]}]


def sharegpt_messages(row: dict) -> list[dict]:
    """ShareGPT (conversations of from/value) as chat messages."""
    messages = [{"role": "system", "content": row["system"]}] if row.get("system") else []
    return messages + [{"role": SHAREGPT_ROLES[t["from"]], "content": t["value"]} for t in row["conversations"]]


def read_rows(path: Path) -> list[dict]:
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def load_general(path: Path) -> list[dict]:
    """Chat rows from a local alpaca or sharegpt file (.json list or .jsonl); the format is told by its keys."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"general data file {path} does not exist: give a local alpaca or sharegpt .json/.jsonl")
    try:
        rows = read_rows(path)
        if all("conversations" in r for r in rows):
            chats = [sharegpt_messages(r) for r in rows]
        else:
            chats = [alpaca_messages(r) for r in rows]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is not an alpaca or sharegpt file ({type(err).__name__}: {err})") from err
    return [{"messages": m, "kind": "general", "fact_ids": []} for m in chats]


def mix_general(rows: list[dict], general: list[dict], ratio: float, seed: int = 0) -> list[dict]:
    """Domain rows plus enough general rows that they make `ratio` of the result (repeating them if too few)."""
    if ratio <= 0 or not general:
        return list(rows)
    wanted = round(len(rows) * ratio / (1 - ratio))
    rng = random.Random(seed)
    picked = [general[i % len(general)] for i in rng.sample(range(max(wanted, len(general))), wanted)]
    mixed = list(rows) + picked
    rng.shuffle(mixed)
    return mixed
