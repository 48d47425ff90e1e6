"""WS/state/review.db: the queue of samples people review, leases so two reviewers never get the same one, and an
append-only log of their decisions (the latest decision of a sample is its status; nothing is overwritten)."""

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
from kgraph.records import Document, Fact

LEASE_SECONDS = 15 * 60
PASSAGE_CHARS = 300
STATUS_OF_ACTION = {"accept": "accepted", "reject": "rejected", "edit": "edited"}
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


class LeaseHeld(ReviewError):
    """Another reviewer has the sample open."""


class StaleDecision(ReviewError):
    """Someone decided the sample after the reviewer opened it: deciding blindly would hide their decision."""


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


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the review database; WAL lets reviewers read while one writes."""
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
            sources.append(passage(document, evidence.start, evidence.end))
        else:
            sources.append(
                {
                    "doc_id": evidence.doc_id,
                    "path": "",
                    "title": "",
                    "before": "",
                    "sentence": evidence.sentence,
                    "after": "",
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


def claim(conn: sqlite3.Connection, sample_id: str, reviewer: str, seconds: float = LEASE_SECONDS) -> None:
    """Lease a sample to a reviewer (renewing their own lease); raise LeaseHeld when someone else has it open."""
    with transaction(conn):
        take_lease(conn, sample_id, reviewer, seconds)


def take_lease(conn: sqlite3.Connection, sample_id: str, reviewer: str, seconds: float) -> None:
    if conn.execute("SELECT 1 FROM queue WHERE sample_id = ?", (sample_id,)).fetchone() is None:
        raise UnknownSample(f"sample {sample_id} is not in the review queue")
    holder = lease_holder(conn, sample_id)
    if holder and holder != reviewer:
        raise LeaseHeld(f"{holder} is reviewing sample {sample_id} right now: pick another one")
    conn.execute("DELETE FROM leases WHERE reviewer = ? OR expires <= ?", (reviewer, time.time()))
    conn.execute(
        "INSERT OR REPLACE INTO leases (sample_id, reviewer, expires) VALUES (?, ?, ?)",
        (sample_id, reviewer, time.time() + seconds),
    )


def lease_holder(conn: sqlite3.Connection, sample_id: str) -> str | None:
    row = conn.execute(
        "SELECT reviewer FROM leases WHERE sample_id = ? AND expires > ?", (sample_id, time.time())
    ).fetchone()
    return row[0] if row else None


def claim_next(
    conn: sqlite3.Connection,
    reviewer: str,
    filters: Filters,
    after: int | None = None,
    backwards: bool = False,
    seconds: float = LEASE_SECONDS,
) -> str | None:
    """Lease the next (or previous) matching sample after queue position `after` that nobody else has open."""
    where, params = filter_sql(filters)
    op, order = ("<", "DESC") if backwards else (">", "ASC")
    with transaction(conn):
        row = conn.execute(
            f"SELECT q.sample_id FROM queue q WHERE {where} AND q.seq {op} ?"
            " AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.sample_id = q.sample_id AND l.reviewer != ?"
            f" AND l.expires > ?) ORDER BY q.seq {order} LIMIT 1",
            [*params, after if after is not None else (2**62 if backwards else -1), reviewer, time.time()],
        ).fetchone()
        if row is None:
            return None
        take_lease(conn, row[0], reviewer, seconds)
        return row[0]


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


def decide(
    conn: sqlite3.Connection,
    sample_id: str,
    reviewer: str,
    action: str,
    reason: str = "",
    contents: list[str] | None = None,
    seen: int | None = None,
) -> int:
    """Append one decision; `seen` is the latest decision id the reviewer saw, so nobody's decision is lost unseen."""
    if action not in STATUS_OF_ACTION:
        raise ReviewError(f"unknown action {action!r}: use accept, reject or edit")
    if action == "reject" and not reason.strip():
        raise ReviewError("a rejection needs a reason: pick one from the list or write one")
    with transaction(conn):
        item = load_item(conn, sample_id)
        holder = lease_holder(conn, sample_id)
        if holder and holder != reviewer:
            raise LeaseHeld(f"{holder} is reviewing sample {sample_id} right now: your decision was not saved")
        if seen is not None and item.last_decision != seen:
            raise StaleDecision(
                f"someone decided sample {sample_id} after you opened it: reload it to see their decision"
            )
        messages = previous = None
        if action == "edit":
            messages, previous = edited_messages(item.messages, contents), item.messages
        cursor = conn.execute(
            "INSERT INTO decisions (sample_id, reviewer, action, reason, messages, previous, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sample_id, reviewer, action, reason.strip(), dump_messages(messages), dump_messages(previous), now_iso()),
        )
        conn.execute("DELETE FROM leases WHERE sample_id = ?", (sample_id,))
        return cursor.lastrowid


def edited_messages(messages: list[Message], contents: list[str] | None) -> list[Message]:
    """The messages with the reviewer's new texts, roles unchanged; an edit must change something."""
    contents = [c.replace("\r\n", "\n").strip() for c in contents or []]
    if len(contents) != len(messages):
        raise ReviewError(f"the edit has {len(contents)} messages but the sample has {len(messages)}")
    if not all(contents):
        raise ReviewError("an edited message is empty: write its text or reject the sample")
    edited = [m.model_copy(update={"content": c}) for m, c in zip(messages, contents)]
    if edited == messages:
        raise ReviewError("the edit changes nothing: use accept instead")
    return edited


def dump_messages(messages: list[Message] | None) -> str | None:
    return json.dumps([m.model_dump() for m in messages]) if messages is not None else None


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
    if not path.exists():
        return []
    conn = connect(path)
    try:
        rows = conn.execute(f"SELECT * FROM {'latest' if latest_only else 'decisions'} ORDER BY id").fetchall()
        return [review_from_row(r) for r in rows]
    finally:
        conn.close()


def reviewed_samples(path: Path) -> tuple[list[Sample], set[str]]:
    """Samples people accepted (with their edits applied) and ids people rejected, by each sample's latest decision."""
    if not path.exists():
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
                accepted.append(sample.model_copy(update={"messages": current_messages(conn, sample)}))
        return accepted, rejected
    finally:
        conn.close()
