"""Preference pairs from accepted QA samples, checked by the same judge: the chosen answer is the accepted one, the
rejected answer a graph-known mistake that the judge must find wrong (so the pair is no matter of taste) and must
not find disfluent (so the model cannot tell them apart by form). Written as TRL's conversational preference
JSONL and as LLaMA-Factory's alpaca ranking file."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from curation.records import Verdict
from generation.plan import FactIndex
from generation.preference import rejected_answers, subjects_by_relation
from generation.records import Message, Sample
from kgraph.records import Rejection

# Reasons that say the answer is false against its source (offline judge, then the LLM judge's rubric).
WRONG = {"contradicts_evidence", "unsupported_claim", "answer_misses_fact", "ungrounded", "low_faithfulness"}
WRONG |= {"low_correctness"}
# Reasons that say it reads badly: a pair the model could tell apart by form alone.
DISFLUENT = {"ungrammatical", "disfluent", "weak_fluency", "repetition", "empty_answer", "truncated", "low_clarity"}
DPO_FILE, RANKING_FILE = "dpo.jsonl", "dpo_alpaca.json"

Judge = Callable[[list[Sample]], list[Verdict]]


def with_answer(sample: Sample, answer: str, kind: str) -> Sample:
    """The sample with its last answer replaced: what the judge reads for a rejected answer."""
    messages = [*sample.messages[:-1], Message(role="assistant", content=answer)]
    return sample.model_copy(
        update={
            "id": Sample.make_id(sample.kind, sample.fact_ids, messages),
            "messages": messages,
            "style": {**sample.style, "rejected": kind},
        }
    )


def wrong_and_fluent(verdict: Verdict) -> bool:
    reasons = set(verdict.reasons)
    return verdict.decision == "reject" and bool(reasons & WRONG) and not reasons & DISFLUENT


def pair_row(sample: Sample, rejected: Sample, verdict: Verdict) -> dict:
    """TRL's conversational preference row, with provenance and the judge's reasons for the rejected answer."""
    return {
        "id": sample.id,
        "prompt": [m.model_dump() for m in sample.messages[:-1]],
        "chosen": [sample.messages[-1].model_dump()],
        "rejected": [rejected.messages[-1].model_dump()],
        "error": rejected.style["rejected"],
        "rejected_reasons": verdict.reasons,
        "fact_ids": sample.fact_ids,
    }


def eligible(sample: Sample, index: FactIndex) -> bool:
    """Single-fact, single-turn QA whose fact still passes the generation gate."""
    fact = index.by_id.get(sample.fact_ids[0]) if len(sample.fact_ids) == 1 else None
    return (
        sample.kind == "qa"
        and fact is not None
        and index.usable(fact)
        and [m.role for m in sample.messages if m.role != "system"] == ["user", "assistant"]
    )


def preference_pairs(samples: list[Sample], index: FactIndex, judge: Judge) -> tuple[list[dict], list[Rejection]]:
    """One pair per eligible accepted sample: its rejected answers are judged round by round (the next kind only
    for samples whose earlier one the judge did not find wrong), and the first wrong-but-fluent one is kept."""
    subjects = subjects_by_relation(index)
    options: dict[str, list[Sample]] = {}
    rejections = []
    for sample in sorted(samples, key=lambda s: s.id):
        if not eligible(sample, index):
            continue
        fact = index.by_id[sample.fact_ids[0]]
        question = sample.messages[-2].content
        found = rejected_answers(sample.messages[-1].content, fact, index, subjects, sample.id, question)
        if not found:
            rejections.append(Rejection(item_id=sample.id, stage="preference", reason="no_known_mistake"))
        options[sample.id] = [with_answer(sample, text, kind) for kind, text in found]
    by_id = {s.id: s for s in samples}
    pairs: dict[str, dict] = {}
    last: dict[str, Verdict] = {}
    for depth in range(max((len(v) for v in options.values()), default=0)):
        batch = [v[depth] for k, v in options.items() if k not in pairs and depth < len(v)]
        owners = [k for k, v in options.items() if k not in pairs and depth < len(v)]
        for owner, rejected, verdict in zip(owners, batch, judge(batch)):
            last[owner] = verdict
            if wrong_and_fluent(verdict):
                pairs[owner] = pair_row(by_id[owner], rejected, verdict)
    for owner in sorted(set(last) - set(pairs)):
        reasons = set(last[owner].reasons)
        reason = "rejected_answer_disfluent" if reasons & DISFLUENT else "judge_found_no_error"
        rejections.append(Rejection(item_id=owner, stage="preference", reason=reason, detail=",".join(sorted(reasons))))
    return [pairs[k] for k in sorted(pairs)], rejections


def to_ranking(row: dict) -> dict:
    """LLaMA-Factory's alpaca ranking row: the question, then the chosen and rejected answers as text; every row
    has every declared column (LLaMA-Factory's converter reads them all), `system` empty where there is none."""
    system = next((m["content"] for m in row["prompt"] if m["role"] == "system"), "")
    question = next(m["content"] for m in row["prompt"] if m["role"] == "user")
    out = {"id": row["id"], "instruction": question, "input": "", "chosen": row["chosen"][0]["content"]}
    return out | {"rejected": row["rejected"][0]["content"], "system": system, "fact_ids": row["fact_ids"]}


def ranking_entry(export_dir: Path) -> dict:
    """The dataset_info.json entry LLaMA-Factory's DPO/ORPO/KTO stages read (`ranking: true`)."""
    from training.export import sha1_of

    return {
        "kgsynth_dpo": {
            "file_name": RANKING_FILE,
            "file_sha1": sha1_of(Path(export_dir) / RANKING_FILE),
            "formatting": "alpaca",
            "ranking": True,
            "columns": {
                "prompt": "instruction",
                "query": "input",
                "chosen": "chosen",
                "rejected": "rejected",
                "system": "system",
            },
        }
    }


def write_preference(pairs: list[dict], export_dir: Path) -> dict:
    """dpo.jsonl (TRL), dpo_alpaca.json (LLaMA-Factory) and their entry in dataset_info.json; counts by error kind."""
    from training.export import add_dataset_info, write_json, write_rows

    export_dir = Path(export_dir)
    write_rows(export_dir / DPO_FILE, pairs)
    write_json(export_dir / RANKING_FILE, [to_ranking(p) for p in pairs])
    add_dataset_info(export_dir, ranking_entry(export_dir))
    return dict(Counter(p["error"] for p in pairs))


def read_pairs(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
