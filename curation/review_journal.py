"""The review journal: every decision is also appended to WS/state/review-journal.jsonl with the sample it
decided, so a lost or deleted review.db can be rebuilt and no reviewer's work vanishes from an export."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from curation.review_store import QueueEntry, ReviewDbError, connect, enqueue, journal_path, transaction
from generation.records import Sample

DECISION_FIELDS = ("sample_id", "reviewer", "action", "reason", "messages", "previous", "at")


def database_file(conn: sqlite3.Connection) -> Path:
    return Path(conn.execute("PRAGMA database_list").fetchone()[2])


def append_decision(conn: sqlite3.Connection, decision_id: int, sample_json: str) -> None:
    """Copy one committed decision, with its sample, to the journal (one line, one write)."""
    row = conn.execute(f"SELECT {', '.join(DECISION_FIELDS)} FROM decisions WHERE id = ?", (decision_id,)).fetchone()
    line = json.dumps({"decision": dict(zip(DECISION_FIELDS, row)), "sample": json.loads(sample_json)})
    with open(journal_path(database_file(conn)), "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def restore(db_path: Path, refill: Callable[[], object] = lambda: None) -> int:
    """Rebuild review.db from the journal: `refill` queues the workspace's flagged samples anew (with their facts
    and passages), entries still missing come from the journal's samples, then every decision is replayed. A
    database that still exists is left alone. Returns the decisions restored."""
    journal = journal_path(db_path)
    if Path(db_path).exists():
        raise ReviewDbError(f"{db_path} exists: move it aside first if you want it rebuilt from {journal}")
    if not journal.exists():
        raise ReviewDbError(f"no {journal} to restore {db_path} from")
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.strip()]
    journal.rename(journal.with_suffix(".restoring"))  # lets connect() create the database again
    try:
        refill()
        conn = connect(db_path)
    finally:
        journal.with_suffix(".restoring").rename(journal)
    try:
        samples = [Sample.model_validate(line["sample"]) for line in lines]
        enqueue(conn, (QueueEntry(sample=s, verdict=None, facts=[], sources=[]) for s in samples))
        with transaction(conn):
            conn.executemany(
                f"INSERT INTO decisions ({', '.join(DECISION_FIELDS)}) VALUES ({', '.join('?' * len(DECISION_FIELDS))})",
                [tuple(line["decision"][f] for f in DECISION_FIELDS) for line in lines],
            )
    finally:
        conn.close()
    return len(lines)
