"""Evaluation sets: the held-out control facts as an lm-evaluation-harness task that lm-eval's own task loader reads,
the same items in the EvalScope and OpenCompass layouts, and the same questions `kgsynth evaluate` asks."""

import csv
import json

import networkx as nx
import pytest

from kgraph.graph import add_facts
from training.eval_layouts import write_eval_layouts
from training.evaluate import expected_answer, questions_of
from training.lm_eval_task import eval_items, write_task
from training.split import split_rows

RATIO, SEED = 0.5, 0


@pytest.fixture()
def items(facts, rows):
    from generation.plan import FactIndex

    graph = nx.MultiDiGraph()
    add_facts(graph, facts)
    mc, short, rejections = eval_items(rows, FactIndex.of(graph), RATIO, SEED)
    assert short and mc and not rejections  # every conftest question asks for the object, never names it
    return mc, short


def test_lm_eval_task_manager_loads_the_tasks_and_their_documents(items, tmp_path):
    from lm_eval.tasks import TaskManager

    mc, short = items
    write_task(mc, short, tmp_path)
    manager = TaskManager(include_path=str(tmp_path / "lm_eval"), include_defaults=False)
    assert {"kgsynth", "kgsynth_mc", "kgsynth_short"} <= set(manager.all_tasks)
    loaded = manager.load(["kgsynth"])
    assert sorted(loaded["group_map"]["kgsynth"]) == ["kgsynth_mc", "kgsynth_short"]
    tasks = loaded["tasks"]
    docs = list(tasks["kgsynth_mc"].test_docs())
    assert [d["id"] for d in docs] == [i["id"] for i in mc]
    for doc in docs:
        assert tasks["kgsynth_mc"].doc_to_choice(doc)[tasks["kgsynth_mc"].doc_to_target(doc)] == doc["answer"]
        assert tasks["kgsynth_mc"].doc_to_text(doc) == f"Question: {doc['question']}\nAnswer:"
    task = tasks["kgsynth_short"]
    doc = next(iter(task.test_docs()))
    assert task.doc_to_target(doc) == doc["answer"]
    assert task.process_results(doc, [f"It treats the {doc['answer']}."]) == {"names_answer": 1.0}
    assert task.process_results(doc, ["I do not know."]) == {"names_answer": 0.0}


def test_the_same_items_in_the_evalscope_and_opencompass_layouts(items, tmp_path):
    mc, short = items
    written = write_eval_layouts(mc, short, tmp_path)
    assert written["evalscope"] == [
        "evalscope/mcq/kgsynth_dev.csv",
        "evalscope/mcq/kgsynth_val.csv",
        "evalscope/qa/kgsynth.jsonl",
    ]
    with (tmp_path / "evalscope/mcq/kgsynth_val.csv").open(encoding="utf-8") as rows:
        val = list(csv.DictReader(rows))
    assert list(val[0]) == ["id", "question", "A", "B", "C", "D", "answer"]
    assert [row[row["answer"]] for row in val] == [i["answer"] for i in mc]
    assert (tmp_path / "evalscope/mcq/kgsynth_dev.csv").read_text().strip() == "id,question,A,B,C,D,answer"
    qa = [json.loads(line) for line in (tmp_path / "evalscope/qa/kgsynth.jsonl").read_text().splitlines()]
    assert [(r["query"], r["response"]) for r in qa] == [(i["question"], i["answer"]) for i in short]
    with (tmp_path / "opencompass/kgsynth_mcq.csv").open(encoding="utf-8") as rows:
        opencompass = list(csv.DictReader(rows))
    assert list(opencompass[0]) == ["question", "A", "B", "C", "D", "answer"]
    assert [r["answer"] for r in opencompass] == [r["answer"] for r in val]
    qa = [json.loads(line) for line in (tmp_path / "opencompass/kgsynth_qa.jsonl").read_text().splitlines()]
    assert qa == [{"question": i["question"], "answer": i["answer"]} for i in short]


@pytest.mark.slow
def test_kgsynth_evaluate_asks_the_same_held_out_questions(items, facts, rows):
    """`kgsynth evaluate` reads the control ids of the adapter's split.json, which training draws with the same rule
    ([train] control_ratio and seed): its control questions are the exported short-answer items."""
    _, short = items
    split = split_rows(rows, RATIO, hold_paraphrases=True, seed=SEED)  # as train_lora splits
    control_ids = [r["id"] for r in split["control"]]
    asked = questions_of(rows, control_ids, {f.id: f for f in facts}, limit=len(rows))
    assert sorted((q["question"], q["expected"]) for q in asked) == sorted((i["question"], i["answer"]) for i in short)
    assert not {i["fact_id"] for i in short} & {f for r in split["train"] for f in r["fact_ids"]}


def test_a_question_that_names_its_answer_in_the_singular_is_no_item(facts):
    fact = facts[0].model_copy(update={"object": "penicillins"})
    question = {"messages": [{"role": "user", "content": "Is zorvatin a penicillin?"}], "question_type": "vignette"}
    assert expected_answer(question, fact) is None
