"""Generation with real qcluster processes: a worker killed mid-call, and two clusters."""

import time
from collections import Counter

import pytest
from django.db import close_old_connections

from generation.dispatch import dispatch, sweep
from generation.emulator import read_request_log
from generation.models import BatchJob, GenerationAttempt
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.workers]


@pytest.fixture
def workers_settings(settings, tmp_path, scaffolding_committed):
    settings.ANTHROPIC_API_KEY = ""
    settings.GENERATION_INLINE = False
    settings.EMULATOR_REQUEST_LOG = str(tmp_path / "requests.jsonl")
    settings.EMULATOR_FAULTS = ""
    return settings


@pytest.fixture
def scaffolding_committed(transactional_db):
    from eidataset.seeding import seed_scaffolding

    return seed_scaffolding()


def submit(count: int, concurrency: int) -> BatchJob:
    sets = plan_parameter_sets(counts={"template": count}, seed=5)
    job = submit_batch(
        resolve_plan([s.to_json() for s in sets]),
        BatchOptions(name="Worker test", concurrency=concurrency),
    )
    dispatch()  # transaction=True: on_commit already ran, this is a no-op top-up
    return job


def state(job: BatchJob) -> Counter:
    close_old_connections()
    return Counter(job.conversations.values_list("status", flat=True))


def test_a_worker_killed_mid_call_loses_no_conversation_and_pays_none_twice(
    workers_settings, start_cluster
):
    workers_settings.EMULATOR_LATENCY_SECONDS = 1.5
    workers_settings.GENERATION_LEASE_SECONDS = 8
    job = submit(12, concurrency=3)
    first = start_cluster(workers=3)
    wait_for(lambda: state(job)["completed"] >= 3 and state(job)["generating"] >= 2, timeout=90)
    first.kill()
    in_flight = set(job.conversations.filter(status="generating").values_list("pk", flat=True))
    assert in_flight
    start_cluster(workers=3)
    wait_for(lambda: state(job)["completed"] == 12, timeout=120, every=0.5, tick=sweep)

    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    attempts = GenerationAttempt.objects.filter(conversation__batch_job=job)
    assert Counter(attempts.filter(outcome="ok").values_list("conversation", flat=True)) == {
        pk: 1 for pk in job.conversations.values_list("pk", flat=True)
    }
    lost = set(attempts.filter(outcome="lost").values_list("conversation", flat=True))
    assert lost == in_flight  # exactly the killed calls were retried
    answered = Counter(
        entry["conversation"]
        for entry in read_request_log(workers_settings.EMULATOR_REQUEST_LOG)
        if entry["status"] == 200
    )
    assert answered == {str(pk): 1 for pk in job.conversations.values_list("pk", flat=True)}


def test_two_clusters_on_one_job_never_exceed_its_concurrency(workers_settings, start_cluster):
    workers_settings.EMULATOR_LATENCY_SECONDS = 0.4
    job = submit(16, concurrency=4)
    start_cluster(workers=4)
    start_cluster(workers=4)
    peak = 0
    deadline = time.monotonic() + 120
    while state(job)["completed"] < 16:
        assert time.monotonic() < deadline, state(job)
        peak = max(peak, state(job)["generating"])
        time.sleep(0.02)
    assert 2 <= peak <= 4
    workers = set(
        GenerationAttempt.objects.filter(conversation__batch_job=job).values_list(
            "worker", flat=True
        )
    )
    assert len({worker.split(":")[-1] for worker in workers}) >= 2  # several processes shared it


def test_a_job_paused_mid_run_stops_taking_conversations_and_resumes_where_it_stopped(
    workers_settings, start_cluster
):
    workers_settings.EMULATOR_LATENCY_SECONDS = 0.5
    job = submit(12, concurrency=2)
    start_cluster(workers=2)
    wait_for(lambda: state(job)["completed"] >= 3, timeout=90)
    assert BatchJob.objects.get(pk=job.pk).pause("Checking the first conversations")
    wait_for(lambda: state(job)["generating"] == 0, timeout=30)
    settled = state(job)["completed"]
    time.sleep(2)
    assert state(job)["completed"] == settled < 12  # nothing new starts while paused
    assert BatchJob.objects.get(pk=job.pk).resume()
    wait_for(lambda: state(job)["completed"] == 12, timeout=90, every=0.2, tick=dispatch)
    assert BatchJob.objects.get(pk=job.pk).status == BatchJob.Status.COMPLETED
    assert GenerationAttempt.objects.filter(conversation__batch_job=job).count() == 12
