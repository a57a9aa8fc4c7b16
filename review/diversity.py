"""How varied a dataset is: near-duplicate conversations, distinct n-grams, strategies, openings.

A dataset that says the same thing a hundred times can pass every per-conversation check, so
these figures look across conversations. Everything is fed one conversation at a time and kept
small: a MinHash signature per conversation (NEAR_DUPLICATE_NUM_PERM 32-bit values), hashed
n-grams deduplicated as they come, and counters. Near-duplicates are found with LSH banding
(no all-pairs comparison), then confirmed with the exact Jaccard similarity of the word
shingles of the few candidate pairs, whose text is fetched again on demand.
"""

import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from generation.schema import RESPONSE_STRATEGIES
from review.near_duplicates import NearDuplicateIndex, TextsFor
from review.text_hashes import Turn, ngram_hashes, token_ids, words

OPENING_WORDS = 4  # an opening is the first client message's first four words
# Below these a dataset is too repetitive to train on (see `concerns`). Distinct-2 is
# corpus-wide, so it falls as a dataset grows; 0.15 still holds for 10,000 varied
# conversations while a dataset of one conversation repeated ten times scores about 0.1.
LOW_DISTINCT_2 = 0.15
LOW_STRATEGY_ENTROPY = 0.6  # normalised: 1 = the eight strategies used equally
HIGH_OPENING_SHARE = 0.25  # more than a quarter of conversations open with the same words


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
