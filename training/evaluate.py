"""Closed-book QA before and after fine-tuning: trained questions, held-out paraphrases and control facts,
beside a majority baseline, plus an everyday-questions check that the model did not forget how to answer."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from curation.judge import content_words, grounding
from kgraph.records import Fact, normalise
from training.records import (
    EVALUATION_FILE,
    METRICS_FILE,
    SPLIT_FILE,
    Evaluation,
    GeneralScore,
    Metrics,
    QuestionResult,
    SetScore,
    Split,
    read_record,
    write_record,
)
from training.split import draw, row_id

GENERAL_EVAL = Path(__file__).parent / "data" / "general_eval.jsonl"


class EvalConfig(BaseModel):
    """How many questions to ask and how long an answer may be."""

    model_config = {"extra": "forbid"}
    questions_per_set: int = Field(default=40, ge=1, description="questions asked per set (trained, paraphrase, ...)")
    max_new_tokens: int = Field(default=48, ge=1, description="tokens generated per answer")
    batch_size: int = Field(default=16, ge=1, description="questions generated together")
    after_training: bool = Field(default=True, description="evaluate right after `kgsynth train` / `kgsynth run`")


def stems(text: str) -> set[str]:
    """Content words with a plural -s dropped, so 'a penicillin' names 'penicillins'."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in content_words(text)}


def expected_answer(row: dict, fact: Fact) -> str | None:
    """The entity a closed-book answer must name: the fact's object, or its subject when the question names the
    object ('What treats glimmer fever?', as an LLM may ask); None for a yes/no question or one that names both
    (nothing to recall). Read from the question itself, since no question type says which end is asked."""
    if row.get("question_type") == "yes_no":
        return None
    asked = stems(next(m["content"] for m in row["messages"] if m["role"] == "user"))
    for entity in (fact.object, fact.subject):
        wanted = stems(entity)
        if wanted and not wanted <= asked:
            return entity
    return None


def answer_matches(answer: str, expected: str) -> bool:
    """The answer names every content word of the expected entity."""
    return set(content_words(expected)) <= set(content_words(answer))


def word_recall(answer: str, expected: str) -> float:
    """Partial credit: the share of the expected entity's content words the answer names."""
    wanted = set(content_words(expected))
    return len(wanted & set(content_words(answer))) / len(wanted) if wanted else 0.0


def majority_accuracy(expected: list[str]) -> float:
    """Accuracy of always giving the most common expected answer of the set."""
    if not expected:
        return 0.0
    (answer, _), *_ = Counter(normalise(e) for e in expected).most_common(1)
    return sum(answer_matches(answer, e) for e in expected) / len(expected)


def questions_of(rows: list[dict], ids: list[str], facts: dict[str, Fact], limit: int, seed: int = 0) -> list[dict]:
    """Up to `limit` closed-book questions from the given sample ids, picked in a stable order."""
    wanted = set(ids)
    items = []
    for row in sorted((r for r in rows if row_id(r) in wanted), key=lambda r: draw(seed, "eval", row_id(r))):
        fact = facts.get(row["fact_ids"][0]) if row.get("kind") == "qa" and len(row["fact_ids"]) == 1 else None
        expected = expected_answer(row, fact) if fact else None
        if expected:
            question = next(m["content"] for m in row["messages"] if m["role"] == "user")
            items.append({"question": question, "expected": expected, "fact": fact})
        if len(items) == limit:
            break
    return items


def generate_answers(model, tokenizer, questions: list[str], cfg: EvalConfig) -> list[str]:
    """Greedy answers to single-turn questions, batched with left padding."""
    import torch

    tokenizer.padding_side = "left"
    answers = []
    for start in range(0, len(questions), cfg.batch_size):
        prompts = [
            tokenizer.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True, tokenize=False)
            for q in questions[start : start + cfg.batch_size]
        ]
        batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            output = model.generate(
                **batch, max_new_tokens=cfg.max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        answers += tokenizer.batch_decode(output[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    return answers


def score_set(items: list[dict], before: list[str], after: list[str]) -> SetScore:
    def share(answers: list[str]) -> float:
        return sum(answer_matches(a, i["expected"]) for a, i in zip(answers, items)) / len(items) if items else 0.0

    def grounded(answers: list[str]) -> float:
        return sum(grounding(a, [i["fact"]]) for a, i in zip(answers, items)) / len(items) if items else 0.0

    def recall(answers: list[str]) -> float:
        return sum(word_recall(a, i["expected"]) for a, i in zip(answers, items)) / len(items) if items else 0.0

    return SetScore(
        questions=len(items),
        before=share(before),
        after=share(after),
        majority=majority_accuracy([i["expected"] for i in items]),
        recall_before=recall(before),
        recall_after=recall(after),
        grounding_before=grounded(before),
        grounding_after=grounded(after),
        examples=[
            {"question": i["question"], "expected": i["expected"], "before": b, "after": a}
            for i, b, a in list(zip(items, before, after))[:5]
        ],
        # Per question, so `generate --focus-missed` and `train --resume` know which facts the fine-tune got wrong.
        items=[
            QuestionResult(
                fact_id=i["fact"].id,
                question=i["question"],
                before=answer_matches(b, i["expected"]),
                after=answer_matches(a, i["expected"]),
                recall_after=round(word_recall(a, i["expected"]), 3),
            )
            for i, b, a in zip(items, before, after)
        ],
    )


def general_items(path: Path = GENERAL_EVAL) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def general_correct(answer: str, accepted: list[str]) -> bool:
    words = set(normalise(answer).replace(".", " ").replace(",", " ").split())
    return any(a in words or (" " in a and a in normalise(answer)) for a in accepted)


def before_after(model, tokenizer, questions: list[str], cfg: EvalConfig) -> tuple[list[str], list[str]]:
    """Answers of the base model (adapter off) and of the fine-tune, to the same questions."""
    with model.disable_adapter():
        before = generate_answers(model, tokenizer, questions, cfg)
    return before, generate_answers(model, tokenizer, questions, cfg)


def load_finetune(model_dir: Path):
    """The base model named in metrics.json with the adapter of `model_dir` on top, and the saved tokenizer."""
    from peft import PeftModel

    from training.sft import TrainConfig, TrainingError, load_base, load_tokenizer, pick_device

    metrics = read_record(Path(model_dir) / METRICS_FILE, Metrics)
    if metrics is None or not (Path(model_dir) / "adapter_config.json").exists():
        raise TrainingError(f"{model_dir} holds no kgsynth adapter: run `kgsynth train` first")
    device = pick_device(TrainConfig.model_validate(metrics.config))
    _, base = load_base(metrics.base_model, device=device)
    model = PeftModel.from_pretrained(base, model_dir).eval()
    return model, load_tokenizer(str(model_dir))


def evaluate_model(model_dir: Path, rows: list[dict], facts: list[Fact], cfg: EvalConfig) -> Evaluation:
    """Ask every set's questions before and after; write evaluation.json and refresh the model card."""
    from training.card import write_card
    from training.sft import TrainingError

    model_dir = Path(model_dir)
    split = read_record(model_dir / SPLIT_FILE, Split)
    if split is None:
        raise TrainingError(f"{model_dir} has no {SPLIT_FILE}: train it with `kgsynth train` first")
    model, tokenizer = load_finetune(model_dir)
    by_id = {f.id: f for f in facts}
    sets = {"trained": split.train, "paraphrase": split.paraphrase, "control": split.control}
    scores = {}
    for name, part in sets.items():
        items = questions_of(rows, part.ids, by_id, cfg.questions_per_set)
        before, after = before_after(model, tokenizer, [i["question"] for i in items], cfg)
        scores[name] = score_set(items, before, after)
    general = general_items()
    before, after = before_after(model, tokenizer, [g["question"] for g in general], cfg)
    result = Evaluation(
        sets=scores,
        general=GeneralScore(
            questions=len(general),
            before=sum(general_correct(a, g["answers"]) for a, g in zip(before, general)) / len(general),
            after=sum(general_correct(a, g["answers"]) for a, g in zip(after, general)) / len(general),
        ),
    )
    write_record(model_dir / EVALUATION_FILE, result)
    write_card(model_dir)
    return result
