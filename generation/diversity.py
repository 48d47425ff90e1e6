"""The diversity report of a run: how varied the questions are, overall and within each fact."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations

from generation.aspects import coverage_report
from generation.records import Sample

TOKEN = re.compile(r"[\u4e00-\u9fff]|[^\W\u4e00-\u9fff]+")


def tokens(text: str) -> list[str]:
    """Words, or single characters for Chinese, lower-cased."""
    return TOKEN.findall(text.lower())


def distinct_2(texts: list[str]) -> float:
    """Distinct word bigrams over all bigrams: 1.0 when no two-word phrase repeats."""
    grams = [tuple(words[i : i + 2]) for words in map(tokens, texts) for i in range(len(words) - 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def diversity_report(samples: list[Sample]) -> dict:
    """Question types per fact, distinct-2 of the questions, mean pairwise similarity of a fact's questions, and
    per-entity aspect coverage."""
    questions: dict[str, list[str]] = defaultdict(list)
    types: dict[str, set[str]] = defaultdict(set)
    for sample in samples:
        seed = sample.fact_ids[0]
        questions[seed].extend(m.content for m in sample.messages if m.role == "user")
        if sample.kind == "qa":
            types[seed].add(sample.style.get("question_type", ""))
    words = [[set(tokens(q)) for q in qs] for qs in questions.values()]  # once per question, not once per pair
    pairs = [jaccard(a, b) for sets in words for a, b in combinations(sets, 2)]
    return {
        "samples": len(samples),
        "facts": len(questions),
        "question_types_per_fact": round(sum(map(len, types.values())) / len(types), 2) if types else 0.0,
        "distinct_2": round(distinct_2([q for qs in questions.values() for q in qs]), 3),
        "mean_pairwise_similarity": round(sum(pairs) / len(pairs), 3) if pairs else 0.0,
        "aspects": coverage_report(samples),
    }
