"""Words and 64-bit hashes of words and n-grams, for comparing conversations at scale."""

import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

Turn = Mapping[str, Any]
WORD = re.compile(r"\w+(?:['’]\w+)*")
GOLDEN = np.uint64(0x9E3779B97F4A7C15)


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


def mix64(values: np.ndarray) -> np.ndarray:
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
            hashes = mix64(hashes * GOLDEN + ids[offset : len(ids) - width + 1 + offset])
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
