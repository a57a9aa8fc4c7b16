"""Generation speed, printed as ratios against the ideal (run by `make bench`, not `make test`).

- wall time for 60 conversations at emulator latency 0.5 s and concurrency 3, one qcluster,
  against 60 x 0.5 / 3 = 10 s (target <= 1.15);
- the same at concurrency 12 with two qclusters on PostgreSQL + Redis, against 60 x 0.5 / 12
  = 2.5 s (target <= 1.25; skipped unless DATABASE_URL is PostgreSQL and REDIS_URL is set);
(database queries per conversation: test_generation_queries.py)
"""

import os
import statistics

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from eidataset.seeding import seed_scaffolding
from generation.models import BatchJob, GenerationAttempt
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
COUNT = 60
LATENCY = 0.5


def planned() -> list:
    return resolve_plan(
        [s.to_json() for s in plan_parameter_sets(counts={"template": COUNT}, seed=3)]
    )


def wait_until_ready(cluster) -> None:
    wait_for(lambda: b"running" in cluster.log.read_bytes(), timeout=60)


def settle_the_database() -> None:
    """PostgreSQL writes out what creating and migrating the test database left in its
    buffers now, not while the clock runs. Needs a role allowed to CHECKPOINT."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:
        print(f"\n  (no CHECKPOINT before the run: {error})")


def report(label: str, seconds: float, ideal: float, target: float) -> None:
    ratio = seconds / ideal
    print(
        f"\nBENCH {label}: {seconds:.2f} s for {COUNT} conversations, ideal {ideal:.2f} s, "
        f"ratio {ratio:.2f} (target <= {target})"
    )
    assert ratio <= target, f"{label}: {seconds:.2f} s is {ratio:.2f} x the ideal (target {target})"


def run(start_cluster, settings, concurrency: int, clusters: int, **env: str) -> float:
    settings.ANTHROPIC_API_KEY = ""
    settings.GENERATION_INLINE = False
    settings.EMULATOR_LATENCY_SECONDS = LATENCY
    seed_scaffolding()
    # Workers as an operator runs them: DEBUG off (Django then keeps no log of every query),
    # with the same secret key as this process, which signs the tasks it queues.
    production = {"DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY}
    started = [
        start_cluster(workers=concurrency, Q_LOG_LEVEL="INFO", **production, **env)
        for _ in range(clusters)
    ]
    for cluster in started:
        wait_until_ready(cluster)
    plan = planned()  # planning is not generation: the clock starts at submission
    settle_the_database()
    begin = timezone.now()
    job = submit_batch(plan, BatchOptions(name="bench", concurrency=concurrency))
    wait_for(lambda: BatchJob.objects.get(pk=job.pk).status == "completed", timeout=300, every=0.05)
    # The clock stops when the job was marked completed (the workers record it, on this
    # machine's clock), not when this loop next looked.
    seconds = (BatchJob.objects.get(pk=job.pk).finished_at - begin).total_seconds()
    timeline(job)
    return seconds


def timeline(job) -> None:
    """Where the time went, from the recorded attempts: the call itself (emulator latency
    included) against the worker's own time between one call and its next."""
    attempts = list(
        GenerationAttempt.objects.filter(conversation__batch_job=job).order_by("started_at")
    )
    calls = [(a.ended_at - a.started_at).total_seconds() for a in attempts]
    gaps, last_end = [], {}
    for attempt in attempts:
        if attempt.worker in last_end:
            gaps.append((attempt.started_at - last_end[attempt.worker]).total_seconds())
        last_end[attempt.worker] = attempt.ended_at
    first = (attempts[0].started_at - job.created_at).total_seconds()
    if os.environ.get("BENCH_VERBOSE"):
        for a in attempts:
            print(
                f"  {a.worker:>24} {(a.started_at - job.created_at).total_seconds():6.3f} "
                f"{(a.ended_at - job.created_at).total_seconds():6.3f}"
            )
    finished = BatchJob.objects.get(pk=job.pk).finished_at
    tail = (finished - max(a.ended_at for a in attempts)).total_seconds()
    print(
        f"\n  {len(attempts)} attempts by {len(last_end)} workers; submit to first call "
        f"{first * 1000:.0f} ms; call {statistics.mean(calls) * 1000:.0f} ms mean, "
        f"{max(calls) * 1000:.0f} ms max; between calls {statistics.mean(gaps or [0]) * 1000:.0f} "
        f"ms mean, {max(gaps or [0]) * 1000:.0f} ms max; last call to job completed "
        f"{tail * 1000:.0f} ms"
    )


def test_sixty_conversations_at_concurrency_3_with_one_cluster(start_cluster, settings):
    seconds = run(start_cluster, settings, concurrency=3, clusters=1)
    report("concurrency 3, 1 qcluster", seconds, COUNT * LATENCY / 3, 1.15)


@pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
    reason="needs DATABASE_URL=postgres://... and REDIS_URL",
)
def test_sixty_conversations_at_concurrency_12_with_two_clusters_on_postgres_and_redis(
    start_cluster, settings
):
    seconds = run(
        start_cluster, settings, concurrency=12, clusters=2, REDIS_URL=os.environ["REDIS_URL"]
    )
    report("concurrency 12, 2 qclusters, PostgreSQL + Redis", seconds, COUNT * LATENCY / 12, 1.25)
