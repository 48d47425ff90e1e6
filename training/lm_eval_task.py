"""The held-out facts as an lm-evaluation-harness task, so any model (the base, the fine-tune, a rival) is scored on
facts it never trained on with a standard tool: multiple choice (the true object among objects the graph says are
false for the subject) and short answers (the object named in a greedy generation).

The items are the accepted, judged questions about the control facts that `training/split.py` holds out whole;
with the same rows and settings `kgsynth train` holds out the same facts."""

from __future__ import annotations

import json
from pathlib import Path

from generation.plan import FactIndex, stable
from kgraph.records import Rejection
from training.evaluate import expected_answer
from training.split import split_rows

TASK_DIR = "lm_eval"
MC_FILE, SHORT_FILE = "kgsynth_mc.jsonl", "kgsynth_short.jsonl"

MC_YAML = """\
task: kgsynth_mc
custom_dataset: !function kgsynth_data.load_mc
test_split: test
output_type: multiple_choice
doc_to_text: "Question: {{question}}\\nAnswer:"
doc_to_choice: choices
doc_to_target: label
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: acc_norm
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
"""

SHORT_YAML = """\
task: kgsynth_short
custom_dataset: !function kgsynth_data.load_short
test_split: test
output_type: generate_until
doc_to_text: "Question: {{question}}\\nAnswer:"
doc_to_target: answer
generation_kwargs:
  until: ["\\n\\n", "Question:"]
  do_sample: false
  max_gen_toks: 48
process_results: !function kgsynth_data.names_answer
metric_list:
  - metric: names_answer
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
"""

GROUP_YAML = "group: kgsynth\ntask:\n"

# Shipped beside the YAML so the folder works wherever it is copied: lm-eval resolves `!function` next to the YAML,
# while a `data_files` path would be read relative to wherever lm_eval is started.
LOADER = '''"""Loads the kgsynth evaluation items beside this file and scores short answers (written by `kgsynth export`)."""

import json
import re
from pathlib import Path

import datasets

HERE = Path(__file__).parent
STOPWORDS = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "and", "or"}


def read(name):
    rows = [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def load_mc(**kwargs):
    return read("kgsynth_mc.jsonl")


def load_short(**kwargs):
    return read("kgsynth_short.jsonl")


def words(text):
    return {w for w in re.findall(r"\\w+", text.lower()) if w not in STOPWORDS}


def names_answer(doc, results):
    """1 when the generation names every word of the expected entity (articles and prepositions aside)."""
    return {"names_answer": float(words(doc["answer"]) <= words(results[0]))}
'''


def question_of(row: dict) -> str:
    return next(m["content"] for m in row["messages"] if m["role"] == "user")


def eval_items(rows: list[dict], index: FactIndex, control_ratio: float, seed: int = 0, choices: int = 4):
    """(multiple-choice items, short-answer items, rejections) from the accepted questions about held-out control
    facts whose fact passes the generation gate; a question that already names its answer (yes/no, options) is
    left out. Multiple choice needs the answer to be the fact's object and enough objects the graph says are
    false for the subject."""
    split = split_rows(rows, control_ratio, hold_paraphrases=False, seed=seed)
    mc, short, rejections = [], [], []
    for row in sorted(split["control"], key=lambda r: r["id"]):
        fact = index.by_id.get(row["fact_ids"][0])
        if fact is None or not index.usable(fact):
            rejections.append(Rejection(item_id=row["id"], stage="eval_sets", reason="fact_below_gate"))
            continue
        if not (expected := expected_answer(row, fact)):
            rejections.append(Rejection(item_id=row["id"], stage="eval_sets", reason="question_names_answer"))
            continue
        item = {"id": row["id"], "question": question_of(row), "answer": expected, "fact_id": fact.id}
        short.append(item)
        wrong = list(index.distractors(fact, choices - 1)) if expected == fact.object else []
        if len(wrong) == choices - 1:
            label = stable(row["id"], "label") % choices
            options = [*wrong[:label], expected, *wrong[label:]]
            mc.append({**item, "choices": options, "label": label})
    return mc, short, rejections


def write_task(mc: list[dict], short: list[dict], export_dir: Path) -> dict[str, int]:
    """WS/export/lm_eval/: the JSONL items, a YAML per task, the `kgsynth` group and the loader they name."""
    folder = Path(export_dir) / TASK_DIR
    tasks = [
        (t, f, y, i)
        for t, f, y, i in (("kgsynth_mc", MC_FILE, MC_YAML, mc), ("kgsynth_short", SHORT_FILE, SHORT_YAML, short))
        if i
    ]
    if tasks:  # lm-eval cannot run a task without documents
        folder.mkdir(parents=True, exist_ok=True)
        for task, data, yaml, items in tasks:
            (folder / data).write_text(
                "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
            )
            (folder / f"{task}.yaml").write_text(yaml, encoding="utf-8")
        (folder / "kgsynth.yaml").write_text(GROUP_YAML + "".join(f"  - {t[0]}\n" for t in tasks), encoding="utf-8")
        (folder / "kgsynth_data.py").write_text(LOADER, encoding="utf-8")
    return {"multiple_choice": len(mc), "short_answer": len(short)}
