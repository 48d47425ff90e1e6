"""WS/state/review.db: the queue of samples people review, what it shows them, and the reviews read back from its
append-only log of decisions (the latest decision of a sample is its status; nothing is overwritten). Taking a
sample and deciding on it are in review_decisions."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from curation.records import Review, Verdict
from generation.records import Message, Sample
from kgraph.layout import citation
from kgraph.records import Document, Fact

PASSAGE_CHARS = 300
STATUSES = ("pending", "accepted", "rejected", "edited")

SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    domain TEXT NOT NULL,
    score REAL,
    reasons TEXT NOT NULL,
    sample TEXT NOT NULL,
    verdict TEXT,
    facts TEXT NOT NULL,
    sources TEXT NOT NULL,
    queued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id TEXT NOT NULL REFERENCES queue(sample_id),
    reviewer TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'edit')),
    reason TEXT NOT NULL DEFAULT '',
    messages TEXT,
    previous TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_sample ON decisions (sample_id, id);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END;
CREATE TABLE IF NOT EXISTS leases (
    sample_id TEXT PRIMARY KEY,
    reviewer TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE VIEW IF NOT EXISTS latest AS
    SELECT d.* FROM decisions d
    WHERE d.id = (SELECT MAX(id) FROM decisions WHERE sample_id = d.sample_id);
"""

STATUS_SQL = (
    "COALESCE((SELECT CASE action WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'rejected' ELSE 'edited' END"
    " FROM latest WHERE latest.sample_id = q.sample_id), 'pending')"
)


class ReviewError(ValueError):
    """A decision or lookup the queue cannot honour; the message says why, for the reviewer."""


class UnknownSample(ReviewError):
    pass


@dataclass(frozen=True)
class QueueEntry:
    """One sample as it enters the queue, with what a reviewer needs to judge it."""

    sample: Sample
    verdict: Verdict | None
    facts: list[Fact]
    sources: list[dict]


@dataclass(frozen=True)
class Filters:
    """What the queue page narrows to; empty fields do not filter."""

    reason: str = ""
    kind: str = ""
    domain: str = ""
    status: str = "pending"
    criterion: str = "mean"
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class QueueItem:
    seq: int
    sample: Sample
    verdict: Verdict | None
    facts: list[Fact]
    sources: list[dict]
    status: str
    reasons: list[str]
    score: float | None
    last_decision: int
    messages: list[Message] = field(default_factory=list)


class ReviewDbError(ValueError):
    """review.db is gone while decisions are expected (its journal exists, or a server uses it), or cannot be restored."""


def journal_path(db_path: Path) -> Path:
    """The append-only copy of every decision beside review.db, from which a lost database is restored."""
    return Path(db_path).with_name(Path(db_path).stem + "-journal.jsonl")


def connect(path: Path, create: bool = True) -> sqlite3.Connection:
    """Open the review database, creating it when `create` and no journal says decisions were made; WAL lets
    reviewers read while one writes. A missing database is never silently replaced by an empty one."""
    path = Path(path)
    if not path.exists():
        journal = journal_path(path)
        if not create:
            raise ReviewDbError(f"{path} was removed while in use: stop the review page and restart it")
        if journal.exists() and journal.stat().st_size:
            raise ReviewDbError(
                f"{path} is missing but {journal} holds reviewers' decisions: restore it with "
                f"`kgsynth review --workspace {path.parent.parent} --restore`"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE: take the write lock first, so check-then-write steps cannot interleave between reviewers."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def passage(document: Document, start: int, end: int, chars: int = PASSAGE_CHARS) -> dict:
    """The evidence sentence with some of the document around it, cut at spaces."""
    text = document.text
    left = text.rfind(" ", 0, max(0, start - chars)) + 1 if start > chars else 0
    right = text.find(" ", end + chars)
    right = len(text) if right < 0 else right
    return {
        "doc_id": document.id,
        "path": document.path,
        "title": document.title,
        "before": ("…" if left else "") + text[left:start],
        "sentence": text[start:end],
        "after": text[end:right] + ("…" if right < len(text) else ""),
    }


def make_entry(sample: Sample, verdict: Verdict | None, facts: dict[str, Fact], documents: dict) -> QueueEntry:
    """A queue entry with the sample's facts and the passages its evidence sentences come from."""
    sources = []
    for evidence in sample.evidence:
        document = documents.get(evidence.doc_id)
        if document is not None and document.text[evidence.start : evidence.end] == evidence.sentence:
            sources.append(passage(document, evidence.start, evidence.end) | {"citation": citation(evidence)})
        else:
            sources.append(
                {
                    "doc_id": evidence.doc_id,
                    "path": "",
                    "title": "",
                    "before": "",
                    "sentence": evidence.sentence,
                    "after": "",
                    "citation": citation(evidence),
                }
            )
    return QueueEntry(sample, verdict, [facts[i] for i in sample.fact_ids if i in facts], sources)


def judge_score(verdict: Verdict | None) -> float | None:
    """One number per verdict for sorting and the chart: the mean of its criteria."""
    if verdict is None or not verdict.scores:
        return None
    return round(sum(verdict.scores.values()) / len(verdict.scores), 4)


def enqueue(conn: sqlite3.Connection, entries: Iterable[QueueEntry]) -> int:
    """Add entries not queued before (an entry already queued is kept as it was); returns how many are new."""
    rows = [
        (
            e.sample.id,
            e.sample.kind,
            e.sample.domain,
            judge_score(e.verdict),
            json.dumps(e.verdict.reasons if e.verdict else []),
            e.sample.model_dump_json(),
            e.verdict.model_dump_json() if e.verdict else None,
            json.dumps([f.model_dump(mode="json") for f in e.facts]),
            json.dumps(e.sources),
            now_iso(),
        )
        for e in entries
    ]
    with transaction(conn):
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO queue (sample_id, kind, domain, score, reasons, sample, verdict, facts, sources,"
            " queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return conn.total_changes - before


def filter_sql(filters: Filters) -> tuple[str, list]:
    """WHERE clause and parameters for the filters (values always bound, never pasted into SQL)."""
    clauses, params = [], []
    if filters.reason:
        clauses.append("EXISTS (SELECT 1 FROM json_each(q.reasons) WHERE value = ?)")
        params.append(filters.reason)
    for column in ("kind", "domain"):
        if getattr(filters, column):
            clauses.append(f"q.{column} = ?")
            params.append(getattr(filters, column))
    if filters.status and filters.status != "all":
        clauses.append(f"{STATUS_SQL} = ?")
        params.append(filters.status)
    score = "q.score" if filters.criterion == "mean" else "json_extract(q.verdict, '$.scores.\"' || ? || '\"')"
    for bound, op in ((filters.low, ">="), (filters.high, "<=")):
        if bound is not None:
            clauses.append(f"{score} {op} ?")
            params += ([] if filters.criterion == "mean" else [filters.criterion]) + [bound]
    return (" AND ".join(clauses) or "1"), params


def list_queue(conn: sqlite3.Connection, filters: Filters, limit: int = 500) -> list[sqlite3.Row]:
    """Queue rows matching the filters, in queue order, with status and current lease holder."""
    where, params = filter_sql(filters)
    return conn.execute(
        f"SELECT q.seq, q.sample_id, q.kind, q.domain, q.score, q.reasons, q.sample, {STATUS_SQL} AS status,"
        " (SELECT reviewer FROM leases l WHERE l.sample_id = q.sample_id AND l.expires > ?) AS leased_by"
        f" FROM queue q WHERE {where} ORDER BY q.seq LIMIT ?",
        [time.time(), *params, limit],
    ).fetchall()


def filter_choices(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The values each filter can take in this queue."""
    reasons = [r[0] for r in conn.execute("SELECT DISTINCT value FROM queue, json_each(queue.reasons) ORDER BY 1")]
    criteria = [
        r[0] for r in conn.execute("SELECT DISTINCT key FROM queue, json_each(queue.verdict, '$.scores') ORDER BY 1")
    ]
    return {
        "reason": reasons,
        "kind": [r[0] for r in conn.execute("SELECT DISTINCT kind FROM queue ORDER BY 1")],
        "domain": [r[0] for r in conn.execute("SELECT DISTINCT domain FROM queue ORDER BY 1")],
        "status": ["all", *STATUSES],
        "criterion": ["mean", *criteria],
    }


def load_item(conn: sqlite3.Connection, sample_id: str) -> QueueItem:
    """A queued sample with its verdict, facts, sources, status and current (reviewed) messages."""
    row = conn.execute(
        f"SELECT q.*, {STATUS_SQL} AS status FROM queue q WHERE q.sample_id = ?", (sample_id,)
    ).fetchone()
    if row is None:
        raise UnknownSample(f"sample {sample_id} is not in the review queue")
    sample = Sample.model_validate_json(row["sample"])
    last = conn.execute("SELECT COALESCE(MAX(id), 0) FROM decisions WHERE sample_id = ?", (sample_id,)).fetchone()[0]
    return QueueItem(
        seq=row["seq"],
        sample=sample,
        verdict=Verdict.model_validate_json(row["verdict"]) if row["verdict"] else None,
        facts=[Fact.model_validate(f) for f in json.loads(row["facts"])],
        sources=json.loads(row["sources"]),
        status=row["status"],
        reasons=json.loads(row["reasons"]),
        score=row["score"],
        last_decision=last,
        messages=current_messages(conn, sample),
    )


def current_messages(conn: sqlite3.Connection, sample: Sample) -> list[Message]:
    """The sample's text as of its latest edit, or as generated."""
    row = conn.execute(
        "SELECT messages FROM decisions WHERE sample_id = ? AND action = 'edit' ORDER BY id DESC LIMIT 1",
        (sample.id,),
    ).fetchone()
    return [Message.model_validate(m) for m in json.loads(row[0])] if row else list(sample.messages)


def history(conn: sqlite3.Connection, sample_id: str) -> list[sqlite3.Row]:
    """Every decision on a sample, oldest first."""
    return conn.execute("SELECT * FROM decisions WHERE sample_id = ? ORDER BY id", (sample_id,)).fetchall()


def progress(conn: sqlite3.Connection) -> dict[str, int]:
    """How many queued samples are in each status."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in conn.execute(f"SELECT {STATUS_SQL} AS s, COUNT(*) FROM queue q GROUP BY s"):
        counts[status] = count
    return counts


def score_bins(conn: sqlite3.Connection, bins: int = 10) -> list[dict]:
    """Per judge-score bin, how many samples are in each status: do people agree with the judge's scores?"""
    table = [{"low": i / bins, "high": (i + 1) / bins} | dict.fromkeys(STATUSES, 0) for i in range(bins)]
    for score, status in conn.execute(f"SELECT q.score, {STATUS_SQL} FROM queue q WHERE q.score IS NOT NULL"):
        table[min(max(int(score * bins), 0), bins - 1)][status] += 1
    return table


def review_from_row(row: sqlite3.Row) -> Review:
    messages = [Message.model_validate(m) for m in json.loads(row["messages"])] if row["messages"] else None
    return Review(
        sample_id=row["sample_id"],
        reviewer=row["reviewer"],
        action=row["action"],
        messages=messages,
        reason=row["reason"],
        at=datetime.fromisoformat(row["at"]),
    )


def read_reviews(path: Path, latest_only: bool = False) -> list[Review]:
    """Every decision people made (or only each sample's latest), oldest first: what judge calibration compares to."""
    if not path.exists() and not journal_path(path).exists():
        return []
    conn = connect(path)
    try:
        rows = conn.execute(f"SELECT * FROM {'latest' if latest_only else 'decisions'} ORDER BY id").fetchall()
        return [review_from_row(r) for r in rows]
    finally:
        conn.close()


def reviewed_samples(path: Path) -> tuple[list[Sample], set[str]]:
    """Samples people accepted (with their edits applied) and ids people rejected, by each sample's latest decision."""
    if not path.exists() and not journal_path(path).exists():
        return [], set()
    conn = connect(path)
    try:
        rows = conn.execute("SELECT q.sample, l.action FROM latest l JOIN queue q USING (sample_id)").fetchall()
        accepted, rejected = [], set()
        for row in rows:
            sample = Sample.model_validate_json(row["sample"])
            if row["action"] == "reject":
                rejected.add(sample.id)
            else:
                messages = current_messages(conn, sample)
                # The reasoning was written for the answer as generated: a person's edit leaves the sample without.
                reasoning = sample.reasoning if messages == sample.messages else []
                accepted.append(sample.model_copy(update={"messages": messages, "reasoning": reasoning}))
        return accepted, rejected
    finally:
        conn.close()
