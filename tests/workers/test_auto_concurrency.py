"""`generate --concurrency auto` with real qclusters against the emulator's enforced limits."""

from collections import Counter

import pytest

from eidataset.seeding import seed_scaffolding
from generation.emulator import read_request_log
from generation.models import BatchJob
from tests.workers.conftest import manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.workers]


def test_an_auto_job_under_tier_limits_completes_paying_each_conversation_once(tmp_path):
    seed_scaffolding()
    log = tmp_path / "requests.jsonl"
    result = manage(
        tmp_path,
        "generate",
        *("--count", "16", "--workers", "2", "--seed", "2"),
        *("--concurrency", "auto", "--max-concurrency", "4"),
        EMULATOR_RATE_LIMITS="output_tokens=6000",
        EMULATOR_RATE_WINDOW_SECONDS="2",
        EMULATOR_LATENCY_SECONDS="0.3",
        EMULATOR_REQUEST_LOG=str(log),
        CLAUDE_SDK_MAX_RETRIES="2",
        JUDGE_ENABLED="false",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "at concurrency auto (from 2, at most 4)" in result.stdout
    job = BatchJob.objects.get()
    assert job.status == "completed" and job.concurrency_auto and 1 <= job.concurrency <= 4
    entries = [e for e in read_request_log(log) if e["kind"] == "conversation"]
    answered = Counter(e["conversation"] for e in entries if e["status"] == 200)
    stored = {str(pk) for (pk,) in job.conversations.values_list("pk")}
    assert set(answered) == stored and set(answered.values()) == {1}
    # The tier's limits held: 16 conversations of ~1,200 output tokens at 6,000 per 2 s
    # cannot all go at once, so some waited for the window (429s, if any, were retried).
    assert {e["status"] for e in entries} <= {200, 429}


def test_a_concurrency_that_is_neither_a_number_nor_auto_is_refused(tmp_path):
    result = manage(tmp_path, "generate", "--count", "2", "--concurrency", "fast")
    assert result.returncode != 0
    assert "a whole number or 'auto'" in result.stderr
