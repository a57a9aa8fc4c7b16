"""The cost per conversation written and per conversation kept (issue 11.4), every call
counted: generation, judge, and the regeneration of a rejected conversation."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from generation.live import live_status
from generation.models import BatchJob, Conversation
from generation.status import job_status
from review.economics import costs
from review.report import build_report
from review.sampling import draw_sample
from tests.review.test_regeneration import CONFIRMED, ticks

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged_with_a_rejection(submit, reviewer, client, django_capture_on_commit_callbacks):
    """Four conversations (judged), one rejected and regenerated, one failing its checks."""
    job = submit(4, judge=True)
    review = draw_sample(job, reviewers=[reviewer]).reviews.first()
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/review/{review.pk}/", {**ticks(3), **CONFIRMED})
    failing = job.conversations.exclude(pk=review.conversation_id).order_by("sequence_number")[0]
    failing.validation = {**failing.validation, "passed": False}
    failing.save(update_fields=["validation"])
    return BatchJob.objects.get(pk=job.pk), review.conversation_id, failing.pk


def test_every_call_is_counted_over_the_conversations_kept(judged_with_a_rejection):
    job, rejected_id, failing_id = judged_with_a_rejection
    rows = Conversation.objects.filter(batch_job=job)
    assert rows.count() == 5  # the four and the regeneration
    spent = sum((row.cost for row in rows), Decimal("0"))
    kept = [
        row
        for row in rows
        if row.status == "completed"
        and row.validation.get("passed")
        and row.pk not in (rejected_id, failing_id)
    ]
    assert spent > 0 and len(kept) == 3

    found = costs(job.conversations.all())

    assert (found["spent"], found["generated"], found["accepted"]) == (spent, 5, 3)
    assert found["per_generated"] == spent / 5
    assert found["per_accepted"] == spent / 3
    judge_paid = sum(
        (a.cost for row in rows for a in row.attempt_log.filter(kind="judge")), Decimal("0")
    )
    assert judge_paid > 0  # the judge's calls are in what was spent


def test_the_status_the_job_page_batch_status_and_the_report_show_it(judged_with_a_rejection):
    job, _, _ = judged_with_a_rejection
    found = costs(job.conversations.all())
    per_kept = float(found["per_accepted"])

    cost = job_status(job)["cost"]
    assert (cost["generated"], cost["accepted"]) == (5, 3)
    assert cost["perAccepted"] == pytest.approx(per_kept, abs=1e-6)
    assert "3 of 5 passed their checks" in live_status(job)["perConversationText"]
    out = StringIO()
    call_command("batch_status", str(job.pk), stdout=out)
    assert f"${per_kept:.4f} per conversation kept (3 of 5" in out.getvalue()
    out = StringIO()
    call_command("batch_status", str(job.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["cost"]["accepted"] == 3
    report = build_report(job.conversations.all(), name="Costs")
    assert report["cost"]["accepted"] == 3
    assert report["cost"]["per_accepted"] == pytest.approx(per_kept, abs=1e-6)


def test_nothing_kept_yet_says_so_and_divides_by_nothing(submit):
    job = submit(2, run=False)
    found = costs(job.conversations.all())
    assert found["per_generated"] is None and found["per_accepted"] is None
    assert live_status(job)["perConversationText"] == "known after the first conversations"
