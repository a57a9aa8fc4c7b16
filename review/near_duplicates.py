"""Near-duplicate conversations: MinHash signatures of word shingles, searched with LSH banding
(no all-pairs comparison), then confirmed with the exact Jaccard similarity of the few candidate
pairs, whose text is fetched again on demand."""

import math
from array import array
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from review.text_hashes import GOLDEN, jaccard, mix64, ngram_hashes, shingles, token_ids, words

TextsFor = Callable[[list[Hashable]], Iterable[tuple[Hashable, str]]]

# Bounds on the work near-duplicate detection may do on a pathological (very repetitive)
# dataset; past them the figures say they are partial.
MAX_CANDIDATE_PAIRS = 200_000
MAX_EXACT_PAIRS = 2_000
MAX_LISTED_PAIRS = 100
ESTIMATE_MARGIN = 0.1  # exact similarity is computed for candidates estimated this close


@lru_cache(maxsize=32)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that minimise missed plus spurious pairs around `threshold`.

    A pair of similarity s shares at least one band with probability 1 - (1 - s^r)^b; this
    picks b * r <= num_perm weighing misses (s >= threshold) twice as much as false alarms,
    which the exact comparison removes anyway.
    """
    grid = np.linspace(0.0, 1.0, 201)
    best, best_cost = (1, num_perm), math.inf
    for bands in range(1, num_perm + 1):
        rows = num_perm // bands
        found = 1 - (1 - grid**rows) ** bands
        below, above = grid < threshold, grid >= threshold
        cost = found[below].mean() + 2 * (1 - found[above]).mean()
        if cost < best_cost:
            best, best_cost = (bands, rows), cost
    return best


class Keys:
    """The conversations' keys in the order they came, as a list would hold them, but with
    text keys packed together as UTF-8 (a UUID's 36 characters and an 8-byte offset, instead
    of a str object of about 85 bytes and its slot in a list); other keys are kept as they are.
    """

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("Q")
        self._other: dict[int, Hashable] = {}

    def append(self, key: Hashable) -> None:
        if type(key) is str:
            self._text += key.encode()
        else:
            self._other[len(self._ends)] = key
        self._ends.append(len(self._text))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> Hashable:
        if not -len(self._ends) <= index < len(self._ends):
            raise IndexError(index)
        index %= len(self._ends)
        if index in self._other:
            return self._other[index]
        start = self._ends[index - 1] if index else 0
        return self._text[start : self._ends[index]].decode()


@dataclass
class NearDuplicateIndex:
    """MinHash signatures of conversations, searched with LSH banding for similar pairs."""

    threshold: float = 0.8
    num_perm: int = 128
    shingle_size: int = 5
    seed: int = 1
    # Conversations expected: room for that many signatures is made once (more still fit, by
    # growing the array, which briefly holds it twice and leaves up to half of it unused).
    expected: int = 0
    keys: Keys = field(default_factory=Keys)
    _signatures: np.ndarray = field(init=False)  # rows [0, len(keys)) are in use

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], not {self.threshold}")
        if self.num_perm < 2 or self.shingle_size < 1:
            raise ValueError("near-duplicate detection needs num_perm >= 2 and shingle_size >= 1")
        rng = np.random.default_rng(self.seed)
        # Multiply-shift hashing: (a * x + b) >> 32 with odd a, one (a, b) per permutation.
        self._a = rng.integers(1, 2**63, self.num_perm, dtype=np.uint64) * np.uint64(2) + 1
        self._b = rng.integers(0, 2**63, self.num_perm, dtype=np.uint64)
        rows = self.expected if self.expected > 0 else 1024
        self._signatures = np.empty((rows, self.num_perm), dtype=np.uint32)

    def add(self, key: Hashable, text: str) -> None:
        self.add_ids(key, token_ids(words(text)))

    def add_ids(self, key: Hashable, ids: np.ndarray) -> None:
        """Add a conversation given as the token ids of its words, in order."""
        if len(self.keys) == len(self._signatures):  # grow by half: amortised, little slack
            rows = len(self._signatures) * 3 // 2 + 16
            grown = np.empty((rows, self.num_perm), dtype=np.uint32)
            grown[: len(self.keys)] = self._signatures
            self._signatures = grown
        self._signatures[len(self.keys)] = self.signature(
            np.unique(ngram_hashes(ids, self.shingle_size))
        )
        self.keys.append(key)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        if not len(hashes):
            return np.full(self.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        signature = np.full(self.num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for start in range(0, len(hashes), 512):  # bounds the temporary matrix
                block = hashes[start : start + 512, None] * self._a + self._b
                np.minimum(signature, block.min(axis=0), out=signature)
        return (signature >> np.uint64(32)).astype(np.uint32)

    def signatures(self) -> np.ndarray:
        return self._signatures[: len(self.keys)]

    def candidate_pairs(self, signatures: np.ndarray) -> tuple[np.ndarray, bool]:
        """Index pairs (i < j) sharing a band, as an (m, 2) array; and whether it was capped."""
        count = len(signatures)
        bands, rows = lsh_bands(self.threshold, self.num_perm)
        found: list[np.ndarray] = []
        total, capped = 0, False
        for band in range(bands):
            keys = _band_keys(signatures[:, band * rows : (band + 1) * rows])
            for pairs in _equal_key_pairs(keys):
                found.append(pairs[:, 0].astype(np.int64) * count + pairs[:, 1])
                total += len(pairs)
                if total > MAX_CANDIDATE_PAIRS:
                    capped = True
                    break
            if capped:
                break
            if len(found) > 1:
                found = [np.unique(np.concatenate(found))]
                total = len(found[0])
        codes = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
        return np.stack([codes // max(count, 1), codes % max(count, 1)], axis=1), capped

    def find(self, texts_for: TextsFor) -> dict[str, Any]:
        """Pairs at or above the threshold, with their estimated and exact similarity.

        `texts_for(keys)` yields (key, text) for the given keys; it is called once, for the
        conversations in candidate pairs only.
        """
        signatures = self.signatures()
        bands, rows = lsh_bands(self.threshold, self.num_perm)
        pairs, capped = self.candidate_pairs(signatures)
        candidates = len(pairs)
        estimates = _estimates(signatures, pairs)
        close = estimates >= self.threshold - ESTIMATE_MARGIN
        pairs, estimates = pairs[close], estimates[close]
        order = np.argsort(-estimates, kind="stable")
        pairs, estimates = pairs[order], estimates[order]
        exact_pairs, rest = pairs[:MAX_EXACT_PAIRS], pairs[MAX_EXACT_PAIRS:]
        exact = self._exact(exact_pairs, texts_for)
        found = [
            {
                "first": self.keys[int(i)],
                "second": self.keys[int(j)],
                "estimated": round(float(estimate), 3),
                "exact": round(similarity, 3),
            }
            for (i, j), estimate, similarity in zip(
                exact_pairs, estimates[:MAX_EXACT_PAIRS], exact, strict=True
            )
            if similarity >= self.threshold
        ]
        unconfirmed = int((estimates[MAX_EXACT_PAIRS:] >= self.threshold).sum())
        return {
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "shingle_size": self.shingle_size,
            "lsh_bands": {"bands": bands, "rows": rows},
            "candidate_pairs": candidates,
            "pair_count": len(found) + unconfirmed,
            "pairs_by_estimate_only": unconfirmed,
            "complete": not capped and not len(rest),
            "conversations_involved": len(
                {p["first"] for p in found} | {p["second"] for p in found}
            ),
            "largest_group": _largest_group(found),
            "pairs": found[:MAX_LISTED_PAIRS],
        }

    def _exact(self, pairs: np.ndarray, texts_for: TextsFor) -> list[float]:
        wanted = sorted({int(i) for i in pairs.ravel()})
        position = {self.keys[i]: i for i in wanted}
        sets = {
            position[key]: shingles(text, self.shingle_size)
            for key, text in texts_for([self.keys[i] for i in wanted])
            if key in position
        }
        empty = np.empty(0, dtype=np.uint64)
        return [jaccard(sets.get(int(i), empty), sets.get(int(j), empty)) for i, j in pairs]


def _band_keys(band: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of a band of signature values."""
    keys = np.zeros(len(band), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in band.T:
            keys = mix64(keys * GOLDEN + column.astype(np.uint64))
    return keys


def _equal_key_pairs(keys: np.ndarray) -> Iterable[np.ndarray]:
    """Pairs of row indexes (i < j) with equal keys, one array per group of equal keys."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
        members = np.sort(order[start : start + size])
        first, second = np.triu_indices(size, k=1)
        yield np.stack([members[first], members[second]], axis=1)


def _estimates(signatures: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    estimates = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), 4096):
        chunk = pairs[start : start + 4096]
        same = signatures[chunk[:, 0]] == signatures[chunk[:, 1]]
        estimates[start : start + 4096] = same.mean(axis=1)
    return estimates


def _largest_group(pairs: list[dict[str, Any]]) -> int:
    """Conversations in the largest group linked by near-duplicate pairs (union-find)."""
    parent: dict[Hashable, Hashable] = {}

    def root(key: Hashable) -> Hashable:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for pair in pairs:
        parent[root(pair["first"])] = root(pair["second"])
    return max(Counter(root(key) for key in list(parent)).values(), default=0)
