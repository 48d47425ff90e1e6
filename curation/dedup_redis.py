"""The dedup index in Redis, through datasketch's Redis storage, so several machines (or workspaces) curating the
same data share one index; each sample's sketch is kept beside it to confirm candidates."""

from __future__ import annotations

import hashlib
import json
import pickle

import numpy as np
from datasketch import MinHash, MinHashLSH

from curation.dedup_config import DedupConfig
from curation.minhash import Sketches, bands, confirm, permutations


class IndexUnavailable(RuntimeError):
    """The configured Redis cannot be reached: a setup problem the user fixes, not a crash."""


class RedisIndex:
    def __init__(self, cfg: DedupConfig):
        import redis
        from redis.connection import parse_url

        try:
            params = parse_url(cfg.redis_url)
            self.redis = redis.Redis(**params)
            self.redis.ping()
        except (ValueError, redis.RedisError) as err:
            raise IndexUnavailable(f"dedup.redis_url {cfg.redis_url}: {err}: start Redis or unset the URL") from err
        # indexes built with other settings live under other keys, so a changed threshold starts afresh
        settings = hashlib.sha1(json.dumps(cfg.index_settings(), sort_keys=True).encode()).hexdigest()[:12]
        basename = f"{cfg.redis_prefix}:dedup:{settings}".encode()
        self.threshold, self.num_perm = cfg.threshold, cfg.num_perm
        self.b, self.r = bands(cfg.threshold, cfg.num_perm)
        self.lsh = MinHashLSH(
            threshold=cfg.threshold,
            num_perm=cfg.num_perm,
            params=(self.b, self.r),
            storage_config={"type": "redis", "redis": params, "basename": basename},
        )
        self.sketch_key = basename + b"_sketches"

    def minhash(self, sig: np.ndarray) -> MinHash:
        return MinHash(hashvalues=sig, permutations=permutations(self.num_perm), scheme="affine32")

    def contains(self, ids: list[str]) -> list[bool]:
        """Which ids the index already holds."""
        return [v is not None for v in self.redis.hmget(self.sketch_key, ids)] if ids else []

    def matches(self, sketches: Sketches) -> list[tuple[int, str, float]]:
        """(row, stored id, similarity) for rows near a stored sample, confirmed at the threshold."""
        candidates = self.candidates(sketches)
        stored_ids = sorted({key for keys in candidates for key in keys})
        if not stored_ids:
            return []
        stored = Sketches.concat([self.decode(raw) for raw in self.redis.hmget(self.sketch_key, stored_ids)])
        position = {key: i for i, key in enumerate(stored_ids)}
        rows = np.array([q for q, keys in enumerate(candidates) for _ in keys], dtype=np.int64)
        others = np.array([position[k] for keys in candidates for k in keys], dtype=np.int64)
        similarity = confirm(sketches, rows, stored, others, self.threshold)
        near = similarity >= self.threshold
        return [(int(q), stored_ids[s], float(j)) for q, s, j in zip(rows[near], others[near], similarity[near])]

    def candidates(self, sketches: Sketches) -> list[list[str]]:
        """Per row, the stored ids sharing an LSH band with it, as `MinHashLSH.query` finds them, but with one
        pipelined Redis round trip per band for all rows: a query per sample costs two round trips per band."""
        found: list[set[str]] = [set() for _ in range(len(sketches.sigs))]
        hashvalues = [self.minhash(sig).hashvalues for sig in sketches.sigs]
        for (start, end), table in zip(self.lsh.hashranges, self.lsh.hashtables):
            members = table.getmany(*(self.lsh._H(values[start:end]) for values in hashvalues))
            for row, keys in enumerate(members):
                found[row].update(pickle.loads(key) for key in keys)
        return [sorted(keys) for keys in found]

    def add(self, ids: list[str], sketches: Sketches) -> None:
        """Index kept samples; Redis keeps them for every later run and every other machine."""
        if not ids:
            return
        with self.lsh.insertion_session() as session:
            for key, sig in zip(ids, sketches.sigs):
                session.insert(key, self.minhash(sig), check_duplication=False)
        self.redis.hset(self.sketch_key, mapping={key: self.encode(sketches.take([i])) for i, key in enumerate(ids)})

    def encode(self, one: Sketches) -> bytes:
        return one.sigs[0].tobytes() + one.values.tobytes()

    def decode(self, raw: bytes) -> Sketches:
        data = np.frombuffer(raw, dtype=np.uint32)
        values = data[self.num_perm :]
        return Sketches(data[None, : self.num_perm], values, np.array([0, len(values)], dtype=np.int64))
