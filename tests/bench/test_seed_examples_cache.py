"""Seed examples in the cached prompt (issue 15's benchmark, `make bench`).

Three seed examples, picked by the documented rule from twelve marked conversations, are
pinned; a 100-conversation job shows them after the system prompt and the same plan runs
again without them. Printed: the shared prefix's tokens with and without the examples; the
cache read share after the first call (tokens read from the cache over the prefix tokens of
every later call; target at least 95%); the cost per conversation with and without the
examples (emulator token counts, list prices: the examples are paid once as a cache write,
then at the cache-read price, while the prompt alone is under the cache minimum and paid in
full every call).
"""

from decimal import Decimal

import pytest
from django.db.models import Sum

from generation import examples
from generation.models import GenerationAttempt
from generation.prompts import shared_prefix

pytestmark = pytest.mark.bench
COUNT = 100
TARGET = 0.95


def test_three_seed_examples_are_read_from_the_cache_by_every_later_call(submit):
    seeds = submit(12)
    seeds.conversations.update(seed_example=True)
    examples.pin(examples.choose(3))

    job = submit(COUNT, seed=21)
    plain = submit(COUNT, seed=21, examples=False)

    prefix, alone = shared_prefix(job), shared_prefix(plain)
    calls = GenerationAttempt.objects.filter(conversation__batch_job=job).order_by("started_at")
    later = calls[1:]
    read = later.aggregate(total=Sum("cache_read_tokens"))["total"] or 0
    share = read / (prefix.tokens * later.count())
    cost, cost_alone = job.actual_cost() / COUNT, plain.actual_cost() / COUNT
    print(
        f"\n  shared prefix: {prefix.tokens:,} tokens with 3 examples "
        f"({'cached' if prefix.cacheable else 'NOT cached'}), {alone.tokens:,} without "
        f"({'cached' if alone.cacheable else 'not cached'}; minimum {prefix.minimum:,})"
        f"\n  cache read share after the first call: {share:.3f} (target >= {TARGET})"
        f"\n  cost per conversation: ${cost:.5f} with the examples, ${cost_alone:.5f} without "
        f"({cost / cost_alone:.2f} of it)"
    )
    assert job.conversations.completed().count() == COUNT
    assert prefix.cacheable
    assert share >= TARGET
    assert cost > Decimal("0")
