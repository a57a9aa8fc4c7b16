"""The judge under a killed worker, with real qclusters (`make bench`).

A judged job of COUNT conversations runs on one qcluster (the emulator answering after
LATENCY seconds, judge calls included); the cluster's process group is killed with SIGKILL
while a judge call is in flight, and a second cluster finishes the job. The judge's lease is
shortened to JUDGE_LEASE seconds so that the sweep returns the dead worker's verdicts soon.

Targets: every conversation ends with exactly one stored verdict and one judge attempt that
was paid in full (the emulator answered one judge request per conversation); a call killed in
flight is charged once, at its estimate; everything is judged within TARGET seconds of the
kill.
"""

import time
from collections import Counter

import pytest
from django.db import close_old_connections

from eidataset.seeding import seed_scaffolding
from generation.dispatch import dispatch, sweep
from generation.emulator import read_request_log
from generation.models import GenerationAttempt
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from review.judging import sweep_judging
from review.models import JudgeVerdict
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
COUNT = 6
LATENCY = 1.5
JUDGE_LEASE = 6
TARGET = 60.0


@pytest.fixture
def drill_settings(settings, tmp_path, transactional_db):
    seed_scaffolding()
    settings.ANTHROPIC_API_KEY = ""
    settings.GENERATION_INLINE = False
    settings.EMULATOR_REQUEST_LOG = str(tmp_path / "requests.jsonl")
    settings.EMULATOR_FAULTS = ""
    settings.EMULATOR_LATENCY_SECONDS = LATENCY
    settings.GENERATION_LEASE_SECONDS = 8
    settings.JUDGE_LEASE_SECONDS = JUDGE_LEASE
    return settings


def verdicts(job, status: str) -> set:
    close_old_connections()
    return set(
        JudgeVerdict.objects.filter(conversation__batch_job=job, status=status).values_list(
            "pk", flat=True
        )
    )


def test_a_worker_killed_mid_judge_call_pays_each_judge_call_once(drill_settings, start_cluster):
    sets = plan_parameter_sets(counts={"template": COUNT}, seed=8)
    job = submit_batch(
        resolve_plan([s.to_json() for s in sets]),
        BatchOptions(name="Judge drill", concurrency=3, judge=True),
    )
    dispatch()
    lease = {"JUDGE_LEASE_SECONDS": str(JUDGE_LEASE)}
    first = start_cluster(workers=3, **lease)
    wait_for(lambda: bool(verdicts(job, "judging")), timeout=90, every=0.05)
    first.kill()
    killed_at = time.monotonic()
    in_flight = verdicts(job, "judging")
    start_cluster(workers=3, **lease)

    def everything_swept() -> None:
        sweep()
        sweep_judging()

    try:
        wait_for(
            lambda: len(verdicts(job, "done")) == COUNT,
            timeout=TARGET,
            every=0.5,
            tick=everything_swept,
        )
    except AssertionError:
        rows = JudgeVerdict.objects.filter(conversation__batch_job=job)
        print(list(rows.values_list("status", "attempts", "error", "lease_expires_at")))
        raise
    seconds = time.monotonic() - killed_at

    judged = GenerationAttempt.objects.filter(
        conversation__batch_job=job, kind=GenerationAttempt.Kind.JUDGE
    )
    conversations = set(job.conversations.values_list("pk", flat=True))
    lost = judged.filter(outcome="lost")
    answered = Counter(
        entry["conversation"]
        for entry in read_request_log(drill_settings.EMULATOR_REQUEST_LOG)
        if entry["kind"] == "judge" and entry["status"] == 200
    )
    print(
        f"\n  judge drill: {len(in_flight)} judge call(s) killed in flight, {lost.count()} "
        f"charged at the estimate, all {COUNT} judged {seconds:.1f} s after the kill "
        f"(target <= {TARGET:.0f})"
    )
    assert Counter(judged.filter(outcome="ok").values_list("conversation", flat=True)) == {
        pk: 1 for pk in conversations
    }
    assert answered == {str(pk): 1 for pk in conversations}
    assert lost.exists()
    assert all(attempt.cost_estimated and attempt.cost > 0 for attempt in lost)
    assert set(lost.values_list("conversation__judge_verdict", flat=True)) <= in_flight
    assert judged.count() == COUNT + lost.count()
