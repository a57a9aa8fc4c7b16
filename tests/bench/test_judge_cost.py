"""The judge's added cost per conversation, at the models' list prices (`make bench`).

Thirty conversations across the tiers are written and judged offline: the emulator bills the
tokens a real call would carry (about four characters a token) for the generator's request
and reply (CLAUDE_MODEL, claude-sonnet-5-5: $3 / $15 per million in / out) and for the
judge's (CLAUDE_JUDGE_MODEL, claude-haiku-5-5: $1 / $5). The judge reads the whole
conversation and its brief and writes 20 items with quotes and reasons and 14 defect flags.

Target: the judge adds at most 30% to a conversation's generation cost, measured and in the
job's estimate. Why 30 and not less: the verdict has a fixed size whatever the conversation
(34 entries: their keys and fields alone are about 560 output tokens at $5 per million, some
11% of an emulated conversation's cost), and the emulator's conversations are shorter than a real
model's (about 1,350 output tokens, against the 320 a turn the estimate expects), so the share
measured here is higher than the estimate's. The judge's estimated share must also not be
under what it spent (a budget cap set from the estimate would otherwise be passed).
"""

from decimal import Decimal

import pytest
from django.db.models import Sum

from generation.models import GenerationAttempt

pytestmark = pytest.mark.bench
COUNT = 30
TARGET = Decimal("0.30")


def spent(job, kind: str) -> tuple[Decimal, int, int]:
    attempts = GenerationAttempt.objects.filter(conversation__batch_job=job, kind=kind)
    totals = attempts.aggregate(
        cost=Sum("cost"), input=Sum("input_tokens"), output=Sum("output_tokens")
    )
    return totals["cost"], totals["input"], totals["output"]


def test_the_judge_adds_at_most_a_quarter_to_a_conversations_generation_cost(submit, settings):
    plain = submit(count=COUNT, run=False, judge=False)
    job = submit(count=COUNT, judge=True)

    assert job.conversations.completed().count() == COUNT
    assert job.judge_cost() > 0
    generation, gen_in, gen_out = spent(job, GenerationAttempt.Kind.GENERATION)
    judge, judge_in, judge_out = spent(job, GenerationAttempt.Kind.JUDGE)
    share = judge / generation
    estimated_judge = job.judge_estimated_cost
    assert job.estimated_cost - estimated_judge == plain.estimated_cost
    print(
        f"\n  per conversation: generation ${generation / COUNT:.5f} "
        f"({gen_in // COUNT} in / {gen_out // COUNT} out tokens, {job.model}), "
        f"judge ${judge / COUNT:.5f} ({judge_in // COUNT} in / {judge_out // COUNT} out, "
        f"{job.judge_model}): +{share:.1%} (target <= {TARGET:.0%})"
        f"\n  estimated per conversation: generation ${plain.estimated_cost / COUNT:.5f}, "
        f"judge ${estimated_judge / COUNT:.5f}: +{estimated_judge / plain.estimated_cost:.1%}"
    )
    assert share <= TARGET
    assert estimated_judge / plain.estimated_cost <= TARGET
    assert estimated_judge >= judge
