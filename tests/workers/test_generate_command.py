"""`manage.py generate` as an operator runs it: plan, submit, start qclusters, follow, exit code."""

import subprocess

import pytest

from eidataset.seeding import seed_scaffolding
from generation.models import BatchJob
from tests.workers.conftest import manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.workers]


def generate(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return manage(tmp_path, "generate", *args, **env)


def test_generate_builds_a_whole_batch_with_local_workers_and_exits_0(tmp_path):
    seed_scaffolding()
    result = generate(
        tmp_path, "--count", "12", "--workers", "2", "--concurrency", "3", "--seed", "1"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "offline emulator" in result.stdout
    assert "completed: 12/12 completed, 0 failed" in result.stdout
    job = BatchJob.objects.get()
    assert job.status == "completed" and job.conversations.filter(status="completed").count() == 12
    assert job.plan_seed == 1 and job.coverage["total"] == 12
    workers = set(job.conversations.values_list("attempt_log__worker", flat=True))
    assert len(workers) >= 1 and all(":" in worker for worker in workers)


def test_generate_exits_non_zero_with_the_reasons_when_conversations_fail(tmp_path):
    seed_scaffolding()
    result = generate(
        tmp_path,
        "--count",
        "4",
        "--workers",
        "1",
        "--seed",
        "1",
        EMULATOR_FAULTS="invalid_json=1.0",
        GENERATION_MAX_ATTEMPTS="1",
    )
    assert result.returncode == 1
    assert "0/4 completed, 4 failed" in result.stdout
    assert result.stdout.count("the reply is not JSON") == 4  # one reason per conversation
    assert "(after 1 attempt(s))" in result.stdout
