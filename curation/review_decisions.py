"""Reviewers at work on the queue in WS/state/review.db: leases so two reviewers never have the same sample open,
and decisions appended to the log (never overwritten), checked against what the reviewer saw."""

from __future__ import annotations

import json
import sqlite3
import time

from curation.review_journal import append_decision
from curation.review_store import (
    Filters,
    ReviewError,
    UnknownSample,
    filter_sql,
    load_item,
    now_iso,
    transaction,
)
from generation.records import Message

LEASE_SECONDS = 15 * 60
STATUS_OF_ACTION = {"accept": "accepted", "reject": "rejected", "edit": "edited"}


class LeaseHeld(ReviewError):
    """Another reviewer has the sample open."""


class StaleDecision(ReviewError):
    """Someone decided the sample after the reviewer opened it: deciding blindly would hide their decision."""


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
    append_decision(conn, cursor.lastrowid, item.sample.model_dump_json())
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
