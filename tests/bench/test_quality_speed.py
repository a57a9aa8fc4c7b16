"""Checks, scoring and the quality report over 10,000 stored conversations (`make bench`).

A few dozen conversations are generated through the emulator, then 10,000 copies are stored
with bulk_create, each made of turns taken from different source conversations so that they
are varied (not all near-duplicates). Printed: conversations per second and peak traced
memory for check_all (checks + scoring + storing the result) and for build_report (which
includes near-duplicate detection), and build_report's peak memory at 10,000 against 1,000,
which should stay near flat: only the MinHash signatures and the distinct n-grams grow.
"""

import random
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from generation.models import BatchJob, Conversation
from review.report import build_report
from review.validation import check_all, completed

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
SOURCES = 40
LARGE, SMALL = 10_000, 1_000
COPY_FIELDS = (
    "tier",
    "persona_id",
    "emotional_arc_id",
    "training_topic_id",
    "edge_case_id",
    "chunk_id",
    "chunk_context",
    "parameters",
    "source",
    "model",
    "prompt_template_id",
    "consultant_profile_id",
    "quality_score",
    "validation",
)


def varied_copies(sources: list[Conversation], job: BatchJob, count: int) -> list[Conversation]:
    """Copies whose turns come from several sources: turn i from a randomly chosen source."""
    rng = random.Random(7)
    copies = []
    for number in range(1, count + 1):
        base = sources[number % len(sources)]
        turns = []
        for index in range(len(base.turns)):
            donor = rng.choice(sources)
            turns.append(donor.turns[min(index, len(donor.turns) - 1)])
        fields = {name: getattr(base, name) for name in COPY_FIELDS}
        copies.append(
            Conversation(
                batch_job=job, sequence_number=number, status="completed", turns=turns, **fields
            )
        )
    return copies


def measured(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MiB traced)."""
    tracemalloc.start()
    begin = time.perf_counter()
    try:
        result = work()
        seconds = time.perf_counter() - begin
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return result, seconds, peak


def test_checks_scoring_and_report_over_ten_thousand_conversations(submit):
    source_job = submit(SOURCES, name="sources")
    sources = list(source_job.conversations.filter(status="completed"))
    job = BatchJob.objects.create(
        name="bench copies",
        model=source_job.model,
        max_tokens=source_job.max_tokens,
        prompt_template=source_job.prompt_template,
        consultant_profile=source_job.consultant_profile,
        total_items=LARGE,
    )
    Conversation.objects.bulk_create(varied_copies(sources, job, LARGE), batch_size=500)

    stored = completed().filter(batch_job=job).order_by("sequence_number")
    begin = time.perf_counter()
    summary = check_all(stored)
    seconds = time.perf_counter() - begin
    assert summary["summary"]["checked"] == LARGE
    # Its memory does not grow with the count (an iterator, one row at a time): traced on a
    # slice, since tracing doubles the time of this allocation-heavy loop.
    checked, _, peak = measured(lambda: check_all(stored.filter(sequence_number__lte=SMALL)))
    assert checked["summary"]["checked"] == SMALL
    print(
        f"\nBENCH check_all (checks, score, stored result): {LARGE / seconds:.0f} "
        f"conversations/s ({LARGE} in {seconds:.1f} s), peak {peak:.1f} MiB traced over {SMALL}"
    )

    small = Conversation.objects.filter(batch_job=job, sequence_number__lte=SMALL)
    report_small, seconds_small, peak_small = measured(lambda: build_report(small, name="1k"))
    everything = Conversation.objects.filter(batch_job=job)
    report, seconds_large, peak_large = measured(lambda: build_report(everything, name="10k"))
    assert report_small["dataset"]["total_conversations"] == SMALL
    assert report["dataset"]["total_conversations"] == LARGE
    near = report["diversity"]["near_duplicates"]
    assert near["pair_count"] < LARGE // 10  # varied copies are not all near-duplicates
    signatures = LARGE * near["num_perm"] * 4 / 2**20
    print(
        f"BENCH build_report: {SMALL / seconds_small:.0f} conversations/s at {SMALL} "
        f"(peak {peak_small:.1f} MiB), {LARGE / seconds_large:.0f} conversations/s at {LARGE} "
        f"(peak {peak_large:.1f} MiB, of which signatures {signatures:.1f} MiB); "
        f"{near['pair_count']} near-duplicate pairs from {near['candidate_pairs']} candidates"
    )
    print(
        f"BENCH build_report peak memory 10,000 / 1,000: ratio {peak_large / peak_small:.2f} "
        f"(conversations ratio 10.00)"
    )
