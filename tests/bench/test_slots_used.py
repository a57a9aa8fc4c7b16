"""Every slot used: mean calls in flight / concurrency over the steady part of a run (target
>= 0.95), from the generation_attempts rows, with the SDK reaching a loopback HTTP server by
ANTHROPIC_BASE_URL (the emulator answering after LATENCY seconds).

The steady part runs from the moment the concurrency-th call started (every slot filled once;
the job's first call goes alone to write the prompt cache) to the moment the last call started
(after that the run drains). Two ways of running: `manage.py generate --workers 2` as the
README runs it, and two separately started qclusters with half the slots' workers each (the
job submitted with `generate --workers 0 --no-wait`, so its tasks go to their broker). On
PostgreSQL + Redis when DATABASE_URL and BENCH_REDIS_URL (or REDIS_URL) say so, else SQLite
and the ORM broker. Generation calls only (JUDGE_ENABLED=false): the judge's calls are not
the job's slots.
"""

import os
from datetime import datetime

import pytest

from eidataset.seeding import seed_scaffolding
from generation.emulator import Emulator
from generation.models import BatchJob, GenerationAttempt
from tests.generation.loopback import loopback_api
from tests.workers.conftest import manage, wait_for

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
LATENCY = 2.0
CALLS_PER_SLOT = 6
TARGET = 0.95
BENCH_KEY = "bench-key-not-a-secret"


def backend() -> str:
    database = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    return f"{database} + {'Redis' if bench_redis() else 'ORM broker'}"


def in_flight_ratio(job: BatchJob, concurrency: int) -> tuple[float, float]:
    """Mean calls in flight over the steady part / concurrency, and that part's length."""
    spans = list(
        GenerationAttempt.objects.filter(
            conversation__batch_job=job, kind=GenerationAttempt.Kind.GENERATION
        ).values_list("started_at", "ended_at")
    )
    starts = sorted(start for start, _ in spans)
    begin, end = starts[concurrency - 1], starts[-1]
    seconds = (end - begin).total_seconds()
    busy = sum(_overlap(start, stop, begin, end) for start, stop in spans)
    return busy / (seconds * concurrency), seconds


def _overlap(start: datetime, stop: datetime, begin: datetime, end: datetime) -> float:
    return max(0.0, (min(stop, end) - max(start, begin)).total_seconds())


def report(label: str, job: BatchJob, concurrency: int) -> None:
    ratio, seconds = in_flight_ratio(job, concurrency)
    workers = GenerationAttempt.objects.filter(conversation__batch_job=job).values("worker")
    print(
        f"\nBENCH slots used, {label}, {backend()}, concurrency {concurrency}: mean calls in "
        f"flight / concurrency {ratio:.3f} over {seconds:.1f} s "
        f"({job.total_items} conversations, {workers.distinct().count()} worker processes; "
        f"target >= {TARGET})"
    )
    assert ratio >= TARGET


def bench_redis() -> str | None:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL")


def api_env(url: str) -> dict[str, str]:
    redis_url = bench_redis()
    if redis_url:  # earlier runs' tasks out of the way
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    return {
        "ANTHROPIC_API_KEY": BENCH_KEY,
        "ANTHROPIC_BASE_URL": url,
        "JUDGE_ENABLED": "false",
        "DEBUG": "false",
        "Q_LOG_LEVEL": "INFO",
        **({"REDIS_URL": redis_url} if redis_url else {}),
    }


@pytest.mark.parametrize("concurrency", [3, 12, 48])
def test_generate_with_two_local_clusters_keeps_every_slot_busy(tmp_path, settings, concurrency):
    seed_scaffolding()
    count = concurrency * CALLS_PER_SLOT
    with loopback_api(Emulator(latency=LATENCY)) as (url, _):
        result = manage(
            tmp_path,
            "generate",
            *("--count", str(count), "--concurrency", str(concurrency), "--workers", "2"),
            *("--seed", "1"),
            SECRET_KEY=settings.SECRET_KEY,
            **api_env(url),
        )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report("generate --workers 2", BatchJob.objects.get(), concurrency)


@pytest.mark.parametrize("concurrency", [3, 12, 48])
def test_two_separately_started_clusters_keep_every_slot_busy(
    start_cluster, settings, tmp_path, concurrency
):
    seed_scaffolding()
    count = concurrency * CALLS_PER_SLOT
    with loopback_api(Emulator(latency=LATENCY)) as (url, _):
        env = {"SECRET_KEY": settings.SECRET_KEY, **api_env(url)}
        clusters = [start_cluster(workers=-(-concurrency // 2), **env) for _ in range(2)]
        for cluster in clusters:
            wait_for(lambda c=cluster: b"running" in c.log.read_bytes(), timeout=120)
        result = manage(
            tmp_path,
            "generate",
            *("--count", str(count), "--concurrency", str(concurrency), "--seed", "3"),
            *("--workers", "0", "--no-wait"),
            **env,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        job = BatchJob.objects.get()
        wait_for(
            lambda: BatchJob.objects.get(pk=job.pk).status == "completed",
            timeout=count * LATENCY + 300,
            every=0.5,
        )
    report("two qclusters", job, concurrency)
