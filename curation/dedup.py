"""Near-duplicate removal: bulk MinHash signatures, LSH banding for the threshold, candidates confirmed by
estimated Jaccard, against the same batch and an index kept across runs (a workspace file, or Redis)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from curation.dedup_config import DedupConfig
from curation.minhash import UNSPACED, Sketches, band_keys, bands, confirm, shingle_unit, sketch
from generation.records import Sample
from kgraph.records import Rejection

NEIGHBOURS = 16  # per band, a signature is compared with this many earlier ones with the same key (and the first)


def sample_text(sample: Sample) -> str:
    """The text compared for duplicates: the whole conversation."""
    return "\n".join(m.content for m in sample.messages)


def text_sketches(texts: list[str], cfg: DedupConfig) -> Sketches:
    """Sketches of texts with the configured shingles; in auto mode Chinese/Japanese texts get character n-grams."""
    units = [cfg.shingle] * len(texts)
    if cfg.shingle == "auto":
        mixed = any(UNSPACED.search(t) for t in texts)
        units = [shingle_unit(t, "auto") if mixed else "word" for t in texts]
    parts, rows = [], []
    for unit, n in (("word", cfg.ngram), ("char", cfg.char_ngram)):
        picked = [i for i, u in enumerate(units) if u == unit]
        if picked:
            parts.append(sketch([texts[i] for i in picked], cfg.num_perm, n, unit))
            rows.extend(picked)
    if len(parts) == 1:
        return parts[0]
    return Sketches.concat(parts).take(np.argsort(rows)) if parts else Sketches.empty(cfg.num_perm)


def same_key_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(earlier, later) row pairs that share a band key: each row meets its group's first row and its nearest
    NEIGHBOURS predecessors, so even a large group of copies costs linear time."""
    earlier, later = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    rows = np.arange(len(keys))
    for band in keys.T:
        order = np.argsort(band, kind="stable")
        sorted_keys = band[order]
        new_group = np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]])
        leader = order[np.maximum.accumulate(np.where(new_group, rows, 0))]
        earlier.append(leader[~new_group])
        later.append(order[~new_group])
        for d in range(2, NEIGHBOURS + 1):
            same = sorted_keys[d:] == sorted_keys[:-d]
            earlier.append(order[:-d][same])
            later.append(order[d:][same])
    return unique_pairs(np.concatenate(earlier), np.concatenate(later), len(keys))


def unique_pairs(left: np.ndarray, right: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs without repeats (a pair found in several bands is confirmed once)."""
    code = np.unique(left.astype(np.int64) * max(size, 1) + right)
    return code // max(size, 1), code % max(size, 1)


class LocalIndex:
    """Sketches and band keys of every kept sample, in numpy, saved as one .npz file in the workspace."""

    def __init__(self, threshold: float, num_perm: int):
        self.threshold = threshold
        self.b, self.r = bands(threshold, num_perm)
        self.ids: list[str] = []
        self.sketches = Sketches.empty(num_perm)
        self.keys = np.zeros((0, self.b), dtype=np.uint64)
        self._sorted: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._known: set[str] | None = None

    def contains(self, ids: list[str]) -> list[bool]:
        """Which ids the index already holds."""
        if self._known is None:
            self._known = set(self.ids)
        return [i in self._known for i in ids]

    def matches(self, sketches: Sketches) -> list[tuple[int, str, float]]:
        """(row, stored id, similarity) for rows near a stored sample, confirmed at the threshold."""
        if not self.ids or not len(sketches):
            return []
        if self._sorted is None:
            orders = [np.argsort(band, kind="stable") for band in self.keys.T]
            self._sorted = [(order, band[order]) for order, band in zip(orders, self.keys.T)]
        rows, stored = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for (order, sorted_keys), band in zip(self._sorted, band_keys(sketches.sigs, self.b, self.r).T):
            left = np.searchsorted(sorted_keys, band, side="left")
            count = np.minimum(np.searchsorted(sorted_keys, band, side="right") - left, NEIGHBOURS)
            row = np.repeat(np.arange(len(sketches)), count)
            rank = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
            rows.append(row)
            stored.append(order[left[row] + rank])
        row, stored = unique_pairs(np.concatenate(rows), np.concatenate(stored), len(self.ids))
        similarity = confirm(sketches, row, self.sketches, stored, self.threshold)
        near = similarity >= self.threshold
        return [(int(q), self.ids[s], float(j)) for q, s, j in zip(row[near], stored[near], similarity[near])]

    def add(self, ids: list[str], sketches: Sketches) -> None:
        """Index kept samples so later batches and runs find them."""
        self.ids.extend(ids)
        self.sketches = Sketches.concat([self.sketches, sketches])
        self.keys = np.concatenate([self.keys, band_keys(sketches.sigs, self.b, self.r)])
        self._sorted = self._known = None


def index_path(state: Path) -> Path:
    return Path(state) / "dedup.npz"


def load_index(state: Path, cfg: DedupConfig):
    """The index of every earlier run: in Redis when a URL is configured, else the workspace's file (a new one when
    there is none or it was built with other settings)."""
    if cfg.redis_url:
        from curation.dedup_redis import RedisIndex

        return RedisIndex(cfg)
    index = LocalIndex(cfg.threshold, cfg.num_perm)
    path = index_path(state)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                if json.loads(str(data["settings"])) == cfg.index_settings():
                    index.ids, index.keys = data["ids"].tolist(), data["keys"]
                    index.sketches = Sketches(data["sigs"], data["values"], data["offsets"])
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise IndexDamaged(f"{path} is damaged ({type(err).__name__})") from None
    return index


class IndexDamaged(ValueError):
    """The dedup index file cannot be read; the caller rebuilds it from the samples it held."""


def rebuild_index(samples: list[Sample], state: Path, cfg: DedupConfig) -> LocalIndex:
    """A new local index over samples that earlier runs kept; the damaged file is kept aside for inspection."""
    path = index_path(state)
    if path.exists():
        path.replace(path.with_suffix(".npz.damaged"))
    index = LocalIndex(cfg.threshold, cfg.num_perm)
    unique = list({s.id: s for s in samples}.values())
    if unique:
        index.add([s.id for s in unique], text_sketches([sample_text(s) for s in unique], cfg))
    return index


def save_index(index, state: Path, cfg: DedupConfig) -> None:
    """Write the local index with the settings it was built with, atomically (Redis writes as it goes)."""
    if not isinstance(index, LocalIndex):
        return
    path = index_path(state)
    tmp = path.with_suffix(".tmp.npz")
    ids = np.array(index.ids, dtype=str) if index.ids else np.zeros(0, dtype="<U1")
    sk = index.sketches
    np.savez(
        tmp,
        settings=json.dumps(cfg.index_settings()),
        ids=ids,
        keys=index.keys,
        sigs=sk.sigs,
        values=sk.values,
        offsets=sk.offsets,
    )
    tmp.replace(path)


def find_duplicates(texts: list[str], ids: list[str], index, cfg: DedupConfig) -> tuple[list[int], dict[int, str]]:
    """Rows to keep, and for each dropped row the id of the kept sample it duplicates; rows whose id was seen
    before (in an earlier run, or earlier in this batch) are neither: they are not new work."""
    known = index.contains(ids)
    first_row: dict[str, int] = {}
    for row, sample_id in enumerate(ids):
        first_row.setdefault(sample_id, row)
    fresh = [row for row, sample_id in enumerate(ids) if not known[row] and first_row[sample_id] == row]
    if not fresh:
        return [], {}
    sketches = text_sketches([texts[row] for row in fresh], cfg)
    duplicate_of: dict[int, str] = {}
    best: dict[int, float] = {}
    for q, stored, similarity in index.matches(sketches):
        if similarity > best.get(q, -1.0):
            best[q], duplicate_of[q] = similarity, stored
    earlier, later = same_key_pairs(band_keys(sketches.sigs, index.b, index.r))
    near = confirm(sketches, earlier, sketches, later, index.threshold) >= index.threshold
    earlier_near: dict[int, list[int]] = {}
    for e, q in zip(earlier[near], later[near]):
        earlier_near.setdefault(int(q), []).append(int(e))
    # in order, a row near an earlier kept row is its duplicate; rows near nothing earlier are kept outright
    for q in sorted(earlier_near):
        match = next((e for e in sorted(earlier_near[q]) if e not in duplicate_of), None)
        if match is not None and q not in duplicate_of:
            duplicate_of[q] = ids[fresh[match]]
    kept = [q for q in range(len(fresh)) if q not in duplicate_of]
    index.add([ids[fresh[q]] for q in kept], sketches.take(kept))
    return [fresh[q] for q in kept], {fresh[q]: other for q, other in duplicate_of.items()}


def dedup_samples(samples: list[Sample], index, cfg: DedupConfig) -> tuple[list[Sample], list[Rejection]]:
    """Keep the first of each near-duplicate group, against this batch and every earlier run's samples."""
    kept, duplicate_of = find_duplicates([sample_text(s) for s in samples], [s.id for s in samples], index, cfg)
    rejections = [
        Rejection(item_id=samples[row].id, stage="dedup", reason="near_duplicate", detail=other)
        for row, other in sorted(duplicate_of.items())
    ]
    # The rest were curated before (an earlier run, a shared Redis index, or twice in this batch): counted, not lost.
    handled = set(kept) | set(duplicate_of)
    rejections += [
        Rejection(item_id=s.id, stage="dedup", reason="already_curated", detail="the same sample id is in the index")
        for row, s in enumerate(samples)
        if row not in handled
    ]
    return [samples[i] for i in kept], rejections


class EvalFileError(ValueError):
    """An evaluation file that cannot be read as questions: a user error, named by file and line."""


def eval_row(path: Path, number: int, line: str) -> dict:
    """One .jsonl row of an evaluation file, or an error naming where it is broken."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        raise EvalFileError(f"{path}:{number} is not valid JSON ({err.msg}): fix or remove the line") from err
    if not isinstance(row, dict):
        raise EvalFileError(f'{path}:{number} is not a JSON object: write one {{"question": ...}} object a line')
    return row


def read_eval_questions(path: Path) -> list[str]:
    """Questions of an evaluation file: .jsonl rows with question / instruction / prompt / conversations or
    messages (first user turn), or plain text with one question per line."""
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    if Path(path).suffix != ".jsonl":
        return [line for line in lines if line]
    questions = []
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        row = eval_row(path, number, line)
        turns = [t for t in row.get("messages") or row.get("conversations") or [] if isinstance(t, dict)]
        asked = [t.get("content") or t.get("value") for t in turns if t.get("role", t.get("from")) in ("user", "human")]
        questions.extend(
            q for q in [row.get("question") or row.get("instruction") or row.get("prompt"), *asked[:1]] if q
        )
    return questions


def heldout_questions(held: set[str], samples: list[Sample]) -> list[str]:
    """User turns of the samples the training stage held out for evaluation (paraphrases and control facts)."""
    return [m.content for s in samples if s.id in held for m in s.messages if m.role == "user"]


def drop_contaminated(
    samples: list[Sample], questions: list[str], cfg: DedupConfig
) -> tuple[list[Sample], list[Rejection]]:
    """Drop samples that ask something near an evaluation question: training on it would inflate the evaluation."""
    if not questions or not samples:
        return samples, []
    index = LocalIndex(cfg.contamination_threshold, cfg.num_perm)
    index.add([str(i) for i in range(len(questions))], text_sketches(questions, cfg))
    turns = [(row, m.content) for row, s in enumerate(samples) for m in s.messages if m.role == "user"]
    near: dict[int, str] = {}
    for q, question, _ in index.matches(text_sketches([text for _, text in turns], cfg)):
        near.setdefault(turns[q][0], questions[int(question)])
    rejections = [
        Rejection(item_id=samples[row].id, stage="dedup", reason="eval_contamination", detail=question[:200])
        for row, question in sorted(near.items())
    ]
    return [s for row, s in enumerate(samples) if row not in near], rejections
