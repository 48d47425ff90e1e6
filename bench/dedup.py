"""Dedup speed and quality: kgsynth's bulk signatures and numpy banding against datasketch with a per-token
`update` loop and MinHashLSH, on the same short texts with planted near-duplicates, in the same run.

    .venv/bin/python bench/dedup.py [--texts 100000] [--repeats 3] [--threshold 0.7]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time

from datasketch import MinHash, MinHashLSH

from curation.dedup import DedupConfig, LocalIndex, find_duplicates

WORD = re.compile(r"\w+")
SYLLABLES = "ka lo mi ne ru sa to vi ba de fo gu hi ja ke li mo nu pa qu re si tu ve wa xo ye zu".split()


def make_texts(n: int, share: float, seed: int = 7) -> tuple[list[str], list[tuple[int, int]]]:
    """Short random texts; a share of them are edited copies (1-4 word edits) of an earlier original."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30000)]
    weights = [1 / (rank + 10) for rank in range(len(vocab))]  # a Zipf-like word frequency
    texts, planted, originals = [], [], []
    for i in range(n):
        if originals and rng.random() < share:
            source = rng.choice(originals)
            words = texts[source].split()
            for _ in range(rng.randint(1, 4)):
                at = rng.randrange(len(words))
                edit = rng.choice(("replace", "delete", "insert"))
                if edit == "replace":
                    words[at] = rng.choice(vocab)
                elif edit == "delete" and len(words) > 4:
                    del words[at]
                else:
                    words.insert(at, rng.choice(vocab))
            texts.append(" ".join(words))
            planted.append((source, i))
        else:
            texts.append(" ".join(rng.choices(vocab, weights, k=rng.randint(12, 30))))
            originals.append(i)
    return texts, planted


def shingle_set(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))}


def true_jaccard(a: str, b: str) -> float:
    x, y = shingle_set(a), shingle_set(b)
    return len(x & y) / len(x | y)


def baseline(texts: list[str], threshold: float, num_perm: int) -> dict[int, int]:
    """datasketch as documented: one MinHash per text fed token by token, MinHashLSH query, Jaccard confirmation."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.2, 0.8))
    kept: dict[int, MinHash] = {}
    duplicate_of = {}
    for i, text in enumerate(texts):
        m = MinHash(num_perm=num_perm)
        words = WORD.findall(text.lower())
        for j in range(max(len(words) - 2, 1)):
            m.update(" ".join(words[j : j + 3]).encode("utf-8"))
        matches = [k for k in lsh.query(m) if kept[k].jaccard(m) >= threshold]
        if matches:
            duplicate_of[i] = min(matches)
            continue
        lsh.insert(i, m)
        kept[i] = m
    return duplicate_of


def kgsynth(texts: list[str], threshold: float, num_perm: int) -> dict[int, int]:
    cfg = DedupConfig(threshold=threshold, num_perm=num_perm, shingle="word", ngram=3)
    ids = [str(i) for i in range(len(texts))]
    _, duplicate_of = find_duplicates(texts, ids, LocalIndex(threshold, num_perm), cfg)
    return {row: int(other) for row, other in duplicate_of.items()}


def quality(texts: list[str], planted: list[tuple[int, int]], flags: dict[int, int], threshold: float) -> tuple:
    """Precision of flags (the pair truly at the threshold) and recall of planted pairs at the threshold."""
    precision = sum(true_jaccard(texts[i], texts[j]) >= threshold for i, j in flags.items()) / max(len(flags), 1)
    positives = [(a, b) for a, b in planted if true_jaccard(texts[a], texts[b]) >= threshold]
    recall = sum(b in flags for _, b in positives) / max(len(positives), 1)
    return precision, recall, len(positives)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.1, help="share of texts that are planted near-copies")
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts, planted = make_texts(args.texts, args.share)
    print(f"{len(texts)} texts, {len(planted)} planted near-copies, threshold {args.threshold}, {args.num_perm} perms")
    rows = []
    for name, method in (("datasketch update loop + MinHashLSH", baseline), ("kgsynth bulk + numpy bands", kgsynth)):
        times, flags = [], {}
        for _ in range(args.repeats):
            started = time.perf_counter()
            flags = method(texts, args.threshold, args.num_perm)
            times.append(time.perf_counter() - started)
        rows.append((name, statistics.median(times), *quality(texts, planted, flags, args.threshold), len(flags)))
    print(f"\n| method | median s ({args.repeats} runs) | texts/s | speed-up | precision | recall | flagged |")
    print("|---|---|---|---|---|---|---|")
    for name, seconds, precision, recall, _, flagged in rows:
        speedup = rows[0][1] / seconds
        print(
            f"| {name} | {seconds:.2f} | {len(texts) / seconds:,.0f} | {speedup:.1f}x | {precision:.3f} | "
            f"{recall:.3f} | {flagged} |"
        )
    print(f"\nplanted pairs at Jaccard >= {args.threshold} (word 3-grams, exact): {rows[0][4]}")


if __name__ == "__main__":
    main()
