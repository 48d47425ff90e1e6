"""The offline judge on planted faults written by the team: answers that contradict the evidence, invent claims,
or omit the fact, beside faithful answers to the same questions."""

import json
from pathlib import Path

from curation.judge import JudgeConfig, judge_offline
from generation.records import GeneratorInfo, Message, Sample
from kgraph.records import Evidence, Fact

PLANTED = Path(__file__).parent / "data" / "planted_faults.jsonl"
GEN = GeneratorInfo(provider="test", model="m", prompt_version="v1")


def planted_cases() -> tuple[list[Sample], dict[str, Fact], dict[str, str]]:
    samples, facts, faults = [], {}, {}
    for n, row in enumerate(json.loads(line) for line in PLANTED.read_text(encoding="utf-8").splitlines()):
        evidence = [Evidence(doc_id="d", sentence=row["evidence"], start=0, end=len(row["evidence"]))]
        fact = Fact(
            id=f"f{row['fact']}",
            subject=row["subject"],
            relation=row["relation"],
            object=row["object"],
            evidence=evidence,
        )
        messages = [Message(role="user", content=row["question"]), Message(role="assistant", content=row["answer"])]
        sample = Sample(id=f"s{n}", kind="qa", messages=messages, fact_ids=[fact.id], evidence=evidence, generator=GEN)
        samples.append(sample)
        facts[fact.id] = fact
        faults[sample.id] = row["fault"]
    return samples, facts, faults


def catch_rates(cfg: JudgeConfig) -> dict[str, float]:
    samples, facts, faults = planted_cases()
    caught = {v.sample_id for v in judge_offline(samples, facts, cfg) if v.decision != "accept"}
    faulty = {i for i, fault in faults.items() if fault != "none"}
    rates = {"recall": len(caught & faulty) / len(faulty), "precision": len(caught & faulty) / max(len(caught), 1)}
    for kind in ("contradict", "invent", "omit"):
        ids = {i for i, fault in faults.items() if fault == kind}
        rates[kind] = len(caught & ids) / len(ids)
    return rates


def test_offline_judge_catches_planted_faults():
    rates = catch_rates(JudgeConfig(audit_share=0))
    assert rates["recall"] >= 0.9 and rates["precision"] >= 0.8, rates
    assert min(rates["contradict"], rates["invent"], rates["omit"]) >= 0.8, rates
