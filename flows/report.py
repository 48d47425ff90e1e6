"""The run report: one page per run (counts, stages, drops by reason, cost, diversity, judge scores, evaluation),
as markdown here and as HTML in report_html, built from the run's own files so a resumed run reports everything it holds, not only its last attempt."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from curation.records import Verdict
from flows.stages import run_samples
from flows.stats import StageStats, read_stats
from flows.workspace import read_jsonl
from generation.records import Sample
from kgraph.records import Document, Fact, Rejection
from training.card import evaluation_table
from training.records import EVALUATION_FILE, Evaluation, read_record

BINS = 5
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "requests", "cached", "cost_usd")


@dataclass
class Section:
    """One part of the report: a note, a table, or both; rendered as markdown here and as HTML in report_html."""

    title: str
    header: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    note: str = ""

    @property
    def anchor(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")

    def markdown(self) -> str:
        parts = [self.note] if self.note else []
        parts += [table(self.header, self.rows)] if self.header else []
        return f"## {self.title}\n\n" + "\n\n".join(parts)


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def distinct_n(texts: list[str], n: int) -> float:
    """Share of n-grams that are distinct across all texts (1.0: no phrase repeats)."""
    grams = [tuple(words[i : i + n]) for words in (t.lower().split() for t in texts) for i in range(len(words) - n + 1)]
    return round(len(set(grams)) / len(grams), 3) if grams else 0.0


def histogram(values: list[float]) -> list[int]:
    counts = [0] * BINS
    for value in values:
        counts[min(int(value * BINS), BINS - 1)] += 1
    return counts


def stage_section(stats: dict[str, StageStats]) -> Section:
    rows = [
        [s.stage, s.seen, s.kept, ", ".join(f"{k}: {v}" for k, v in s.dropped.items()) or "-", s.seconds]
        for s in stats.values()
    ]
    return Section("Stages", ["stage", "in", "kept", "dropped", "seconds"], rows)


def dropped_section(rejections: list[Rejection]) -> Section:
    unique = {(r.item_id, r.stage, r.reason, r.detail): r for r in rejections}.values()
    counts = Counter((r.stage, r.reason) for r in unique)
    if not counts:
        return Section("Dropped by reason", note="Nothing was dropped.")
    return Section(
        "Dropped by reason", ["stage", "reason", "count"], [[s, r, n] for (s, r), n in sorted(counts.items())]
    )


def cost_section(stats: dict[str, StageStats]) -> Section:
    """Usage the generation stage recorded; an offline run makes no paid calls."""
    generate = stats["generate"].counters if "generate" in stats else {}
    usage = {k: generate[k] for k in USAGE_KEYS if k in generate}
    usage.update(generate.get("usage", {}) if isinstance(generate.get("usage"), dict) else {})  # older runs' shape
    if not usage:
        return Section("Cost", note="No LLM usage recorded (offline generator, or nothing generated): cost $0.")
    return Section("Cost", ["metric", "value"], [[k, v] for k, v in usage.items()])


def diversity_section(samples: list[Sample]) -> Section:
    questions = [m.content for s in samples for m in s.messages if m.role == "user"]
    answers = [m.content for s in samples for m in s.messages if m.role == "assistant"]
    kinds = Counter(s.kind for s in samples)
    qtypes = Counter(s.style.get("question_type") for s in samples if s.kind == "qa")
    facts = {i for s in samples for i in s.fact_ids}
    rows = [
        ["samples by kind", ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) or "-"],
        ["QA by question type", ", ".join(f"{k}: {n}" for k, n in sorted(qtypes.items())) or "-"],
        ["facts covered", len(facts)],
        ["distinct-1 / distinct-2 of questions", f"{distinct_n(questions, 1)} / {distinct_n(questions, 2)}"],
        ["distinct-2 of answers", distinct_n(answers, 2)],
    ]
    return Section("Diversity", ["measure", "value"], rows)


def scores_section(verdicts: list[Verdict]) -> Section:
    if not verdicts:
        return Section("Judge scores", note="No samples were judged.")
    decisions = Counter(v.decision for v in verdicts)
    criteria = sorted({c for v in verdicts for c in v.scores})
    header = ["criterion"] + [f"{i / BINS:.1f}-{(i + 1) / BINS:.1f}" for i in range(BINS)]
    rows = [[c, *histogram([v.scores[c] for v in verdicts if c in v.scores])] for c in criteria]
    summary = ", ".join(f"{d}: {decisions[d]}" for d in ("accept", "flag", "reject"))
    return Section("Judge scores", header, rows, note=f"Decisions: {summary}")


def evaluation_section(model_dir: Path) -> Section:
    """Closed-book QA of the run's fine-tune before and after (the table its model card shows)."""
    evaluation = read_record(model_dir / EVALUATION_FILE, Evaluation)
    if evaluation is None:
        return Section("Evaluation", note=f"{model_dir.name} has not been evaluated.")
    header, rows = evaluation_table(evaluation)
    general = evaluation.general
    note = f"Fine-tune {model_dir.name}, closed-book QA before and after training." + (
        f" Everyday questions: {general.before:.1%} before, {general.after:.1%} after." if general else ""
    )
    return Section("Evaluation", header, rows, note)


def report_sections(run: Path, model_dir: Path | None = None) -> list[Section]:
    """Every part of one run's report, from the run folder (and the fine-tune's folder when it has one)."""
    stats = read_stats(run)
    samples = run_samples(run)
    verdicts = list({v.sample_id: v for v in read_jsonl(run / "verdicts.jsonl", Verdict)}.values())
    counts = [
        ["documents read", len(read_jsonl(run / "documents.jsonl", Document))],
        # facts.jsonl has each batch's facts: a fact found in two batches is on two lines
        ["facts extracted", len({f.id for f in read_jsonl(run / "facts.jsonl", Fact)})],
        ["samples generated", len(samples)],
        ["samples judged", len(verdicts)],
    ]
    sections = [
        Section("Counts", ["item", "count"], counts),
        stage_section(stats),
        dropped_section(read_jsonl(run / "rejections.jsonl", Rejection)),
        cost_section(stats),
        diversity_section(samples),
        scores_section(verdicts),
    ]
    return sections + ([evaluation_section(model_dir)] if model_dir and model_dir.exists() else [])


def build_report(run: Path, model_dir: Path | None = None) -> str:
    """Markdown for one run folder."""
    parts = [f"# kgsynth run {run.name}", *(section.markdown() for section in report_sections(run, model_dir))]
    return "\n\n".join(parts) + "\n"
