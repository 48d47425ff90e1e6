"""The dataset card beside the export (parsed back by huggingface_hub and loaded through its configs by `datasets`),
and `kgsynth export --push-to-hub`: the dry run offline, a push without a token, a push to an unreachable Hub."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import make_sample

from curation.records import Verdict
from flows.config import KgsynthConfig
from flows.stages import export_workspace
from flows.workspace import Workspace, write_jsonl
from generation.records import GeneratorInfo, Sample
from kgraph.records import Document, Evidence, Rejection
from training.dataset_card import size_category
from training.export import ExportConfig
from training.hub import human_size

ROOT = Path(__file__).resolve().parents[2]
GEN = GeneratorInfo(provider="offline", model="templates", prompt_version="v7")


def sample(question: str, answer: str, domain: str) -> Sample:
    evidence = [Evidence(doc_id="d1", sentence=answer, start=0, end=len(answer))]
    return make_sample(
        question, answer, evidence=evidence, style={"question_type": "object"}, generator=GEN, domain=domain
    )


@pytest.fixture()
def workspace(tmp_path) -> Workspace:
    """Two runs' worth of files: documents of both domains, verdicts, drops, and three accepted samples."""
    ws = Workspace(tmp_path / "clinic-ws").create()
    accepted = [
        sample("What does metformin lower?", "Metformin lowers blood glucose.", "medical"),
        sample("What does warfarin prevent?", "Warfarin prevents clots.", "medical"),
        sample("Who may terminate the agreement?", "Either party may terminate the agreement.", "legal"),
    ]
    first, second = ws.new_run(), ws.new_run()
    write_jsonl(
        first / "documents.jsonl",
        [Document(id="d1", path="/home/ana/corpus/medical/metformin.txt", text="x", domain="medical")],
    )
    write_jsonl(
        second / "documents.jsonl",
        [Document(id="d2", path="/home/ana/corpus/legal/termination.txt", text="y", domain="legal")],
    )
    write_jsonl(ws.accepted, accepted)
    verdicts = [Verdict(sample_id=s.id, scores={}, decision="accept", judge="offline-rules-v3") for s in accepted]
    verdicts += [
        Verdict(sample_id="s-flag", scores={}, decision="flag", reasons=["weak_grounding"], judge="offline-rules-v3"),
        Verdict(sample_id="s-bad", scores={}, decision="reject", reasons=["ungrounded"], judge="offline-rules-v3"),
    ]
    write_jsonl(first / "verdicts.jsonl", verdicts[:3])
    write_jsonl(second / "verdicts.jsonl", verdicts[3:])
    ungrounded = Rejection(item_id="s-bad", stage="judge", reason="ungrounded")
    write_jsonl(second / "rejections.jsonl", [ungrounded, ungrounded])  # a batch redone after a kill
    write_jsonl(first / "rejections.jsonl", [Rejection(item_id="s-dup", stage="dedup", reason="near_duplicate")])
    return ws


def test_card_parses_with_huggingface_hub_and_holds_the_runs_figures(workspace):
    from huggingface_hub import DatasetCard

    export_workspace(workspace)
    card = DatasetCard.load(workspace.export / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "other" and data["language"] == ["en"] and data["pretty_name"] == "kgsynth clinic-ws"
    assert data["task_categories"] == ["question-answering", "text-generation"]
    assert data["size_categories"] == ["n<1K"]
    assert {"medical", "legal", "synthetic"} <= set(data["tags"])
    meta = data["kgsynth"]
    assert meta["samples"] == 3 and meta["kinds"] == {"qa": 3}
    assert meta["generators"] == [{"provider": "offline", "model": "templates", "prompt_version": "v7", "samples": 3}]
    assert meta["judges"] == ["offline-rules-v3"]
    assert meta["quality"]["decisions"] == {"accept": 3, "flag": 1, "reject": 1}
    assert meta["quality"]["dropped"] == {"dedup": {"near_duplicate": 1}, "judge": {"ungrounded": 1}}
    assert meta["sources"] == [  # under the corpus folder: no local folder goes to the Hub
        {"path": "legal/termination.txt", "domain": "legal"},
        {"path": "medical/metformin.txt", "domain": "medical"},
    ]
    assert "| judge | ungrounded | 1 |" in card.text and 'load_dataset("json"' in card.text
    assert "License: not set (`other`)" in card.text and "kgsynth_sharegpt" in card.text


def test_card_configs_load_with_datasets_and_the_license_comes_from_the_config(workspace):
    from datasets import load_dataset
    from huggingface_hub import DatasetCard

    export_workspace(workspace, KgsynthConfig(export=ExportConfig(license="cc-by-4.0", pretty_name="Clinic QA")))
    card = DatasetCard.load(workspace.export / "README.md")
    assert card.data.license == "cc-by-4.0" and card.data.pretty_name == "Clinic QA"
    assert "License: `cc-by-4.0`" in card.text
    sharegpt = load_dataset(str(workspace.export), "sharegpt", split="train")
    messages = load_dataset("arrow", data_files=str(workspace.export / "hf" / "*.arrow"), split="train")
    alpaca = load_dataset("json", data_files=str(workspace.export / "alpaca.json"), split="train")
    assert len(sharegpt) == len(messages) == len(alpaca) == 3
    assert messages[0]["messages"][0]["role"] == "user" and sharegpt[0]["conversations"][0]["from"] == "human"


def test_size_categories_follow_the_hubs_buckets():
    assert [size_category(n) for n in (0, 999, 1000, 54_321, 2_000_000)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "n>1M",
    ]


def kgsynth(ws: Workspace, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The command as a user runs it, with no Hugging Face login: HF_HOME in the workspace, no HF_TOKEN."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    return subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", "export", "--workspace", str(ws.root), *args],
        cwd=ROOT,
        env={**clean, "HF_HOME": str(ws.root / "hf-home"), "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
def test_dry_run_lists_the_files_and_the_repo_offline(workspace):
    done = kgsynth(workspace, "--push-to-hub", "someone/clinic-qa", "--dry-run", HF_HUB_OFFLINE="1")
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    assert "would upload 7 files to the dataset repo someone/clinic-qa:" in out and "push (dry run)" in out
    lines = out.splitlines()
    for name in ("README.md", "sharegpt.json", "alpaca.json", "dataset_info.json", "hf/dataset_info.json"):
        size = (workspace.export / name).stat().st_size
        assert any(line.split() == [name, *human_size(size).split()] for line in lines), (name, out)


@pytest.mark.slow
def test_push_without_a_token_is_one_line_and_exit_code_2(workspace):
    done = kgsynth(workspace, "--push-to-hub", "someone/clinic-qa")
    assert done.returncode == 2, done.stderr
    assert "no Hugging Face token" in done.stderr and "HF_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_push_to_an_unreachable_hub_and_bad_arguments_are_one_line(workspace):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = kgsynth(
        workspace, "--push-to-hub", "someone/clinic-qa", HF_TOKEN="hf_x", HF_ENDPOINT=f"http://127.0.0.1:{port}"
    )
    assert done.returncode == 2 and "pushing to someone/clinic-qa failed" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    done = kgsynth(workspace, "--dry-run")
    assert done.returncode == 2 and "--push-to-hub USER/NAME" in done.stderr
    done = kgsynth(workspace, "--push-to-hub", "no slash here", "--dry-run")
    assert done.returncode == 2 and "no Hub repository id" in done.stderr
