"""Diversity figures on hand-made data: near-duplicates, distinct-n, strategy and opening spread."""

import math
import random

import pytest

from review.diversity import (
    DistinctNgrams,
    DiversityTracker,
    concerns,
    normalised_entropy,
    strategy_spread,
)
from review.near_duplicates import NearDuplicateIndex, lsh_bands
from review.text_hashes import conversation_text, shingles

VOCABULARY = [
    f"{a}{b}"
    for a in ("sav", "debt", "plan", "fund", "rent", "loan", "card", "pay", "tax", "home")
    for b in ("ing", "er", "ed", "s", "ly", "ful", "ment", "ish", "y", "al", "ous", "ive")
]


def text(seed: int, length: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(length))


def shingle_jaccard(first: str, second: str, size: int = 5) -> float:
    """Computed here independently: sets of word tuples."""

    def grams(words: list[str]) -> set[tuple[str, ...]]:
        return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}

    a, b = grams(first.split()), grams(second.split())
    return len(a & b) / len(a | b)


def texts_of(texts: dict[str, str]):
    return lambda keys: [(key, texts[key]) for key in keys]


def with_changes(source: str, every: int) -> str:
    words = source.split()
    for index in range(0, len(words), every):
        words[index] = "changed"
    return " ".join(words)


def test_planted_near_duplicates_are_found_and_distinct_conversations_are_not():
    texts = {f"c{i}": text(i) for i in range(60)}
    texts["copy-of-c3"] = texts["c3"]
    texts["edit-of-c10"] = with_changes(texts["c10"], every=150)  # two words changed
    texts["rewrite-of-c20"] = with_changes(texts["c20"], every=12)  # well below 0.8
    index = NearDuplicateIndex(threshold=0.8)
    for key, value in texts.items():
        index.add(key, value)

    found = index.find(texts_of(texts))

    pairs = {frozenset((p["first"], p["second"])): p for p in found["pairs"]}
    assert set(pairs) == {frozenset(("c3", "copy-of-c3")), frozenset(("c10", "edit-of-c10"))}
    assert pairs[frozenset(("c3", "copy-of-c3"))]["exact"] == 1.0
    edited = pairs[frozenset(("c10", "edit-of-c10"))]
    assert edited["exact"] == pytest.approx(
        shingle_jaccard(texts["c10"], texts["edit-of-c10"]), abs=0.001
    )
    assert abs(edited["estimated"] - edited["exact"]) < 0.15
    assert shingle_jaccard(texts["c20"], texts["rewrite-of-c20"]) < 0.8
    assert found["pair_count"] == 2
    assert found["conversations_involved"] == 4
    assert found["largest_group"] == 2
    assert found["complete"] is True


def test_three_copies_make_one_group_of_three():
    texts = {f"c{i}": text(100 + i) for i in range(20)}
    texts["c0-again"] = texts["c0"]
    texts["c0-once-more"] = texts["c0"]
    index = NearDuplicateIndex()
    for key, value in texts.items():
        index.add(key, value)
    found = index.find(texts_of(texts))
    assert found["pair_count"] == 3
    assert found["largest_group"] == 3


def test_banding_does_not_compare_every_pair():
    texts = {f"c{i}": text(1000 + i) for i in range(400)}
    index = NearDuplicateIndex()
    for key, value in texts.items():
        index.add(key, value)
    asked = []

    def fetch(keys):
        asked.extend(keys)
        return [(key, texts[key]) for key in keys]

    found = index.find(fetch)
    assert found["pair_count"] == 0
    assert found["candidate_pairs"] < 400 * 399 // 2 // 100  # far fewer than all pairs
    assert len(asked) <= 2 * found["candidate_pairs"]  # only candidates are fetched again


def test_the_banding_finds_similar_pairs_and_skips_dissimilar_ones():
    bands, rows = lsh_bands(0.8, 128)
    assert bands * rows <= 128

    def found(s: float) -> float:
        return 1 - (1 - s**rows) ** bands

    assert found(0.9) > 0.99
    assert found(0.8) > 0.7
    assert found(0.5) < 0.05


@pytest.mark.parametrize("threshold", [0, 1.5, -0.2])
def test_a_threshold_outside_zero_to_one_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicateIndex(threshold=threshold)


def test_distinct_n_counts_distinct_over_total_ngrams():
    counter = DistinctNgrams()
    counter.add("The cat sat.")
    counter.add("the cat ran")
    figures = counter.figures()
    # unigrams: the cat sat the cat ran -> 4 distinct of 6; bigrams: 3 distinct of 4
    assert figures["total_1grams"] == 6 and figures["unique_1grams"] == 4
    assert figures["distinct_1"] == pytest.approx(4 / 6, abs=1e-4)
    assert figures["total_2grams"] == 4 and figures["unique_2grams"] == 3
    assert figures["distinct_2"] == 0.75


def test_distinct_n_stays_exact_across_compactions():
    counter = DistinctNgrams()
    words = [f"w{i}" for i in range(5000)]
    for _ in range(50):  # crosses the compaction size several times
        counter.add(" ".join(words))
    figures = counter.figures()
    assert figures["total_1grams"] == 250_000 and figures["unique_1grams"] == 5000
    assert figures["unique_2grams"] == 4999


def test_no_text_gives_no_ratio():
    assert DistinctNgrams().figures()["distinct_2"] is None


def test_entropy_of_strategy_counts_is_normalised_by_the_eight_strategies():
    assert normalised_entropy({"question": 4, "information": 4}, 8) == pytest.approx(
        math.log(2) / math.log(8), abs=1e-4
    )
    assert normalised_entropy({"question": 10}, 8) == 0.0
    assert normalised_entropy({}, 8) is None
    even = strategy_spread(
        dict.fromkeys(
            [
                "question",
                "information",
                "other",
                "self_disclosure",
                "restatement_or_paraphrasing",
                "reflection_of_feelings",
                "affirmation_and_reassurance",
                "providing_suggestions",
            ],
            3,
        )
    )
    assert even["normalised_entropy"] == 1.0
    assert even["used"] == 8


def turn(client: str, elena: str, strategy: str) -> dict:
    return {
        "user_input": client,
        "assistant_response": elena,
        "emotional_context": {
            "detected_emotions": {"primary": "anxiety"},
            "response_strategy": strategy,
        },
    }


def conversation(seed: int) -> list[dict]:
    strategies = [
        "question",
        "information",
        "providing_suggestions",
        "reflection_of_feelings",
        "affirmation_and_reassurance",
        "restatement_or_paraphrasing",
    ]
    rng = random.Random(seed)
    return [
        turn(text(seed * 10 + i, 40), text(seed * 10 + i + 5000, 80), rng.choice(strategies))
        for i in range(5)
    ]


def test_strategies_and_openings_are_counted_per_turn_and_per_conversation():
    tracker = DiversityTracker()
    tracker.add(
        "a",
        [
            turn("Hi Elena, it's me again.", "Hello.", "question"),
            turn("Yes.", "Good.", "information"),
        ],
    )
    tracker.add("b", [turn("Hi Elena, it's me about the loan.", "Hello.", "question")])
    tracker.add("c", [turn("Good morning, I need help.", "Hello.", "other")])
    figures = tracker.figures(lambda keys: [])
    assert figures["support_strategies"]["counts"]["question"] == 2
    assert figures["support_strategies"]["total"] == 4
    openings = figures["openings"]
    assert openings["distinct"] == 2
    assert openings["most_common"][0] == {"opening": "hi elena it's me", "count": 2}
    assert openings["most_common_share"] == pytest.approx(2 / 3, abs=1e-4)


def test_a_dataset_saying_the_same_thing_many_times_gets_concerns_and_a_varied_one_none():
    same = DiversityTracker()
    one = conversation(1)
    for index in range(20):
        same.add(
            f"same-{index}",
            [turn(t["user_input"], t["assistant_response"], "question") for t in one],
        )
    repeated = same.figures(
        lambda keys: [
            (k, "\n".join(t["user_input"] + "\n" + t["assistant_response"] for t in one))
            for k in keys
        ]
    )
    found = concerns(repeated)
    assert repeated["near_duplicates"]["pair_count"] == 20 * 19 // 2
    assert any("near-duplicate" in line for line in found)
    assert any("distinct-2" in line and "Elena" in line for line in found)
    assert any("support strategies are narrow" in line for line in found)
    assert any("open with the same words" in line for line in found)

    varied = DiversityTracker()
    texts = {}
    for index in range(20):
        turns = conversation(100 + index)
        varied.add(f"v{index}", turns)
        texts[f"v{index}"] = "\n".join(
            t["user_input"] + "\n" + t["assistant_response"] for t in turns
        )
    figures = varied.figures(texts_of(texts))
    assert figures["near_duplicates"]["pair_count"] == 0
    assert concerns(figures) == []


def test_the_tracker_signs_the_same_words_the_exact_check_reads_again():
    turns = conversation(7)
    tracker = DiversityTracker()
    words_counted = tracker.add("x", turns)
    from_text = tracker.index.signature(shingles(conversation_text(turns), 5))
    assert (tracker.index.signatures()[0] == from_text).all()
    assert words_counted == sum(
        len(t["user_input"].split()) + len(t["assistant_response"].split()) for t in turns
    )


def test_more_close_pairs_than_are_checked_exactly_are_still_counted():
    """70 copies of one conversation: 2,415 pairs, more than MAX_EXACT_PAIRS are checked exactly."""
    from review.near_duplicates import MAX_EXACT_PAIRS

    texts = {f"copy-{i}": text(7) for i in range(70)}
    index = NearDuplicateIndex()
    for key, value in texts.items():
        index.add(key, value)
    found = index.find(texts_of(texts))
    assert MAX_EXACT_PAIRS < 70 * 69 // 2
    assert found["largest_group"] == 70
    assert found["complete"] is False


def test_the_hash_set_counts_exactly_what_numpy_unique_counts():
    """Many merges, repeated hashes, all 64 buckets and the top bit: the same count."""
    import numpy as np

    from review.diversity import HashSet

    rng = np.random.default_rng(3)
    hashes = HashSet()
    seen: list[np.ndarray] = []
    for _ in range(40):
        block = rng.integers(0, 2**64 - 1, size=9_000, dtype=np.uint64, endpoint=True)
        block[: len(block) // 3] = block[: len(block) // 3] % 5_000  # many repeats
        if seen:
            block[-100:] = seen[-1][:100]  # and repeats across merges
        hashes.add(block)
        seen.append(block)
    assert len(hashes) == len(np.unique(np.concatenate(seen)))
    assert len(hashes) == len(hashes)  # counting merges the buffer and changes nothing


def test_keys_give_back_what_was_appended_in_order():
    from review.near_duplicates import Keys

    given = ["3f2c…", 17, "", ("tuple", 1), "ünïcode-ключ", "0" * 36]
    keys = Keys()
    for key in given:
        keys.append(key)
    assert len(keys) == len(given)
    assert [keys[i] for i in range(len(keys))] == given
    assert keys[-1] == given[-1]
    with pytest.raises(IndexError):
        keys[len(given)]
