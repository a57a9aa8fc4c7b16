"""Database queries per generated conversation (emulator without latency), on the two paths:
a qcluster worker going from one conversation to the next (each taken in the transaction that
stored the one before), and an inline run (GENERATION_INLINE, one dispatch per conversation)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from generation.dispatch import dispatch, take_next
from generation.models import BatchJob
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from generation.tasks import generate_conversation

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
COUNT = 60
BUDGET = 20  # queries per conversation we consider healthy, in a worker (production's path)
# Inline (development, tests) each conversation goes through its own dispatch, which looks
# the active jobs up again: a few queries more are expected there, not more than this.
INLINE_BUDGET = 25


@pytest.fixture
def submitted(scaffolding, settings, django_capture_on_commit_callbacks):
    settings.ANTHROPIC_API_KEY = ""
    settings.EMULATOR_LATENCY_SECONDS = 0.0
    sets = plan_parameter_sets(counts={"template": COUNT}, seed=4)
    with django_capture_on_commit_callbacks(execute=False):  # nothing dispatched yet
        job = submit_batch(
            resolve_plan([s.to_json() for s in sets]), BatchOptions(name="queries", concurrency=1)
        )
    return job


def report(label: str, queries: CaptureQueriesContext, job: BatchJob, budget: int) -> None:
    assert BatchJob.objects.get(pk=job.pk).status == "completed"
    per = len(queries) / COUNT
    print(
        f"\nBENCH queries, {label}: {len(queries)} for {COUNT} conversations, {per:.1f} per "
        f"conversation, ratio {per / budget:.2f} against a budget of {budget}"
    )
    assert per <= budget


def test_database_queries_per_conversation_in_a_worker(submitted, settings):
    settings.GENERATION_INLINE = False
    with CaptureQueriesContext(connection) as queries:
        generate_conversation(take_next())  # the one task goes on until the job is done
    report("worker", queries, submitted, BUDGET)


def test_database_queries_per_conversation_inline(submitted, settings):
    settings.GENERATION_INLINE = True
    with CaptureQueriesContext(connection) as queries:
        dispatch()
    report("inline", queries, submitted, INLINE_BUDGET)
