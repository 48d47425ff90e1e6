"""Reasoning samples for trainers (`[generation] reasoning`): each accepted sample that carries reasoning, its last
answer preceded by the steps in a <think> block, as TRL conversational JSONL that LLaMA-Factory reads too.

Why a <think> block in the content rather than TRL's `reasoning_content` field: the chat templates that render
`reasoning_content` (Qwen3, GLM-4-MoE, Nemotron, DeepSeek-R1 in TRL 1.16) also split a leading <think> block off the
content into the same place, so they train on the same tokens either way, while the others (Llama 3, SmolLM2, Phi-3)
would drop a `reasoning_content` field without a word; and LLaMA-Factory reads only role and content, with its
reasoning templates taking the block out again under `enable_thinking: false`."""

from __future__ import annotations

import re
from pathlib import Path

from curation.claims import cites_source
from curation.judge import JudgeConfig, closed_book, grounding
from generation.records import Sample
from kgraph.records import Fact, Rejection
from training.export import add_dataset_info, provenance, sha1_of, write_rows

REASONING_FILE, REJECTIONS_FILE = "reasoning.jsonl", "reasoning_rejections.jsonl"
# LLaMA-Factory's thought words for its reasoning templates (qwen3, ...), so `enable_thinking: false` finds the block.
THOUGHT_OPEN, THOUGHT_CLOSE = "<think>\n", "\n</think>\n\n"
THOUGHT = re.compile(rf"^{re.escape(THOUGHT_OPEN)}(.*?){re.escape(THOUGHT_CLOSE)}", re.DOTALL)


def with_thought(reasoning: list[str], answer: str) -> str:
    """The answer after its reasoning steps, one per line, in a <think> block."""
    return THOUGHT_OPEN + "\n".join(reasoning) + THOUGHT_CLOSE + answer


def without_thought(content: str) -> str:
    """The plain answer again: what a trainer that drops the reasoning keeps."""
    return THOUGHT.sub("", content, count=1)


def reasoning_row(sample: Sample) -> dict:
    """TRL's conversational language-modeling row: the messages, the last answer carrying the reasoning."""
    *earlier, last = sample.messages
    messages = [{"role": m.role, "content": m.content} for m in earlier]
    messages.append({"role": last.role, "content": with_thought(sample.reasoning, last.content)})
    return {"id": sample.id, "messages": messages, **provenance(sample)}


def reasoning_problem(sample: Sample, facts: list[Fact], cfg: JudgeConfig) -> str | None:
    """Why the sample's reasoning may not be trained on, or None. The judge scored the answer; the steps get the
    closed-book rule and the grounding floor too (the conclusion restates the judged answer, so only the fact steps
    are measured): an LLM may reason from what the facts do not say."""
    if not sample.reasoning:
        return "no_reasoning"
    if closed_book(sample) and cites_source(sample.reasoning):
        return "reasoning_cites_source"
    steps = sample.reasoning[:-1] or sample.reasoning
    if not facts or grounding(" ".join(steps), facts) < cfg.reject_grounding:
        return "ungrounded_reasoning"
    return None


def checked_reasoning(
    samples: list[Sample], facts: dict[str, Fact], cfg: JudgeConfig
) -> tuple[list[Sample], list[Rejection]]:
    """The samples whose reasoning passes, and a Rejection for each of the rest (dialogues have none)."""
    kept, rejections = [], []
    for sample in sorted(samples, key=lambda s: s.id):
        problem = reasoning_problem(sample, [facts[i] for i in sample.fact_ids if i in facts], cfg)
        if problem:
            rejections.append(Rejection(item_id=sample.id, stage="reasoning", reason=problem, detail=sample.kind))
        else:
            kept.append(sample)
    return kept, rejections


def reasoning_entry(export_dir: Path) -> dict:
    """LLaMA-Factory's dataset_info.json entry for reasoning.jsonl (OpenAI-style messages)."""
    return {
        "kgsynth_reasoning": {
            "file_name": REASONING_FILE,
            "file_sha1": sha1_of(Path(export_dir) / REASONING_FILE),
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }
    }


def write_reasoning(samples: list[Sample], export_dir: Path) -> int:
    """reasoning.jsonl and its dataset_info.json entry; the number of rows."""
    export_dir = Path(export_dir)
    rows = [reasoning_row(s) for s in samples]
    write_rows(export_dir / REASONING_FILE, rows)
    add_dataset_info(export_dir, reasoning_entry(export_dir))
    return len(rows)
