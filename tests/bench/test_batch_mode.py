"""Batch mode against standard mode on the same plan (`make bench`): what a conversation costs,
what a kept one costs, and the database queries each takes.

Thirty conversations across the tiers, written offline (the emulator bills the tokens a real
call would carry) at the models' list prices, with the system prompt long enough to be cached
and a judge call for each. In batch mode every generation call is billed at the Message
Batches price (half the list price; the system prompt's cache written once, at the 1-hour
rate, and read by the others); the judge's calls are standard calls in both modes.

Targets: a conversation's generation cost in batch mode at most 0.5 of standard mode's, the
premium of the one 1-hour cache write over a 5-minute one aside (batch mode writes the
prompt's cache at 2x the input price, standard mode at 1.25x; each run here writes it once, on
its own emulator, so that neither reads the other's cache: measured with it included, the ratio
is about 0.503 at thirty conversations and falls towards 0.5 as the write is spread over more);
a kept conversation (passed its checks, not rejected), every call counted, at most $0.035 in
batch mode; database queries per conversation in batch mode no more than in standard mode's
inline run.
"""

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from generation.batches import run_batches
from generation.calls import Usage
from generation.models import BatchJob, GenerationAttempt
from generation.pricing import cost_of
from review.economics import costs

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
COUNT = 30
SEED = 7
RATIO_TARGET = Decimal("0.5")
PER_ACCEPTED_TARGET = Decimal("0.035")
ROUNDING = Decimal("0.000001") * COUNT


def generation_cost(job: BatchJob) -> Decimal:
    attempts = GenerationAttempt.objects.filter(
        conversation__batch_job=job, kind=GenerationAttempt.Kind.GENERATION
    )
    return attempts.aggregate(total=Sum("cost"))["total"]


def one_hour_premium(job: BatchJob) -> Decimal:
    """What the job's 1-hour cache writes cost beyond half of 5-minute ones."""
    attempts = GenerationAttempt.objects.filter(
        conversation__batch_job=job, kind=GenerationAttempt.Kind.GENERATION
    )
    written = Usage(cache_write_tokens=attempts.aggregate(n=Sum("cache_write_tokens"))["n"])
    return cost_of(written, job.model, batch=True) - cost_of(written, job.model) / 2


def run_batch_job(job: BatchJob, on_commit) -> None:
    """Run batches until the job ends; what they leave for after the commit (the judge's
    calls) runs too, as it would outside the test's transaction."""
    deadline = time.monotonic() + 120
    while job.status not in BatchJob.FINISHED:
        assert time.monotonic() < deadline, job.progress()
        with on_commit(execute=True):
            run_batches()
        job.refresh_from_db()


def test_batch_mode_halves_the_cost_and_keeps_the_queries(
    submit, cacheable_prompt, settings, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as standard_queries:
        standard = submit(count=COUNT, seed=SEED, judge=True)
    # Its own emulator (another batch folder), so no cache written by the standard run is read.
    settings.EMULATOR_BATCH_DIR = settings.EMULATOR_BATCH_DIR.parent / "batch-mode"
    with CaptureQueriesContext(connection) as batch_queries:
        batch = submit(count=COUNT, seed=SEED, judge=True, mode="batch")
        run_batch_job(batch, django_capture_on_commit_callbacks)
    for job in (standard, batch):
        job.refresh_from_db()
        assert job.status == BatchJob.Status.COMPLETED
        assert job.conversations.completed().count() == COUNT
        assert job.judge_cost() > 0

    ratio = (generation_cost(batch) / COUNT) / (generation_cost(standard) / COUNT)
    premium = one_hour_premium(batch)
    net_ratio = (generation_cost(batch) - premium) / generation_cost(standard)
    kept = {
        mode: costs(job.conversations.all())
        for mode, job in (("standard", standard), ("batch", batch))
    }
    per_query = {
        "standard": len(standard_queries) / COUNT,
        "batch": len(batch_queries) / COUNT,
    }
    print(
        f"\nBENCH batch mode, {COUNT} conversations, {standard.model}, judge {standard.judge_model}:"
        f"\n  generation per conversation: standard ${generation_cost(standard) / COUNT:.5f}, "
        f"batch ${generation_cost(batch) / COUNT:.5f}: ratio {ratio:.4f}; "
        f"without the 1-hour cache write's premium (${premium:.5f} in all) {net_ratio:.4f} "
        f"(target <= {RATIO_TARGET}; {net_ratio / RATIO_TARGET:.4f} of the target)"
    )
    for mode, found in kept.items():
        print(
            f"  per kept conversation, every call counted ({mode}): ${found['per_accepted']:.4f} "
            f"({found['accepted']} of {found['generated']} kept; "
            f"{found['per_accepted'] / PER_ACCEPTED_TARGET:.3f} of the ${PER_ACCEPTED_TARGET} target)"
        )
    print(
        f"  database queries per conversation: standard {per_query['standard']:.1f}, "
        f"batch {per_query['batch']:.1f} (ratio {per_query['batch'] / per_query['standard']:.3f}, "
        "target <= 1)"
    )
    # Each call's cost is rounded to a millionth of a dollar: halved after rounding (standard)
    # or before (batch), they may differ by that much a call.
    assert generation_cost(batch) - premium <= generation_cost(standard) * RATIO_TARGET + ROUNDING
    assert kept["batch"]["per_accepted"] <= PER_ACCEPTED_TARGET
    assert per_query["batch"] <= per_query["standard"]
