"""Database queries per generated conversation (inline run, emulator without latency)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from generation.dispatch import dispatch
from generation.models import BatchJob
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
COUNT = 60
BUDGET = 20  # queries per conversation we consider healthy


def test_database_queries_per_conversation(
    scaffolding, settings, django_capture_on_commit_callbacks
):
    settings.ANTHROPIC_API_KEY = ""
    settings.GENERATION_INLINE = True
    settings.EMULATOR_LATENCY_SECONDS = 0.0
    sets = plan_parameter_sets(counts={"template": COUNT}, seed=4)
    with django_capture_on_commit_callbacks(execute=False):
        job = submit_batch(resolve_plan([s.to_json() for s in sets]), BatchOptions(name="queries"))
    with CaptureQueriesContext(connection) as queries:
        dispatch()
    assert BatchJob.objects.get(pk=job.pk).status == "completed"
    per = len(queries) / COUNT
    print(
        f"\nBENCH queries: {len(queries)} for {COUNT} conversations, {per:.1f} per conversation, "
        f"ratio {per / BUDGET:.2f} against a budget of {BUDGET}"
    )
