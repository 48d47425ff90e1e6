"""The review queue in SQLite: leases, append-only decisions, edits with their previous text, reviewed versions."""

import sqlite3
from dataclasses import replace

import pytest

from curation import review_decisions as decisions
from curation import review_store as store
from curation.records import Verdict
from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Document, Evidence, Fact

DOC = Document(
    id="doc1",
    path="corpus/warfarin.txt",
    text="Warfarin is an anticoagulant. Warfarin interacts with aspirin and raises the bleeding risk. Check INR.",
)
SENTENCE = "Warfarin interacts with aspirin and raises the bleeding risk."
FACT = Fact(
    id="fact1",
    subject="Warfarin",
    relation="interacts_with",
    object="aspirin",
    evidence=[Evidence(doc_id="doc1", sentence=SENTENCE, start=30, end=30 + len(SENTENCE))],
)


def entry(n: int, answer: str = "", reasons=("weak_grounding",), grounding=0.5, domain="medical") -> store.QueueEntry:
    """A flagged QA sample about the warfarin fact, numbered so each is distinct."""
    messages = [
        Message(role="user", content=f"Question {n}: what does warfarin interact with?"),
        Message(role="assistant", content=answer or f"Answer {n}: warfarin interacts with aspirin."),
    ]
    sample = Sample(
        id=f"s{n}",
        kind="qa",
        messages=messages,
        fact_ids=[FACT.id],
        evidence=FACT.evidence,
        generator=GeneratorInfo(provider="offline", model="templates-v1", prompt_version="v1"),
        domain=domain,
    )
    verdict = Verdict(
        sample_id=sample.id,
        scores={"grounding": grounding, "repetition": 1.0},
        decision="flag",
        reasons=list(reasons),
        judge="offline-rules-v1",
    )
    return store.make_entry(sample, verdict, {FACT.id: FACT}, {DOC.id: DOC})


@pytest.fixture()
def db(tmp_path):
    conn = store.connect(tmp_path / "state" / "review.db")
    store.enqueue(conn, [entry(i) for i in range(1, 4)])
    yield conn
    conn.close()


def test_enqueue_keeps_facts_and_passage_and_is_idempotent(db):
    assert store.enqueue(db, [entry(1), entry(4)]) == 1
    item = store.load_item(db, "s1")
    assert item.facts == [FACT] and item.status == "pending" and item.score == 0.75
    assert item.sources[0]["sentence"] == SENTENCE
    assert item.sources[0]["before"].startswith("Warfarin is") and item.sources[0]["after"].strip() == "Check INR."


def test_a_leased_sample_is_not_served_to_another_reviewer(db):
    everything = store.Filters(status="all")
    assert decisions.claim_next(db, "ana", everything) == "s1"
    assert decisions.claim_next(db, "ben", everything) == "s2"
    with pytest.raises(decisions.LeaseHeld, match="ana is reviewing"):
        decisions.claim(db, "s1", "ben")
    with pytest.raises(decisions.LeaseHeld):
        decisions.decide(db, "s1", "ben", "accept")
    assert decisions.claim_next(db, "ana", everything, after=1) == "s3"  # ana's move releases s1
    decisions.claim(db, "s1", "ben")
    decisions.claim(db, "s2", "ana", seconds=-1)  # an expired lease is free again
    assert decisions.claim_next(db, "ben", everything, after=1, backwards=True) is None


def test_decisions_are_appended_never_overwritten(db):
    first = decisions.decide(db, "s1", "ana", "accept", seen=0)
    with pytest.raises(decisions.StaleDecision):
        decisions.decide(db, "s1", "ben", "reject", reason="factually wrong", seen=0)
    decisions.decide(db, "s1", "ben", "reject", reason="factually wrong", seen=first)
    assert [r["action"] for r in store.history(db, "s1")] == ["accept", "reject"]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE decisions SET action = 'accept'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM decisions")
    assert store.progress(db) == {"pending": 2, "accepted": 0, "rejected": 1, "edited": 0}


def test_edit_records_previous_text_and_wins_in_reviewed_samples(db, tmp_path):
    old = store.load_item(db, "s2").messages
    decisions.decide(db, "s2", "ana", "edit", contents=[old[0].content, "Warfarin interacts with aspirin.\r\n"])
    row = store.history(db, "s2")[0]
    assert "Answer 2" in row["previous"] and "Answer 2" not in row["messages"]
    decisions.decide(db, "s3", "ana", "reject", reason="unclear")
    decisions.decide(db, "s1", "ana", "accept")
    accepted, rejected = store.reviewed_samples(tmp_path / "state" / "review.db")
    assert rejected == {"s3"}
    by_id = {s.id: s for s in accepted}
    assert by_id["s2"].messages[1].content == "Warfarin interacts with aspirin." and by_id["s1"] == entry(1).sample
    reviews = store.read_reviews(tmp_path / "state" / "review.db")
    assert [(r.sample_id, r.action, r.reviewer) for r in reviews] == [
        ("s2", "edit", "ana"),
        ("s3", "reject", "ana"),
        ("s1", "accept", "ana"),
    ]
    assert reviews[0].messages[1].content == "Warfarin interacts with aspirin."


def test_an_edited_answer_loses_the_reasoning_written_for_the_old_one(tmp_path):
    conn = store.connect(tmp_path / "review.db")
    steps = ["Warfarin interacts with aspirin.", "So the answer is aspirin."]
    reasoned = [entry(n) for n in (1, 2)]
    store.enqueue(conn, [replace(e, sample=e.sample.model_copy(update={"reasoning": steps})) for e in reasoned])
    decisions.decide(conn, "s1", "ana", "accept")
    decisions.decide(conn, "s2", "ana", "edit", contents=["What does warfarin interact with?", "Aspirin."])
    conn.close()
    by_id = {s.id: s for s in store.reviewed_samples(tmp_path / "review.db")[0]}
    assert by_id["s1"].reasoning == steps and by_id["s2"].reasoning == []


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("delete", {}, "unknown action"),
        ("reject", {"reason": "  "}, "needs a reason"),
        ("edit", {"contents": ["only one"]}, "has 1 messages"),
        ("edit", {"contents": ["Question 1: what does warfarin interact with?", ""]}, "empty"),
        (
            "edit",
            {
                "contents": [
                    "Question 1: what does warfarin interact with?",
                    "Answer 1: warfarin interacts with aspirin.",
                ]
            },
            "changes nothing",
        ),
    ],
)
def test_bad_decisions_are_refused_with_a_reason(db, action, kwargs, message):
    with pytest.raises(store.ReviewError, match=message):
        decisions.decide(db, "s1", "ana", action, **kwargs)
    assert store.history(db, "s1") == []


def test_filters_and_score_bins(db):
    store.enqueue(db, [entry(5, reasons=("audit",), grounding=0.9, domain="legal")])
    decisions.decide(db, "s5", "ana", "accept")
    ids = lambda f: [r["sample_id"] for r in store.list_queue(db, f)]  # noqa: E731
    assert ids(store.Filters(reason="audit", status="all")) == ["s5"]
    assert ids(store.Filters(domain="legal")) == []  # accepted, so no longer pending
    assert ids(store.Filters(status="accepted")) == ["s5"]
    assert ids(store.Filters(status="all", criterion="grounding", low=0.8)) == ["s5"]
    assert ids(store.Filters(status="all", low=0.76, high=1)) == ["s5"]
    choices = store.filter_choices(db)
    assert choices["criterion"] == ["mean", "grounding", "repetition"] and "audit" in choices["reason"]
    bins = store.score_bins(db)
    assert bins[7]["pending"] == 3 and bins[9]["accepted"] == 1


def test_no_review_db_means_nothing_reviewed(tmp_path):
    assert store.reviewed_samples(tmp_path / "review.db") == ([], set())
    assert store.read_reviews(tmp_path / "review.db") == []
    assert not (tmp_path / "review.db").exists()


def test_queue_flagged_reads_the_workspace_and_counts_what_it_cannot_find(tmp_path):
    from flows.stages import accepted_samples, queue_flagged
    from flows.workspace import Workspace, write_jsonl

    ws = Workspace(tmp_path / "ws").create()
    run = ws.new_run()
    write_jsonl(run / "documents.jsonl", [DOC])
    write_jsonl(ws.flagged, [entry(1).sample, entry(2).sample])
    lost = entry(3).verdict.model_copy(update={"sample_id": "gone"})
    write_jsonl(run / "verdicts.jsonl", [entry(1).verdict, entry(2).verdict, lost])
    stats = queue_flagged(ws)
    assert stats.newly_queued == 2 and stats.dropped == {"sample_missing": 1}
    assert queue_flagged(ws).newly_queued == 0
    conn = store.connect(ws.review_db)
    assert store.load_item(conn, "s1").sources[0]["path"] == "corpus/warfarin.txt"
    decisions.decide(conn, "s1", "ana", "accept")
    conn.close()
    assert [s.id for s in accepted_samples(ws)] == ["s1"]
