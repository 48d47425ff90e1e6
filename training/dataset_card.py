"""The dataset card (export/README.md): YAML metadata built by huggingface_hub, so the Hub and `datasets` read it,
and a short body that says what each file is and how to load it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from generation.records import Sample
from training.export import UNKNOWN_LICENSE, ExportConfig

SIZE_CATEGORIES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")]


def size_category(count: int) -> str:
    """The Hub's size bucket for a number of rows."""
    for limit, name in SIZE_CATEGORIES:
        if count < limit:
            return name
    return "n>1M"


def generators(samples: list[Sample]) -> list[dict]:
    """Who wrote the samples: provider, model and prompt version, with how many samples each."""
    counts = Counter((s.generator.provider, s.generator.model, s.generator.prompt_version) for s in samples)
    return [{"provider": p, "model": m, "prompt_version": v, "samples": n} for (p, m, v), n in sorted(counts.items())]


def card_data(samples: list[Sample], quality: dict, sources: list[dict], cfg: ExportConfig, name: str):
    """DatasetCardData for the export. `quality`: judges, decisions, reviews and drops by stage and reason;
    `sources`: the documents read, each {path, domain}."""
    from huggingface_hub import DatasetCardData

    languages = sorted({s.lang for s in samples})
    domains = sorted({s.domain for s in samples} - {"general"})
    return DatasetCardData(
        pretty_name=cfg.pretty_name or name,
        license=cfg.license,
        language=languages,
        multilinguality="monolingual" if len(languages) == 1 else "multilingual",
        task_categories=["question-answering", "text-generation"],
        size_categories=[size_category(len(samples))],
        annotations_creators=["machine-generated"] + (["expert-generated"] if quality.get("reviews") else []),
        language_creators=["machine-generated"],
        source_datasets=["original"],
        tags=["synthetic", "kgsynth", "knowledge-graph", "sft", *domains],
        # One config per file, so the Hub's viewer and `load_dataset(REPO, NAME)` never mix the two layouts (hf/
        # holds Arrow files, which one repository's configs cannot mix with JSON: it is loaded by path instead).
        configs=[
            {"config_name": "sharegpt", "data_files": "sharegpt.json", "default": True},
            {"config_name": "alpaca", "data_files": "alpaca.json"},
        ],
        kgsynth={
            "samples": len(samples),
            "kinds": dict(sorted(Counter(s.kind for s in samples).items())),
            "generators": generators(samples),
            "judges": quality.get("judges", []),
            "quality": {k: v for k, v in quality.items() if k != "judges"},
            "sources": sources,
        },
    )


def files_section() -> list[str]:
    return [
        "| file | what it is |",
        "|---|---|",
        "| `sharegpt.json` | conversations (`from`: human/gpt/system, `value`) with `kind`, `question_type`, "
        "`fact_ids`, `evidence` |",
        "| `alpaca.json` | `instruction`, `input`, `output`, `system`, `history` (earlier turns), same provenance |",
        "| `dataset_info.json` | LLaMA-Factory's entries `kgsynth_sharegpt` and `kgsynth_alpaca`, with sha1 |",
        "| `hf/` | the same rows as a `datasets` folder (`save_to_disk`): a `messages` column in the OpenAI/TRL "
        "chat layout |",
        "| `README.md` | this card |",
    ]


def loading_section() -> list[str]:
    return [
        "```python",
        "from datasets import load_dataset, load_from_disk",
        "",
        'rows = load_dataset("json", data_files="sharegpt.json", split="train")  # or alpaca.json',
        'rows = load_dataset("USER/REPO", "alpaca", split="train")  # from the Hub: sharegpt (default) or alpaca',
        'chat = load_from_disk("hf")  # the messages layout, locally; from the Hub:',
        '# chat = load_dataset("arrow", data_files="hf://datasets/USER/REPO/hf/*.arrow", split="train")',
        "",
        "# TRL: the messages column is its conversational format",
        "from trl import SFTConfig, SFTTrainer",
        'trainer = SFTTrainer(model="Qwen/Qwen2.5-0.5B-Instruct", train_dataset=chat.select_columns(["messages"]),',
        '                     args=SFTConfig(output_dir="out", assistant_only_loss=True))',
        "```",
        "",
        "LLaMA-Factory: point `dataset_dir` at this folder and name `dataset: kgsynth_sharegpt` (or `kgsynth_alpaca`)",
        "in the training YAML; `dataset_info.json` declares both.",
    ]


def quality_section(quality: dict) -> list[str]:
    decisions = quality.get("decisions", {})
    lines = [
        f"Judged by {', '.join(quality.get('judges', [])) or '(no judge recorded)'}: "
        + ", ".join(f"{d} {decisions.get(d, 0)}" for d in ("accept", "flag", "reject"))
        + ". Flagged samples enter the export only when a person accepts them.",
    ]
    if quality.get("reviews"):
        lines.append("People's latest decisions: " + ", ".join(f"{k} {v}" for k, v in quality["reviews"].items()))
    dropped = quality.get("dropped", {})
    if dropped:
        lines += ["", "| stage | reason | dropped |", "|---|---|---|"]
        lines += [
            f"| {stage} | {reason} | {n} |" for stage, reasons in dropped.items() for reason, n in reasons.items()
        ]
    return lines


def card_text(samples: list[Sample], quality: dict, sources: list[dict], cfg: ExportConfig, name: str) -> str:
    """The whole README.md: YAML header, then the body."""
    data = card_data(samples, quality, sources, cfg, name)
    gens = "; ".join(f"{g['provider']}/{g['model']} (prompts {g['prompt_version']}: {g['samples']} samples)" for g in
                     generators(samples))  # fmt: skip
    license_note = (
        ["", f"License: `{cfg.license}`."]
        if cfg.license != UNKNOWN_LICENSE
        else [
            "",
            "License: not set (`other`). The samples restate your source documents, so their terms apply: set",
            '`[export] license = "..."` in kgsynth.toml once you know them.',
        ]
    )
    lines = [
        "---",
        data.to_yaml().strip(),
        "---",
        f"# {data.pretty_name}",
        "",
        f"{len(samples)} question-answer samples and dialogues that kgsynth wrote from a knowledge graph of facts",
        f"extracted from {len(sources)} source documents. Generated by {gens or '-'}. Every row keeps the ids of",
        "its facts and the source sentences (`evidence`), so each answer can be traced to the text it restates.",
        *license_note,
        "",
        "## Files",
        "",
        *files_section(),
        "",
        "## Loading",
        "",
        *loading_section(),
        "",
        "## Quality",
        "",
        *quality_section(quality),
        "",
        "## Sources",
        "",
        *([f"- {s['path']} ({s['domain']})" for s in sources] or ["- (not recorded)"]),
        "",
        "Machine-generated text: check it against the sources before relying on it.",
    ]
    return "\n".join(lines) + "\n"


def write_dataset_card(
    export_dir: Path, samples: list[Sample], quality: dict, sources: list[dict], cfg: ExportConfig, name: str
) -> Path:
    path = Path(export_dir) / "README.md"
    path.write_text(card_text(samples, quality, sources, cfg, name), encoding="utf-8")
    return path
