"""A judge's verdict that comes back while the database is locked is stored once the lock is
gone (a fresh connection, retried), not lost and paid for again. SQLite only: another
connection holds the database's write lock while the verdict comes back."""

import json
import os
import sqlite3
import threading

import pytest
from django.db import connection

from generation.models import GenerationAttempt
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from review.judging import judge, open_verdict
from tests.generation.loopback import loopback_api
from tests.review.judge_support import JudgingAPI, a_message, a_verdict

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="SQLite's write lock (PostgreSQL outages: tests/workers/test_outage.py)",
    ),
]
LOCKED_SECONDS = 0.5


@pytest.fixture
def judged_job(settings, tmp_path):
    from eidataset.seeding import seed_scaffolding

    seed_scaffolding()
    # A heartbeat that meets the lock marks an outage in the data folder: keep it to this test.
    settings.DATA_DIR = tmp_path
    settings.ANTHROPIC_API_KEY = ""
    settings.GENERATION_INLINE = True
    settings.EMULATOR_REQUEST_LOG = None
    sets = plan_parameter_sets(counts={"template": 1}, seed=4)
    job = submit_batch(
        resolve_plan([s.to_json() for s in sets]),
        BatchOptions(name="Judge outage", concurrency=1, judge=False),
    )
    job.judge_model = "claude-haiku-5-5"
    job.save(update_fields=["judge_model"])
    return job


def test_a_verdict_that_arrives_while_the_database_is_locked_is_stored_once(settings, judged_job):
    conversation = judged_job.conversations.get()
    verdict = open_verdict(conversation.pk)
    settings.GENERATION_STORE_RETRY_SECONDS = 10.0
    options = connection.settings_dict["OPTIONS"]
    saved, options["timeout"] = options["timeout"], 0.2
    connection.close()
    path = connection.settings_dict["NAME"]

    def locked_then_answered(request):
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")
        threading.Timer(
            LOCKED_SECONDS, lambda: (holder.execute("ROLLBACK"), holder.close())
        ).start()
        return a_message(json.dumps(a_verdict()))

    api = JudgingAPI(locked_then_answered)
    try:
        with loopback_api(api) as (url, _):
            settings.ANTHROPIC_API_KEY = "test-key-not-a-secret"
            settings.ANTHROPIC_BASE_URL = url
            outcome = judge(str(verdict.pk))
    finally:
        options["timeout"] = saved
        connection.close()

    verdict.refresh_from_db()
    conversation.refresh_from_db()
    assert outcome == "done" and verdict.status == "done"
    assert len(api.judge_requests) == 1
    (attempt,) = GenerationAttempt.objects.filter(conversation=conversation, kind="judge")
    assert attempt.outcome == "ok" and attempt.cost == verdict.cost > 0
