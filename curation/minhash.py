"""MinHash signatures for many texts at once: each distinct token is hashed once, n-gram shingles, datasketch's
permutations and the per-text minima are computed in numpy, so no Python loop runs per shingle."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

Shingle = Literal["auto", "word", "char"]
# Scripts written without spaces between words: their shingles are character n-grams.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
ASCII_WORD = np.array([chr(c).isalnum() or c == ord("_") for c in range(128)])
UNDERSCORE = np.uint64(ord("_"))
MIX = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2^64
MIX_INVERSE = np.uint64(pow(0x9E3779B97F4A7C15, -1, 1 << 64))
PAD = np.uint64(0x5BD1E995)  # stands for the missing tokens of a text shorter than n
CHUNK_TEXTS = 20_000
CHUNK_SHINGLES = 1 << 16


def shingle_unit(text: str, shingle: Shingle) -> Literal["word", "char"]:
    """Character n-grams for Chinese or Japanese text (no spaces between words), else word n-grams."""
    if shingle != "auto":
        return shingle
    letters = sum(c.isalnum() for c in text)
    return "char" if letters and len(UNSPACED.findall(text)) * 3 > letters else "word"


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads combined hashes over all bits."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@cache
def permutations(num_perm: int, seed: int = 1) -> np.ndarray:
    """datasketch's affine32 permutations, so our signatures are ordinary datasketch MinHashes."""
    return MinHash(num_perm=num_perm, seed=seed).permutations


def code_points(texts: list[str]) -> np.ndarray:
    """All texts lower-cased as one array of code points, each text ended by 0."""
    joined = "\x00".join(t.replace("\x00", " ") for t in texts).lower() + "\x00"
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)


def word_characters(cp: np.ndarray) -> np.ndarray:
    """Which code points are letters, digits or underscores (regex \\w), from a table for ASCII and Python's
    own classification of the few distinct others."""
    inside = ASCII_WORD[np.minimum(cp, 127)]
    other = cp > 127
    if other.any():
        distinct = np.unique(cp[other])
        letters = distinct[[chr(c).isalnum() for c in distinct.tolist()]]
        inside[other] = np.isin(cp[other], letters)
    return inside


@cache
def powers_of(base: int, size: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, base, dtype=np.uint64))])


def mix_powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """MIX^k and MIX^-k modulo 2^64 for k < length (cached in doubling sizes: every chunk needs them)."""
    size = 1 << max(length - 1, 1).bit_length()
    return powers_of(int(MIX), size), powers_of(int(MIX_INVERSE), size)


def token_hashes(texts: list[str], unit: Literal["word", "char"]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every text's tokens (words, or letters and digits) in order, and each token's text."""
    cp = code_points(texts)
    ends_text = cp == 0
    text_of = np.cumsum(ends_text) - ends_text  # the text each code point belongs to
    inside = word_characters(cp)
    cp = cp.astype(np.uint64)
    if unit == "char":
        keep = inside & (cp != UNDERSCORE)
        return fmix64(cp[keep] + MIX), text_of[keep]
    before = np.concatenate([[False], inside[:-1]])
    after = np.concatenate([inside[1:], [False]])
    starts, ends = np.flatnonzero(inside & ~before), np.flatnonzero(inside & ~after) + 1
    # polynomial hash of each word from prefix sums: sum(cp[k] * P^(k - start)) over the word, modulo 2^64
    powers, inverse = mix_powers(len(cp))
    with np.errstate(over="ignore"):
        prefix = np.concatenate([[np.uint64(0)], np.cumsum(cp * powers[: len(cp)])])
        words = (prefix[ends] - prefix[starts]) * inverse[starts]
        return fmix64(words + (ends - starts).astype(np.uint64)), text_of[starts]


def shingle_hashes(tokens: np.ndarray, text_of: np.ndarray, count: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every text's n-gram shingles (a text shorter than n is one shingle), and where each
    text's shingles start."""
    lengths = np.bincount(text_of, minlength=count)
    first_token = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    counts = np.maximum(lengths - n + 1, 1)
    seg_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    text = np.repeat(np.arange(count), counts)
    starts = first_token[text] + np.arange(counts.sum()) - seg_start[text]
    end = first_token[text] + lengths[text]
    padded = np.concatenate([tokens, [np.uint64(0)]])
    combined = np.zeros(len(starts), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            at = starts + k
            combined = combined * MIX + np.where(at < end, padded[np.minimum(at, len(tokens))], PAD)
        combined = fmix64(combined)
    return ((combined >> np.uint64(32)) ^ combined).astype(np.uint32), seg_start


@dataclass
class Sketches:
    """MinHash signatures of texts plus their shingle sets (sorted 32-bit hashes, one text after another), which
    settle the pairs whose estimated Jaccard is too near the threshold to trust."""

    sigs: np.ndarray
    values: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.sigs)

    @staticmethod
    def empty(num_perm: int) -> Sketches:
        return Sketches(np.zeros((0, num_perm), np.uint32), np.zeros(0, np.uint32), np.zeros(1, np.int64))

    def take(self, rows: np.ndarray | list[int]) -> Sketches:
        rows = np.asarray(rows, dtype=np.int64)
        element, _ = gather(self.offsets, rows)
        lengths = self.offsets[rows + 1] - self.offsets[rows]
        return Sketches(self.sigs[rows], self.values[element], np.concatenate([[0], np.cumsum(lengths)]))

    @staticmethod
    def concat(parts: list[Sketches]) -> Sketches:
        lengths = np.concatenate([np.diff(p.offsets) for p in parts])
        return Sketches(
            np.concatenate([p.sigs for p in parts]),
            np.concatenate([p.values for p in parts]),
            np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        )


def gather(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the given rows' elements in a flat array with offsets, and which of the rows each is from."""
    lengths = offsets[rows + 1] - offsets[rows]
    owner = np.repeat(np.arange(len(rows)), lengths)
    rank = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return offsets[rows][owner] + rank, owner


def sketch(texts: list[str], num_perm: int = 128, ngram: int = 3, shingle: Shingle = "word") -> Sketches:
    """Signatures (one uint32 row of num_perm values per text, datasketch's affine32 scheme) and shingle sets."""
    if shingle == "auto":
        raise ValueError("pick word or char shingles per text first (shingle_unit)")
    a, b = permutations(num_perm)
    out = np.empty((num_perm, len(texts)), dtype=np.uint32)
    sets, set_sizes = [], []
    buffer = np.empty(num_perm * CHUNK_SHINGLES, dtype=np.uint32)
    for first in range(0, len(texts), CHUNK_TEXTS):
        chunk = texts[first : first + CHUNK_TEXTS]
        hashes, seg_start = shingle_hashes(*token_hashes(chunk, shingle), len(chunk), ngram)
        bounds = np.append(seg_start, len(hashes))
        lo = 0
        while lo < len(chunk):
            # permute the shingles of some texts into a reused buffer: allocating afresh costs more than the math
            hi = max(int(np.searchsorted(bounds, bounds[lo] + CHUNK_SHINGLES, side="right")) - 1, lo + 1)
            size = num_perm * int(bounds[hi] - bounds[lo])
            if size > len(buffer):
                buffer = np.empty(size, dtype=np.uint32)
            permuted = buffer[:size].reshape(num_perm, -1)
            np.multiply.outer(a, hashes[bounds[lo] : bounds[hi]], out=permuted)
            permuted += b[:, None]
            out[:, first + lo : first + hi] = np.minimum.reduceat(permuted, seg_start[lo:hi] - bounds[lo], axis=1)
            lo = hi
        owner = np.repeat(np.arange(len(chunk), dtype=np.uint64), np.diff(bounds))
        tagged = np.sort((owner << np.uint64(32)) | hashes)
        unique = tagged[np.concatenate([[True], tagged[1:] != tagged[:-1]])]
        sets.append((unique & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        set_sizes.append(np.bincount((unique >> np.uint64(32)).astype(np.int64), minlength=len(chunk)))
    sizes = np.concatenate(set_sizes) if set_sizes else np.zeros(0, np.int64)
    values = np.concatenate(sets) if sets else np.zeros(0, np.uint32)
    return Sketches(np.ascontiguousarray(out.T), values, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))


def exact_jaccard(a: Sketches, rows_a: np.ndarray, b: Sketches, rows_b: np.ndarray) -> np.ndarray:
    """Jaccard similarity of the shingle sets of row pairs, all pairs at once: shared hashes are the equal
    neighbours once both sides, tagged with their pair, are sorted together."""
    at_a, pair_a = gather(a.offsets, rows_a)
    at_b, pair_b = gather(b.offsets, rows_b)
    tagged = np.concatenate(
        [
            (pair_a.astype(np.uint64) << np.uint64(32)) | a.values[at_a],
            (pair_b.astype(np.uint64) << np.uint64(32)) | b.values[at_b],
        ]
    )
    tagged.sort()
    shared = tagged[1:][tagged[1:] == tagged[:-1]] >> np.uint64(32)
    both = np.bincount(shared.astype(np.int64), minlength=len(rows_a))
    union = np.diff(a.offsets)[rows_a] + np.diff(b.offsets)[rows_b] - both
    return both / np.maximum(union, 1)


def confirm(a: Sketches, rows_a: np.ndarray, b: Sketches, rows_b: np.ndarray, threshold: float) -> np.ndarray:
    """Similarity of candidate pairs: the MinHash estimate, or the exact Jaccard where the estimate is within
    three standard errors of the threshold (a coin toss otherwise)."""
    similarity = jaccard(a.sigs[rows_a], b.sigs[rows_b])
    margin = 3 * (threshold * (1 - threshold) / a.sigs.shape[1]) ** 0.5
    unsure = np.abs(similarity - threshold) < margin
    similarity[unsure] = exact_jaccard(a, rows_a[unsure], b, rows_b[unsure])
    return similarity


def bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """LSH bands and rows per band for the threshold, weighted hard against misses: a missed candidate is a kept
    duplicate, while a spurious one costs only its confirmation."""
    return _optimal_param(threshold, num_perm, 0.05, 0.95)


def band_keys(sigs: np.ndarray, b: int, r: int) -> np.ndarray:
    """One 64-bit key per band per signature: equal keys mean the band's rows are equal."""
    keys = np.zeros((len(sigs), b), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(r):
            keys = (keys ^ sigs[:, j::r][:, :b].astype(np.uint64)) * MIX
        return fmix64(keys)


def jaccard(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of paired rows: the share of equal signature values."""
    return (left == right).mean(axis=1) if len(left) else np.zeros(0)
