"""A deleted review.db never silently becomes an empty one: its journal refuses that and restores it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_review_app import LOCAL, logged_in
from test_review_store import entry

from curation import review_decisions as decisions
from curation import review_store as store
from curation.review_app import create_app
from curation.review_journal import restore


def decided_db(tmp_path):
    path = tmp_path / "state" / "review.db"
    conn = store.connect(path)
    store.enqueue(conn, [entry(i) for i in range(1, 4)])
    decisions.decide(conn, "s1", "ana", "reject", reason="factually wrong")
    decisions.decide(conn, "s2", "ana", "edit", contents=["Question 2?", "Warfarin interacts with aspirin."])
    conn.close()
    return path


def test_a_deleted_review_db_is_refused_then_restored_with_every_decision(tmp_path):
    path = decided_db(tmp_path)
    before = store.reviewed_samples(path)
    path.unlink()
    with pytest.raises(store.ReviewDbError, match="--restore"):
        store.reviewed_samples(path)  # what export reads: no silent empty set of decisions
    with pytest.raises(store.ReviewDbError, match="--restore"):
        store.connect(path)
    assert restore(path) == 2
    after = store.reviewed_samples(path)
    assert after[1] == before[1] == {"s1"}
    assert [s.messages for s in after[0]] == [s.messages for s in before[0]]


def test_a_review_db_deleted_under_the_running_page_is_not_recreated(tmp_path):
    path = decided_db(tmp_path)
    client = logged_in(create_app(path), "ben")
    assert client.get("/").status_code == 200
    path.unlink()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    page = client.get("/")
    assert page.status_code == 503 and "was removed" in page.text
    assert not path.exists()


def test_restore_refuses_to_overwrite_a_database(tmp_path):
    path = decided_db(tmp_path)
    with pytest.raises(store.ReviewDbError, match="exists"):
        restore(path)
    assert TestClient(create_app(path), base_url=LOCAL).get("/login").status_code == 200
