"""The JSON files training keeps beside an adapter (split.json, metrics.json, evaluation.json) and in the workspace
(fact_quota.json), as pydantic models: the writer validates what it writes, and a reader of a hand-edited or truncated
file gets one line naming the file and the field, not a KeyError far away."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SPLIT_FILE = "split.json"
METRICS_FILE = "metrics.json"
EVALUATION_FILE = "evaluation.json"

M = TypeVar("M", bound=BaseModel)


class TrainingFileError(ValueError):
    """A training file that is not what kgsynth wrote; the message names the file, the field and what to do."""


def read_record(path: Path, model: type[M]) -> M | None:
    """The file as `model`, or None when there is no file."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise TrainingFileError(
            f"{path} is not a valid {model.__name__} ({where}: {first['msg']}): write it again with the command that "
            "made it (`kgsynth train`, `kgsynth evaluate` or `kgsynth probe`)"
        ) from err


def write_record(path: Path, record: BaseModel) -> None:
    """Written aside and renamed, so a kill leaves the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record.model_dump(mode="json"), indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


class SplitPart(BaseModel):
    samples: int = Field(default=0, ge=0)
    facts: int = Field(default=0, ge=0)
    ids: list[str] = Field(default_factory=list)


class Split(BaseModel):
    """split.json: which samples an SFT run trained on and which it held out, so `kgsynth evaluate` asks the same
    questions later and curation keeps them out of later training data."""

    model_config = ConfigDict(extra="forbid")

    train: SplitPart = Field(default_factory=SplitPart)
    paraphrase: SplitPart = Field(default_factory=SplitPart, description="paraphrases of trained facts")
    control: SplitPart = Field(default_factory=SplitPart, description="questions on facts never trained on")
    excluded: SplitPart = Field(default_factory=SplitPart, description="dialogues touching both")
    resume: SplitPart = Field(default_factory=SplitPart, description="rows `train --resume` added for missed facts")

    def evaluation_ids(self) -> set[str]:
        """The ids evaluation asks about: the paraphrases and the control questions."""
        return {*self.paraphrase.ids, *self.control.ids}

    def held_out_ids(self) -> set[str]:
        """Every id the run did not train on."""
        return self.evaluation_ids() | set(self.excluded.ids)

    def counts(self) -> dict[str, dict[str, int]]:
        """Samples and facts per part, without the ids (metrics.json and the model card)."""
        return {name: part.model_dump(exclude={"ids"}) for name, part in self}


class Metrics(BaseModel):
    """metrics.json: how an adapter was trained. The fields every reader needs are typed; each method adds its own
    figures (SFT: split, kinds, held-out losses; DPO: margins; CPT: passages), kept as extra fields."""

    model_config = ConfigDict(extra="allow")

    method: Literal["sft", "dpo", "cpt"] = "sft"  # SFT adapters written before DPO and CPT existed name none
    base_model: str
    config: dict[str, Any]
    steps: int = Field(ge=0)
    losses: list[float] = Field(default_factory=list)
    first_loss: float | None = None
    last_loss: float | None = None
    seconds: float = 0.0
    device: str = ""


class QuestionResult(BaseModel):
    """One evaluation question: whether the answer matched before and after training (resume reads the misses)."""

    fact_id: str
    question: str
    before: bool
    after: bool
    recall_after: float = 0.0


class SetScore(BaseModel):
    """Closed-book QA of one question set before and after training."""

    questions: int = Field(ge=0)
    before: float
    after: float
    majority: float
    recall_before: float
    recall_after: float
    grounding_before: float
    grounding_after: float
    examples: list[dict[str, str]] = Field(default_factory=list)
    items: list[QuestionResult] = Field(default_factory=list)  # empty in evaluations written before `--resume`


class GeneralScore(BaseModel):
    """Everyday questions: how much general ability the fine-tune kept."""

    questions: int = Field(ge=0)
    before: float
    after: float


class Evaluation(BaseModel):
    """evaluation.json: closed-book QA per set (trained, paraphrase, control) and the general check."""

    sets: dict[str, SetScore]
    general: GeneralScore | None = None


class FactQuota(BaseModel):
    """WS/state/fact_quota.json: the share of the usual samples each fact gets (facts the base model already knows
    get less), and the probe's per-fact results it came from."""

    quota: dict[str, Annotated[float, Field(ge=0, le=1)]]
    probe: list[dict[str, Any]] = Field(default_factory=list)
