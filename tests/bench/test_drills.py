"""Fault drills with real qclusters and the SDK reaching a loopback Messages API by
ANTHROPIC_BASE_URL (the emulator answering after LATENCY seconds), default lease settings:

- a qcluster's process group killed with SIGKILL mid-run: seconds until the conversations
  whose calls died with it are called again (target <= 90);
- the PostgreSQL server restarted mid-run, then stopped for OUTAGE seconds, on PostgreSQL +
  Redis: replies received but not stored (target 0) and seconds from the server's return
  until new calls go out (target <= 30 each time). A private server is started for it
  (tests/bench/private_postgres.py). Replies that arrive during the stop outlast the store's
  retry (GENERATION_STORE_RETRY_SECONDS, 15 s) and go through the journal.

Jobs are submitted as an operator would, with `manage.py generate --workers 0 --no-wait`, so
the tasks go to whichever broker the clusters use (Redis with BENCH_REDIS_URL)."""

import os
import re
import threading
import time
from collections import Counter
from pathlib import Path

import httpx2
import pytest

from eidataset.seeding import seed_scaffolding
from generation.emulator import Emulator, read_request_log
from generation.models import BatchJob, GenerationAttempt
from tests.bench.private_postgres import private_postgres
from tests.generation.loopback import loopback_api
from tests.workers.conftest import Cluster, manage, wait_for

pytestmark = pytest.mark.bench
LATENCY = 4.0
KILL_TARGET = 90.0
RESUME_TARGET = 30.0
OUTAGE = 20.0
BENCH_KEY = "bench-key-not-a-secret"


def bench_redis() -> str | None:
    """The Redis database given to benches, emptied of earlier runs' tasks."""
    url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
    return url


def api_env(url: str, redis_url: str | None) -> dict[str, str]:
    return {
        "ANTHROPIC_API_KEY": BENCH_KEY,
        "ANTHROPIC_BASE_URL": url,
        "JUDGE_ENABLED": "false",  # generation calls only: the drills count replies
        "DEBUG": "false",
        "Q_LOG_LEVEL": "INFO",
        **({"REDIS_URL": redis_url} if redis_url else {}),
    }


class Arrivals:
    """The emulator behind the loopback server, noting when each request arrives."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.times: list[float] = []
        self._lock = threading.Lock()

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        with self._lock:
            self.times.append(time.monotonic())
        return self.emulator.handle(request)

    def first_after(self, moment: float) -> float | None:
        with self._lock:
            return next((at for at in self.times if at > moment), None)


def worker_pids(cluster: Cluster) -> set[str]:
    return set(re.findall(r"ready for work at (\d+)", cluster.log.read_text()))


def submit(tmp_path: Path, count: int, concurrency: int, **env: str) -> None:
    result = manage(
        tmp_path,
        "generate",
        *("--count", str(count), "--concurrency", str(concurrency), "--seed", "1"),
        *("--workers", "0", "--no-wait"),
        **env,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.django_db(transaction=True)
def test_sigkill_drill_a_dead_clusters_conversations_are_called_again_within_90_s(
    start_cluster, settings, tmp_path
):
    seed_scaffolding()
    redis_url = bench_redis()
    calls = tmp_path / "requests.jsonl"
    with loopback_api(Arrivals(Emulator(latency=LATENCY, request_log=calls))) as (url, _):
        env = {"SECRET_KEY": settings.SECRET_KEY, **api_env(url, redis_url)}
        doomed, survivor = (start_cluster(workers=6, **env) for _ in range(2))
        for cluster in (doomed, survivor):
            wait_for(lambda c=cluster: b"running" in c.log.read_bytes(), timeout=120)
        submit(tmp_path, 60, 6, **env)
        job = BatchJob.objects.get()
        attempts = GenerationAttempt.objects.filter(conversation__batch_job=job)

        def doomed_calls() -> list[tuple]:
            pids = worker_pids(doomed)
            return [
                (conversation, number)
                for conversation, number, worker in attempts.filter(
                    ended_at__isnull=True
                ).values_list("conversation", "number", "worker")
                if worker.rsplit(":", 1)[-1] in pids
            ]

        wait_for(
            lambda: attempts.filter(outcome="ok").count() >= 12 and len(doomed_calls()) >= 2,
            timeout=300,
            every=0.2,
        )
        lost = doomed_calls()
        doomed.kill()
        killed = time.monotonic()

        def called_again() -> bool:
            return all(
                attempts.filter(conversation=conversation, number__gt=number).exists()
                for conversation, number in lost
            )

        wait_for(called_again, timeout=300, every=0.2)
        seconds = time.monotonic() - killed
        wait_for(
            lambda: BatchJob.objects.get(pk=job.pk).status == "completed", timeout=600, every=0.5
        )
    backend = "PostgreSQL + Redis" if redis_url else "SQLite + ORM broker"
    print(
        f"\nBENCH drill SIGKILL, {backend}: {len(lost)} call(s) lost with the cluster, called "
        f"again {seconds:.1f} s after the kill (lease {settings.GENERATION_LEASE_SECONDS} s; "
        f"target <= {KILL_TARGET:.0f} s)"
    )
    ok = Counter(attempts.filter(outcome="ok").values_list("conversation", flat=True))
    assert ok == {pk: 1 for pk in job.conversations.values_list("pk", flat=True)}
    assert seconds <= KILL_TARGET


def test_a_postgres_restart_and_stop_mid_run_discard_no_reply_and_calls_resume_within_30_s(
    start_cluster, settings, tmp_path
):
    redis_url = bench_redis()
    if not redis_url:
        pytest.skip("PostgreSQL + Redis: set BENCH_REDIS_URL")
    calls = tmp_path / "requests.jsonl"
    arrivals = Arrivals(Emulator(latency=LATENCY, request_log=calls))
    with private_postgres() as server, loopback_api(arrivals) as (url, _):
        env = {"DATABASE_URL": server.url, "SECRET_KEY": settings.SECRET_KEY}
        env.update(api_env(url, redis_url))
        for command in ("migrate", "seed_scaffolding"):
            result = manage(tmp_path, command, **env)
            assert result.returncode == 0, result.stderr[-2000:]
        clusters = [start_cluster(workers=6, **env) for _ in range(2)]
        for cluster in clusters:
            wait_for(lambda c=cluster: b"running" in c.log.read_bytes(), timeout=120)
        submit(tmp_path, 80, 6, **env)

        def stored() -> int:
            rows = server.query("SELECT count(*) FROM conversations WHERE status = 'completed'")
            return rows[0][0]

        def resumed_after(back: float) -> float:
            wait_for(lambda: arrivals.first_after(back) is not None, timeout=120, every=0.1)
            return arrivals.first_after(back) - back

        wait_for(lambda: stored() >= 15, timeout=300, every=0.5)
        restart_seconds = server.restart()
        after_restart = resumed_after(time.monotonic())
        wait_for(lambda: stored() >= 35, timeout=300, every=0.5)
        server.stop()
        time.sleep(OUTAGE)
        server.start()
        after_stop = resumed_after(time.monotonic())
        wait_for(
            lambda: server.query("SELECT status FROM batch_jobs")[0][0] == "completed",
            timeout=600,
            every=0.5,
        )
        ok = server.query(
            "SELECT count(*) FROM generation_attempts WHERE outcome = 'ok' AND kind = 'generation'"
        )[0][0]
        completed = stored()
    answered = [
        entry
        for entry in read_request_log(calls)
        if entry["status"] == 200 and entry["kind"] == "conversation"
    ]
    discarded = len(answered) - ok
    held = [path.name for path in (tmp_path / "journal").glob("*.json")]
    logs = "".join(cluster.log.read_text() for cluster in clusters)
    print(
        f"\nBENCH drill PostgreSQL restart ({restart_seconds:.1f} s) and stop ({OUTAGE:.0f} s) "
        f"on PostgreSQL + Redis: {len(answered)} replies received, {ok} stored, {discarded} "
        f"discarded (target 0); calls resumed {after_restart:.1f} s after the restart and "
        f"{after_stop:.1f} s after the stop (target <= {RESUME_TARGET:.0f} s); "
        f"{logs.count('unreachable while storing')} store(s) retried on a fresh connection, "
        f"{logs.count('is held in')} reply(ies) held in the journal and replayed"
    )
    assert completed == 80 and not held
    assert discarded == 0
    assert after_restart <= RESUME_TARGET and after_stop <= RESUME_TARGET
