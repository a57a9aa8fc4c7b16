"""How varied a dataset is: near-duplicate conversations, distinct n-grams, strategies, openings.

A dataset that says the same thing a hundred times can pass every per-conversation check, so
these figures look across conversations. Everything is fed one conversation at a time and kept
small: a MinHash signature per conversation (NEAR_DUPLICATE_NUM_PERM 32-bit values), hashed
n-grams deduplicated as they come, and counters. Near-duplicates are found with LSH banding
(no all-pairs comparison), then confirmed with the exact Jaccard similarity of the word
shingles of the few candidate pairs, whose text is fetched again on demand.
"""

import hashlib
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

from generation.schema import RESPONSE_STRATEGIES

Turn = Mapping[str, Any]
TextsFor = Callable[[list[Hashable]], Iterable[tuple[Hashable, str]]]

WORD = re.compile(r"\w+(?:['’]\w+)*")
OPENING_WORDS = 4  # an opening is the first client message's first four words
# Below these a dataset is too repetitive to train on (see `concerns`). Distinct-2 is
# corpus-wide, so it falls as a dataset grows; 0.15 still holds for 10,000 varied
# conversations while a dataset of one conversation repeated ten times scores about 0.1.
LOW_DISTINCT_2 = 0.15
LOW_STRATEGY_ENTROPY = 0.6  # normalised: 1 = the eight strategies used equally
HIGH_OPENING_SHARE = 0.25  # more than a quarter of conversations open with the same words
# Bounds on the work near-duplicate detection may do on a pathological (very repetitive)
# dataset; past them the figures say they are partial.
MAX_CANDIDATE_PAIRS = 200_000
MAX_EXACT_PAIRS = 2_000
MAX_LISTED_PAIRS = 100
ESTIMATE_MARGIN = 0.1  # exact similarity is computed for candidates estimated this close
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


# --- text ----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def conversation_text(turns: Sequence[Turn]) -> str:
    """The client's and Elena's words, turn by turn: what near-duplicate detection compares."""
    return "\n".join(
        f"{turn.get('user_input') or ''}\n{turn.get('assistant_response') or ''}"
        for turn in turns
        if isinstance(turn, Mapping)
    )


@lru_cache(maxsize=1 << 17)
def word_hash(word: str) -> int:
    """A stable 64-bit hash (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of 64-bit values (arithmetic wraps)."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def token_ids(tokens: Sequence[str]) -> np.ndarray:
    return np.fromiter((word_hash(token) for token in tokens), dtype=np.uint64, count=len(tokens))


def ngram_hashes(ids: np.ndarray, n: int) -> np.ndarray:
    """64-bit hashes of the n-grams of token ids (one hash for the whole text when shorter)."""
    if not len(ids):
        return np.empty(0, dtype=np.uint64)
    width = min(n, len(ids))
    with np.errstate(over="ignore"):
        hashes = ids[: len(ids) - width + 1].copy()
        for offset in range(1, width):
            hashes = _mix(hashes * _GOLDEN + ids[offset : len(ids) - width + 1 + offset])
    return hashes


def shingles(text: str, size: int) -> np.ndarray:
    """The set of word shingles of a text, as sorted unique 64-bit hashes."""
    return np.unique(ngram_hashes(token_ids(words(text)), size))


def jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Exact Jaccard similarity of two sets given as sorted unique arrays."""
    if not len(first) and not len(second):
        return 1.0
    common = len(np.intersect1d(first, second, assume_unique=True))
    return common / (len(first) + len(second) - common)


# --- near-duplicates -----------------------------------------------------------------------


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
            keys = _mix(keys * _GOLDEN + column.astype(np.uint64))
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


# --- distinct n-grams ----------------------------------------------------------------------


class HashSet:
    """A set of 64-bit hashes, exact, in 8 bytes per distinct hash plus a bounded buffer.

    New hashes wait in a buffer (duplicates and all); when it is full they are deduplicated
    and merged into sorted arrays, one per bucket of the hashes' top bits. A merge rewrites one
    bucket at a time, so beside the set itself only a bucket's worth of memory is ever in use
    (a single sorted array would need two or three times the whole set while merging).
    """

    BUCKET_BITS = 6
    BUFFER = 1 << 16  # hashes waiting to be merged: 512 KiB

    def __init__(self) -> None:
        self._buckets = [np.empty(0, np.uint64) for _ in range(1 << self.BUCKET_BITS)]
        self._buffer: list[np.ndarray] = []
        self._buffered = 0

    def add(self, hashes: np.ndarray) -> None:
        self._buffer.append(hashes)
        self._buffered += len(hashes)
        if self._buffered >= self.BUFFER:
            self._merge()

    def __len__(self) -> int:
        self._merge()
        return sum(len(bucket) for bucket in self._buckets)

    def _merge(self) -> None:
        if not self._buffered:
            self._buffer.clear()
            return
        new = np.concatenate(self._buffer)
        self._buffer, self._buffered = [], 0
        new.sort()
        new = new[np.r_[True, new[1:] != new[:-1]]]
        shift = np.uint64(64 - self.BUCKET_BITS)
        bounds = np.searchsorted(new >> shift, np.arange(len(self._buckets) + 1, dtype=np.uint64))
        for number, (start, stop) in enumerate(pairwise(bounds)):
            if start == stop:
                continue
            part, bucket = new[start:stop], self._buckets[number]
            where = np.searchsorted(bucket, part)
            known = where < len(bucket)
            known[known] = bucket[where[known]] == part[known]
            if not known.all():
                self._buckets[number] = np.insert(bucket, where[~known], part[~known])


@dataclass
class DistinctNgrams:
    """Distinct-n (Li et al., 2016): distinct n-grams over all n-grams, corpus-wide.

    Exact (up to 64-bit hash collisions), so the memory is that of the distinct n-grams:
    8 bytes each (see HashSet), plus a fixed buffer.
    """

    orders: tuple[int, ...] = (1, 2)
    totals: Counter = field(default_factory=Counter)
    _seen: dict[int, HashSet] = field(default_factory=dict)

    def add(self, *texts: str) -> None:
        """Texts (one conversation's replies, say); n-grams do not cross from one to the next."""
        self.add_ids(*(token_ids(words(text)) for text in texts))

    def add_ids(self, *texts: np.ndarray) -> None:
        """Texts given as the token ids of their words."""
        for n in self.orders:
            hashes = np.concatenate(
                [np.empty(0, np.uint64)] + [ngram_hashes(ids, n) for ids in texts if len(ids) >= n]
            )
            self.totals[n] += len(hashes)
            self._seen.setdefault(n, HashSet()).add(hashes)

    def distinct(self, n: int) -> int:
        return len(self._seen.get(n, ()))

    def figures(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for n in self.orders:
            distinct, total = self.distinct(n), self.totals[n]
            result[f"distinct_{n}"] = round(distinct / total, 4) if total else None
            result[f"unique_{n}grams"] = distinct
            result[f"total_{n}grams"] = total
        return result


# --- strategies and openings ---------------------------------------------------------------


def normalised_entropy(counts: Mapping[str, int], categories: int) -> float | None:
    """Shannon entropy of the counts over log(categories): 0 = one category, 1 = even."""
    total = sum(counts.values())
    if not total:
        return None
    if categories < 2:
        return 0.0
    entropy = -sum(c / total * math.log(c / total) for c in counts.values() if c)
    return round(entropy / math.log(categories), 4)


def strategy_spread(counts: Mapping[str, int]) -> dict[str, Any]:
    known = {name: int(counts.get(name, 0)) for name in RESPONSE_STRATEGIES}
    other = {name: int(n) for name, n in counts.items() if name not in known}
    categories = max(len(RESPONSE_STRATEGIES), len([n for n in {**known, **other}.values() if n]))
    total = sum(counts.values())
    top = max(counts.items(), key=lambda item: item[1], default=(None, 0))
    return {
        "counts": {**known, **other},
        "total": total,
        "used": sum(1 for n in counts.values() if n),
        "normalised_entropy": normalised_entropy(counts, categories),
        "most_common": top[0],
        "most_common_share": round(top[1] / total, 4) if total else None,
    }


def opening_spread(counts: Counter) -> dict[str, Any]:
    total = sum(counts.values())
    common = counts.most_common(5)
    return {
        "conversations": total,
        "distinct": len(counts),
        "distinct_ratio": round(len(counts) / total, 4) if total else None,
        "most_common": [{"opening": text, "count": n} for text, n in common],
        "most_common_share": round(common[0][1] / total, 4) if total else None,
        "words": OPENING_WORDS,
    }


# --- the whole -----------------------------------------------------------------------------


@dataclass
class DiversityTracker:
    """Fed one conversation at a time; `figures` gives the diversity section of the report."""

    threshold: float = 0.8
    num_perm: int = 128
    shingle_size: int = 5
    expected: int = 0  # conversations, if known: sizes the signature array once
    index: NearDuplicateIndex = field(init=False)
    elena: DistinctNgrams = field(default_factory=DistinctNgrams)
    client: DistinctNgrams = field(default_factory=DistinctNgrams)
    strategies: Counter = field(default_factory=Counter)
    openings: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.index = NearDuplicateIndex(
            self.threshold, self.num_perm, self.shingle_size, expected=self.expected
        )

    def add(self, key: Hashable, turns: Sequence[Turn]) -> int:
        """Take in one conversation; returns how many words it has (the client's and Elena's).

        Each message is split into words and hashed once; the near-duplicate index sees the
        same words in the same order as `conversation_text`, which the exact check reads.
        """
        turns = [turn for turn in turns or [] if isinstance(turn, Mapping)]
        client = [words(str(turn.get("user_input") or "")) for turn in turns]
        elena = [words(str(turn.get("assistant_response") or "")) for turn in turns]
        client_ids, elena_ids = [token_ids(t) for t in client], [token_ids(t) for t in elena]
        spoken = [ids for pair in zip(client_ids, elena_ids, strict=True) for ids in pair]
        self.index.add_ids(key, np.concatenate([np.empty(0, np.uint64), *spoken]))
        self.elena.add_ids(*elena_ids)
        self.client.add_ids(*client_ids)
        self.openings[" ".join(client[0][:OPENING_WORDS]) if client else ""] += 1
        for turn in turns:
            emotional = turn.get("emotional_context")
            strategy = emotional.get("response_strategy") if isinstance(emotional, Mapping) else ""
            self.strategies[str(strategy or "missing")] += 1
        return sum(len(t) for t in client) + sum(len(t) for t in elena)

    def figures(self, texts_for: TextsFor) -> dict[str, Any]:
        return {
            "near_duplicates": self.index.find(texts_for),
            "distinct_ngrams": {"elena": self.elena.figures(), "client": self.client.figures()},
            "support_strategies": strategy_spread(self.strategies),
            "openings": opening_spread(self.openings),
        }


def concerns(figures: Mapping[str, Any], describe: Callable[[Hashable], str] = str) -> list[str]:
    """Recommendations the diversity figures call for (none when the dataset is varied)."""
    found = []
    near = figures["near_duplicates"]
    if near["pair_count"]:
        examples = ", ".join(
            f"{describe(p['first'])} ~ {describe(p['second'])} ({p['exact']:.2f})"
            for p in near["pairs"][:3]
        )
        found.append(
            f"{near['pair_count']} near-duplicate pair(s) (Jaccard >= {near['threshold']}) among "
            f"{near['conversations_involved']} conversations, largest group "
            f"{near['largest_group']}: regenerate or drop the copies before training"
            + (f" (e.g. {examples})" if examples else "")
        )
    for side, label in (("elena", "Elena's replies"), ("client", "client messages")):
        distinct_2 = figures["distinct_ngrams"][side]["distinct_2"]
        if distinct_2 is not None and distinct_2 < LOW_DISTINCT_2:
            found.append(
                f"Low lexical diversity in {label}: distinct-2 {distinct_2:.3f} "
                f"(below {LOW_DISTINCT_2}): the dataset repeats the same wording"
            )
    strategies = figures["support_strategies"]
    entropy = strategies["normalised_entropy"]
    if entropy is not None and entropy < LOW_STRATEGY_ENTROPY:
        found.append(
            f"Elena's support strategies are narrow: normalised entropy {entropy:.2f} "
            f"(below {LOW_STRATEGY_ENTROPY}), {strategies['most_common']} in "
            f"{strategies['most_common_share']:.0%} of turns"
        )
    openings = figures["openings"]
    share = openings["most_common_share"]
    if share is not None and openings["conversations"] > 1 and share > HIGH_OPENING_SHARE:
        top = openings["most_common"][0]["opening"]
        found.append(
            f"{share:.0%} of conversations open with the same words ({top!r}): vary the openings"
        )
    return found
