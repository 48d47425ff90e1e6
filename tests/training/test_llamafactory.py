"""The export loads in LLaMA-Factory: its own dataset_info parser and format converters read our files.

llamafactory's pins (transformers<=5.6, datasets<=4.0, peft<=0.18) clash with ours, so it is installed with
--no-deps (see the Makefile). Its `llamafactory.data` package __init__ pulls in the multimodal plugins (torchaudio,
which is not installed), so the test registers that package by path and imports only the parser and converter
modules, which are LLaMA-Factory's real code."""

import importlib.util
import json
import sys
import types

import pytest
from fakes import make_sample
from test_export import EVIDENCE, OBJECT

from training.export import export_samples

pytest.importorskip("llamafactory", reason="pip install -c constraints.txt --no-deps llamafactory")


@pytest.fixture(scope="module")
def llamafactory_data():
    """LLaMA-Factory's dataset parser and converter modules, without the multimodal imports of their package."""
    root = importlib.util.find_spec("llamafactory").submodule_search_locations[0]
    for name in ("data", "hparams"):
        package = types.ModuleType(f"llamafactory.{name}")
        package.__path__ = [f"{root}/{name}"]
        sys.modules.setdefault(f"llamafactory.{name}", package)
    from llamafactory.data import converter, parser
    from llamafactory.hparams.data_args import DataArguments

    return parser, converter, DataArguments


SYSTEM = ("system", "You answer as a pharmacologist.")
QA = make_sample("What does metformin lower?", "Glucose.", evidence=EVIDENCE, style=OBJECT)
DIALOGUE = make_sample(
    SYSTEM, ("user", "Hi?"), ("assistant", "Hello."), ("user", "And metformin?"), ("assistant", "It lowers glucose."),
    evidence=EVIDENCE, style=OBJECT,
)  # fmt: skip


def align(llamafactory_data, folder, name, samples):
    """Load one exported file the way LLaMA-Factory does: dataset_info.json entry, JSON loader, converter."""
    from datasets import load_dataset
    from transformers import Seq2SeqTrainingArguments

    parser, converter, DataArguments = llamafactory_data
    export_samples(samples, folder)
    (attr,) = parser.get_dataset_list([name], str(folder))
    data = load_dataset("json", data_files=str(folder / attr.dataset_name), split="train")
    data_args = DataArguments(dataset_dir=str(folder), preprocessing_num_workers=None)
    training_args = Seq2SeqTrainingArguments(output_dir=str(folder / "out"))
    return sorted(converter.align_dataset(data, attr, data_args, training_args), key=lambda r: len(r["_prompt"]))


@pytest.mark.parametrize("name", ["kgsynth_sharegpt", "kgsynth_alpaca"])
def test_export_converts_with_llamafactory(tmp_path, llamafactory_data, name):
    (plain,) = align(llamafactory_data, tmp_path / "plain", name, [QA])  # no row has a system prompt
    assert plain["_prompt"] == [{"role": "user", "content": "What does metformin lower?"}]
    assert plain["_response"] == [{"role": "assistant", "content": "Glucose."}] and plain["_system"] == ""
    qa, dialogue = align(llamafactory_data, tmp_path / "mixed", name, [QA, DIALOGUE])
    assert qa["_system"] == "" and dialogue["_system"] == SYSTEM[1]
    assert [m["content"] for m in dialogue["_prompt"]] == ["Hi?", "Hello.", "And metformin?"]
    assert dialogue["_response"] == [{"role": "assistant", "content": "It lowers glucose."}]


def test_declared_columns_are_in_every_row(tmp_path):
    export_samples([make_sample("Q?", "A.", evidence=EVIDENCE, style=OBJECT)], tmp_path)
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    for entry in info.values():
        rows = json.loads((tmp_path / entry["file_name"]).read_text())
        assert all(column in row for row in rows for column in entry["columns"].values())
