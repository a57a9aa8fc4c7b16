"""A/B: the same 100-conversation plan split between three seed examples (arm A) and the
prompt alone (arm B) (issue 15.4's benchmark, `make bench`).

Printed per arm from the A/B report: the shared prefix, the cache read share after the arm's
first call (target at least 95% for the examples' arm: one call writes the prefix, every
later one reads it), the cost per accepted conversation (emulator token counts, list prices)
and the diversity figures, each against the ideal (read share 1.0) or the other arm.
"""

import pytest

from generation import examples
from review.ab_report import ab_report

pytestmark = pytest.mark.bench
COUNT = 100
TARGET = 0.95


def test_the_examples_arm_reads_its_prefix_from_the_cache_and_both_arms_are_compared(submit):
    seeds = submit(12, name="Seeds")
    seeds.conversations.update(seed_example=True)
    examples.pin(examples.choose(3))

    job = submit(COUNT, seed=21, ab_examples="none")

    report = ab_report(job)
    a, b = report["arms"]["a"], report["arms"]["b"]
    share = a["cache"]["read_share_after_first"]
    cost_a, cost_b = a["cost"]["per_accepted"], b["cost"]["per_accepted"]
    print(
        f"\n  arms: {a['conversations']} with {a['examples']}, {b['conversations']} with "
        f"{b['examples']}"
        f"\n  shared prefix: {a['cache']['prefix_tokens']:,} tokens (cached: "
        f"{a['cache']['cacheable']}) vs {b['cache']['prefix_tokens']:,} (cached: "
        f"{b['cache']['cacheable']}; minimum {a['cache']['minimum_tokens']:,})"
        f"\n  cache read share after the first call, arm A: {share:.3f} of the ideal 1.0 "
        f"(target >= {TARGET}); writes {a['cache']['cache_write_tokens']:,}, reads "
        f"{a['cache']['cache_read_tokens']:,} tokens"
        f"\n  cost per accepted: ${cost_a:.4f} (A) vs ${cost_b:.4f} (B): {cost_a / cost_b:.2f} of B"
        f"\n  accepted: {a['cost']['accepted']} of {a['completed']} (A), "
        f"{b['cost']['accepted']} of {b['completed']} (B)"
        f"\n  distinct-2: {a['diversity']['distinct_2']} (A) vs {b['diversity']['distinct_2']} (B); "
        f"shared 4-word phrases {a['diversity']['shared_phrase_share']:.1%} vs "
        f"{b['diversity']['shared_phrase_share']:.1%}; from the examples "
        f"{a['diversity']['from_examples_share']:.1%} (shown) vs "
        f"{b['diversity']['from_examples_share']:.1%} (not shown)"
    )
    assert a["completed"] + b["completed"] == COUNT
    assert abs(a["conversations"] - b["conversations"]) <= 1
    assert a["cache"]["cacheable"] and share >= TARGET
    assert b["cache"]["cache_read_tokens"] == 0  # the prompt alone is under the minimum
    assert cost_a is not None and cost_b is not None
