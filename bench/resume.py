"""The loop after training, measured: a first fine-tune, one `kgsynth generate --focus-missed` round (curated and
exported), then `kgsynth train --resume` with the replay share and the general mix beside the same resume with
neither (the baseline: the forgetting the replay is there to prevent), both from copies of the same first version.
Prints accuracy before -> after on the same questions: the missed facts, the other trained facts, the control
facts and the everyday questions (word recall in brackets).

    python bench/resume.py CORPUS [--workspace WS] [--max-steps 300] [--base-model PATH]

Without --base-model the workspace's tiny random model is trained (offline, CPU)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("missed", "rest", "control", "general")


def kgsynth(*args: object) -> None:
    """One `kgsynth` command in its own process, as a user would run it."""
    command = [sys.executable, "-c", "from flows.cli import main; main()", *map(str, args), "--quiet"]
    subprocess.run(command, cwd=ROOT, check=True)


def cell(row: dict) -> str:
    if row["before"] is None:
        return "-"
    text = f"{row['before']:.0%} -> {row['after']:.0%}"
    if row.get("recall_before") is not None:
        text += f" ({row['recall_before']:.2f} -> {row['recall_after']:.2f})"
    return f"{text}, n={row['questions']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--workspace", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--max-steps", type=int, default=300, help="steps of the first fine-tune")
    parser.add_argument("--base-model", default=None)
    args = parser.parse_args()
    ws = args.workspace or Path(tempfile.mkdtemp(prefix="kgsynth-bench-resume-"))
    for stage in ("extract", "generate", "curate", "export"):
        kgsynth(stage, *([args.corpus.resolve()] if stage == "extract" else []), "--workspace", ws)
    base = ["--base-model", args.base_model] if args.base_model else []
    kgsynth("train", "--workspace", ws, "--name", "replay", "--max-steps", args.max_steps, *base)
    shutil.copytree(ws / "models" / "replay", ws / "models" / "alone")  # the same first version, twice
    for stage in ("generate", "curate", "export"):
        kgsynth(stage, "--workspace", ws, *(["--focus-missed", "--name", "replay"] if stage == "generate" else []))
    kgsynth("train", "--workspace", ws, "--resume", "--name", "replay")
    alone = ws / "alone.toml"
    alone.write_text("[train]\nreplay_ratio = 0.0\ngeneral_ratio = 0.0\n", encoding="utf-8")
    kgsynth("train", "--workspace", ws, "--resume", "--name", "alone", "--config", alone)
    runs = {
        "baseline: new rows only": json.loads((ws / "models" / "alone-v2" / "resume.json").read_text()),
        "replay 0.5 + general 0.2": json.loads((ws / "models" / "replay-v2" / "resume.json").read_text()),
    }
    print(f"\nworkspace {ws}; {len(runs['baseline: new rows only']['missed_facts'])} missed facts")
    print("| resume | " + " | ".join(GROUPS) + " |")
    print("|---|" + "---|" * len(GROUPS))
    for label, result in runs.items():
        print(f"| {label} | " + " | ".join(cell(result[g]) for g in GROUPS) + " |")


if __name__ == "__main__":
    main()
