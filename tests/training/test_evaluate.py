"""Scoring of closed-book answers: what counts as naming the fact, and the majority baseline."""

from training.evaluate import (
    answer_matches,
    expected_answer,
    general_correct,
    majority_accuracy,
    questions_of,
    word_recall,
)


def row(question: str, qtype: str = "object") -> dict:
    return {"messages": [{"role": "user", "content": question}], "question_type": qtype}


def test_expected_answer_is_the_entity_the_question_does_not_name(facts):
    fact = facts[0]  # zorvatin treats glimmer fever
    assert expected_answer(row("What does zorvatin treat?"), fact) == "glimmer fever"
    assert expected_answer(row("What treats glimmer fever?"), fact) == "zorvatin"
    assert expected_answer(row("Does zorvatin treat glimmer fever?", "yes_no"), fact) is None  # nothing to recall


def test_answers_must_name_every_content_word_of_the_entity():
    assert answer_matches("It is used for Glimmer fever in adults.", "glimmer fever")
    assert not answer_matches("It is used for fever.", "glimmer fever")
    assert word_recall("It is used for fever.", "glimmer fever") == 0.5
    assert majority_accuracy(["salt rash", "salt rash", "night chill"]) == 2 / 3
    assert majority_accuracy([]) == 0.0
    assert general_correct("The capital is Paris.", ["paris"]) and not general_correct("Lyon.", ["paris"])


def test_questions_come_only_from_the_split_ids(facts, rows):
    ids = [r["id"] for r in rows[:4]]
    items = questions_of(rows, ids, {f.id: f for f in facts}, limit=10)
    assert len(items) == 4 and {i["fact"].id for i in items} <= {r["fact_ids"][0] for r in rows[:4]}
    assert len(questions_of(rows, ids, {f.id: f for f in facts}, limit=2)) == 2
