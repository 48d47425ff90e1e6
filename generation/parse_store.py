"""Sentence parses kept in a run folder. Generation parses each evidence sentence it writes from; the judge of the
same run reads those parses instead of parsing the sentences again (on the curate bench, parsing the sources was
40% of the judge's time, and generation had parsed two thirds of them). Each parse is a one-document spaCy DocBin
keyed by the sentence, in SQLite, so a run of any size is read a chunk at a time; parses made by another spaCy model
are never read."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

FILE = "parses.sqlite"
READ_AT_ONCE = 500  # sentences per query, under SQLite's limit on bound parameters


def model_id(nlp) -> str:
    return f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')} {','.join(nlp.pipe_names)}"


def connect(run: Path) -> sqlite3.Connection:
    db = sqlite3.connect(run / FILE)
    db.execute("CREATE TABLE IF NOT EXISTS parses (sentence TEXT PRIMARY KEY, model TEXT NOT NULL, doc BLOB NOT NULL)")
    return db


def keep(run: Path, parses: dict, nlp) -> None:
    """Store the parses (sentence -> Doc made by `nlp`) not stored yet."""
    from spacy.tokens import DocBin

    model = model_id(nlp)
    rows = []
    for sentence, doc in parses.items():
        one = DocBin(store_user_data=False)
        one.add(doc)
        rows.append((sentence, model, one.to_bytes()))
    with closing(connect(run)) as db, db:
        db.executemany("INSERT OR IGNORE INTO parses VALUES (?, ?, ?)", rows)


def read(run: Path, sentences: Iterable[str], nlp) -> dict:
    """The stored parses of those sentences that `nlp` made, as Docs in its vocabulary; none if the run has no store."""
    from spacy.tokens import DocBin

    if not (run / FILE).is_file():
        return {}
    wanted, model, found = list(dict.fromkeys(sentences)), model_id(nlp), {}
    with closing(connect(run)) as db:
        for start in range(0, len(wanted), READ_AT_ONCE):
            part = wanted[start : start + READ_AT_ONCE]
            query = f"SELECT sentence, doc FROM parses WHERE model = ? AND sentence IN ({','.join('?' * len(part))})"
            for sentence, blob in db.execute(query, [model, *part]):
                found[sentence] = next(DocBin().from_bytes(blob).get_docs(nlp.vocab))
    return found
