"""The evaluation items (see training/lm_eval_task.py) in the layouts EvalScope and OpenCompass read without code:
EvalScope's `general_mcq` (`{name}_dev.csv` for few-shot examples, `{name}_val.csv` to score) and `general_qa`
(`{name}.jsonl` of query and response), OpenCompass's custom datasets (question, A..D, answer; question, answer)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

EVALSCOPE_DIR, OPENCOMPASS_DIR = "evalscope", "opencompass"
NAME = "kgsynth"
LETTERS = "ABCDEFGHIJ"


def mcq_row(item: dict) -> dict:
    """One multiple-choice item as lettered options and the letter of the true one."""
    options = dict(zip(LETTERS, item["choices"]))
    return {"id": item["id"], "question": item["question"], **options, "answer": LETTERS[item["label"]]}


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def write_eval_layouts(mc: list[dict], short: list[dict], export_dir: Path) -> dict[str, list[str]]:
    """WS/export/evalscope/ and WS/export/opencompass/; returns the files written per tool."""
    export_dir = Path(export_dir)
    written: dict[str, list[Path]] = {EVALSCOPE_DIR: [], OPENCOMPASS_DIR: []}
    if mc:
        rows = [mcq_row(i) for i in mc]
        options = [letter for letter in LETTERS if letter in rows[0]]
        evalscope = export_dir / EVALSCOPE_DIR / "mcq"
        # The dev file holds few-shot examples: empty, as every item is a held-out fact (zero-shot).
        write_csv(evalscope / f"{NAME}_dev.csv", [], ["id", "question", *options, "answer"])
        write_csv(evalscope / f"{NAME}_val.csv", rows, ["id", "question", *options, "answer"])
        write_csv(export_dir / OPENCOMPASS_DIR / f"{NAME}_mcq.csv", rows, ["question", *options, "answer"])
        written[EVALSCOPE_DIR] += [evalscope / f"{NAME}_dev.csv", evalscope / f"{NAME}_val.csv"]
        written[OPENCOMPASS_DIR].append(export_dir / OPENCOMPASS_DIR / f"{NAME}_mcq.csv")
    if short:
        evalscope_qa = export_dir / EVALSCOPE_DIR / "qa" / f"{NAME}.jsonl"
        write_jsonl(evalscope_qa, [{"id": i["id"], "query": i["question"], "response": i["answer"]} for i in short])
        opencompass_qa = export_dir / OPENCOMPASS_DIR / f"{NAME}_qa.jsonl"
        write_jsonl(opencompass_qa, [{"question": i["question"], "answer": i["answer"]} for i in short])
        written[EVALSCOPE_DIR].append(evalscope_qa)
        written[OPENCOMPASS_DIR].append(opencompass_qa)
    return {tool: [str(p.relative_to(export_dir)) for p in paths] for tool, paths in written.items()}
