"""The admin's quality report is kept per selection: computed inline when small, by a django-q2
task when large, at most once at a time, and again only when the data changed."""

import json
import pydoc
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from generation.models import Conversation
from review.checklist import CATEGORY_KEYS, ITEM_KEYS
from review.models import QualityReportSnapshot
from review.report_tasks import TASK, Selection, fingerprint
from review.sampling import draw_sample
from review.verdicts import record_review
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db
URL = "/admin/quality/"
JSON_URL = f"{URL}quality-report.json"
RECOMPUTE_URL = f"{URL}recompute/"


def queued() -> list[dict[str, Any]]:
    """The quality-report tasks waiting in django-q2's ORM broker, as a worker would read them."""
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]
    return [task for task in tasks if task["func"] == TASK]


def run_queued() -> list[str]:
    """Run every queued quality-report task as a worker would: its function by dotted name,
    with the arguments it was queued with; then take it off the queue."""
    outcomes = []
    for task in queued():
        outcomes.append(pydoc.locate(task["func"])(*task["args"], **task["kwargs"]))
    OrmQ.objects.all().delete()
    return outcomes


def snapshot_of(job=None) -> QualityReportSnapshot:
    return QualityReportSnapshot.objects.get(selection=str(job.pk) if job else "all")


def page(client: Client, job=None, **kwargs: Any):
    return client.get(URL, {"job": str(job.pk)} if job else {}, **kwargs)


@pytest.fixture
def large(settings):
    """Selections over this limit go to a worker."""
    settings.QUALITY_REPORT_INLINE_MAX = 2
    return settings


def test_a_small_selection_is_computed_inline_once_and_then_reused(editor_client, submit):
    job = submit(4)
    first = page(editor_client, job)
    assert first.status_code == 200
    assert "<strong>4</strong>completed conversations" in first.content.decode()
    snapshot = snapshot_of(job)
    assert snapshot.status == QualityReportSnapshot.Status.DONE
    assert snapshot.conversation_count == 4 and snapshot.batch_job == job
    assert json.loads(snapshot.report_json) == first.context["report"]
    second = page(editor_client, job).content.decode()
    again = snapshot_of(job)
    assert (again.attempt, again.finished_at) == (1, snapshot.finished_at)  # not built again
    computed = timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"Computed at {computed}, from 4 completed conversations." in second
    assert "Being computed" not in second and 'http-equiv="refresh"' not in second
    assert queued() == []


def test_a_large_selection_is_queued_and_shown_once_a_worker_computed_it(
    editor_client, submit, large, django_capture_on_commit_callbacks
):
    job = submit(4)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = page(editor_client, job)
    html = waiting.content.decode()
    assert "Being computed - refresh in a moment." in html
    assert 'http-equiv="refresh"' in html and "waiting for a worker" in html
    assert waiting.context["report"] is None and 'id="score-distribution"' not in html
    snapshot = snapshot_of(job)
    assert [task["args"] for task in queued()] == [(str(snapshot.pk), 1)]
    assert snapshot.status == QualityReportSnapshot.Status.QUEUED

    assert run_queued() == ["done"]
    shown = page(editor_client, job)
    html = shown.content.decode()
    assert "<strong>4</strong>completed conversations" in html and 'id="score-distribution"' in html
    assert "from 4 completed conversations." in html and "Being computed" not in html
    assert shown.context["report"]["dataset"]["total_conversations"] == 4
    assert queued() == []


def test_a_second_request_sees_the_computation_queued_and_queues_no_other(
    editor_client, submit, large, django_capture_on_commit_callbacks
):
    job = submit(4)
    with django_capture_on_commit_callbacks(execute=True):
        page(editor_client, job)
        again = page(editor_client, job)
        download = editor_client.get(JSON_URL, {"job": str(job.pk)})
    assert "Being computed - refresh in a moment." in again.content.decode()
    assert download.status_code == 503
    assert len(queued()) == 1 and snapshot_of(job).attempt == 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_opening_the_page_at_once_queue_one_computation(
    editor, submit, large, settings
):
    """Two requests on their own threads and database connections, released together."""
    submit(4)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(editor)
    pages = []

    def open_page(client: Client) -> None:
        pages.append(client.get(URL))

    run_at_once(open_page, clients, timeout=60)
    assert [response.status_code for response in pages] == [200, 200]
    for response in pages:
        assert "Being computed - refresh in a moment." in response.content.decode()
    assert len(queued()) == 1 and snapshot_of().attempt == 1


def test_new_conversations_make_the_kept_report_stale(editor_client, submit):
    submit(3, name="First")
    page(editor_client)
    assert fingerprint(Selection()) == snapshot_of().fingerprint
    submit(3, name="Second")
    assert fingerprint(Selection()) != snapshot_of().fingerprint
    html = page(editor_client).content.decode()
    assert snapshot_of().attempt == 2
    assert "<strong>6</strong>completed conversations" in html


def test_a_changed_score_makes_the_kept_report_stale(editor_client, submit):
    job = submit(3)
    page(editor_client, job)
    kept = snapshot_of(job)
    conversation = job.conversations.first()
    Conversation.objects.filter(pk=conversation.pk).update(quality_score=1)  # a re-check
    report = page(editor_client, job).context["report"]
    assert snapshot_of(job).attempt == kept.attempt + 1
    assert report["quality_metrics"]["score_distribution"]["1-2"] >= 1


def test_a_saved_review_makes_the_kept_report_stale(editor_client, submit, reviewer):
    job = submit(4)
    review = draw_sample(job, reviewers=[reviewer]).reviews.first()
    page(editor_client, job)
    kept = snapshot_of(job)
    assert kept.report["manual_review"]["approved"] == 0
    ticked = {category: {item: True for item in ITEM_KEYS[category]} for category in CATEGORY_KEYS}
    record_review(review, ticked)
    report = page(editor_client, job).context["report"]
    assert snapshot_of(job).attempt == kept.attempt + 1
    assert report["manual_review"]["approved"] == 1


def test_a_large_stale_report_stays_on_the_page_while_the_new_one_is_computed(
    editor_client, submit, large, django_capture_on_commit_callbacks
):
    job = submit(4)
    with django_capture_on_commit_callbacks(execute=True):
        page(editor_client, job)
    run_queued()
    Conversation.objects.filter(pk=job.conversations.first().pk).update(quality_score=1)
    with django_capture_on_commit_callbacks(execute=True):
        html = page(editor_client, job).content.decode()
        download = editor_client.get(JSON_URL, {"job": str(job.pk)})
    assert "The data has changed since." in html and "A new report is being computed" in html
    assert "<strong>4</strong>completed conversations" in html
    assert 'id="download-report"' not in html  # the download waits for the fresh one
    assert download.status_code == 503
    assert len(queued()) == 1


def break_a_conversation(job) -> None:
    """Stored turns that are not a list, as a hand edit or a bad import might leave them."""
    broken = job.conversations.order_by("sequence_number").last()
    Conversation.objects.filter(pk=broken.pk).update(turns=42)


def test_a_failed_computation_is_recorded_shown_and_not_repeated_on_the_same_data(
    editor_client, submit
):
    job = submit(3)
    break_a_conversation(job)
    html = page(editor_client, job).content.decode()
    snapshot = snapshot_of(job)
    assert snapshot.status == QualityReportSnapshot.Status.FAILED
    assert snapshot.error.startswith("TypeError:") and snapshot.finished_at is not None
    assert 'id="report-error"' in html and "failed: TypeError:" in html
    page(editor_client, job)
    assert snapshot_of(job).attempt == 1  # the same data would fail the same way
    download = editor_client.get(JSON_URL, {"job": str(job.pk)})
    assert download.status_code == 500
    assert "could not be computed: TypeError:" in download.content.decode()


def test_a_failed_worker_computation_is_recorded_and_a_repaired_job_computes(
    editor_client, submit, large, django_capture_on_commit_callbacks
):
    job = submit(3)
    break_a_conversation(job)
    with django_capture_on_commit_callbacks(execute=True):
        page(editor_client, job)
    assert run_queued() == ["failed"]
    assert "failed: TypeError:" in page(editor_client, job).content.decode()
    # Repairing the conversation changes its score (the checks run again): a new attempt.
    repaired = job.conversations.order_by("sequence_number").last()
    Conversation.objects.filter(pk=repaired.pk).update(turns=[], quality_score=0)
    with django_capture_on_commit_callbacks(execute=True):
        page(editor_client, job)
    assert run_queued() == ["done"]
    html = page(editor_client, job).content.decode()
    assert 'id="report-error"' not in html and "<strong>3</strong>completed" in html


def test_recompute_now_builds_again_even_when_nothing_changed(editor, submit):
    job = submit(3)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page(client, job)
    kept = snapshot_of(job)
    assert client.post(RECOMPUTE_URL, {"job": str(job.pk)}).status_code == 403  # no CSRF token
    token = client.cookies["csrftoken"].value
    response = client.post(
        RECOMPUTE_URL, {"job": str(job.pk), "csrfmiddlewaretoken": token}, follow=True
    )
    assert response.redirect_chain == [(f"{URL}?job={job.pk}", 302)]
    assert "The quality report was recomputed." in response.content.decode()
    again = snapshot_of(job)
    assert again.attempt == kept.attempt + 1 and again.finished_at > kept.finished_at


def test_recompute_now_queues_one_computation_for_a_large_selection(
    editor_client, submit, large, django_capture_on_commit_callbacks
):
    job = submit(4)
    with django_capture_on_commit_callbacks(execute=True):
        page(editor_client, job)
    run_queued()
    with django_capture_on_commit_callbacks(execute=True):
        queued_page = editor_client.post(RECOMPUTE_URL, {"job": str(job.pk)}, follow=True)
        busy_page = editor_client.post(RECOMPUTE_URL, {"job": str(job.pk)}, follow=True)
    assert "A fresh computation of the quality report was queued." in queued_page.content.decode()
    busy = busy_page.content.decode()
    assert "already under way" in busy and "A new report is being computed" in busy
    assert len(queued()) == 1 and snapshot_of(job).attempt == 2


def test_a_lost_computation_is_queued_again_and_its_late_task_changes_nothing(
    editor_client, submit, large, settings, django_capture_on_commit_callbacks
):
    job = submit(4)
    with django_capture_on_commit_callbacks(execute=True):
        page(editor_client, job)
    lost = queued()
    OrmQ.objects.all().delete()  # as if the broker lost it
    long_ago = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["retry"] + 1)
    QualityReportSnapshot.objects.filter(selection=str(job.pk)).update(requested_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        page(editor_client, job)
    assert [task["args"][1] for task in queued()] == [2]
    late = lost[0]
    assert pydoc.locate(late["func"])(*late["args"]) == "skipped"
    assert run_queued() == ["done"]
    assert snapshot_of(job).attempt == 2


def test_the_download_serves_the_kept_report_without_building_it_again(editor_client, submit):
    job = submit(4, name="Download me")
    page(editor_client, job)
    kept = snapshot_of(job)
    response = editor_client.get(JSON_URL, {"job": str(job.pk)})
    assert response.status_code == 200
    assert response.content.decode() == kept.report_json
    assert snapshot_of(job).finished_at == kept.finished_at
    # The spec's key order survives storage (jsonb would sort the keys).
    assert list(json.loads(response.content)) == [
        "dataset",
        "automated_validation",
        "manual_review",
        "quality_metrics",
        "diversity",
        "recommendations",
        "blocking_issues",
        "cost",
    ]


def test_a_large_download_asks_to_come_back_then_serves_the_report(
    editor_client, submit, large, django_capture_on_commit_callbacks
):
    job = submit(4)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = editor_client.get(JSON_URL, {"job": str(job.pk)})
    assert waiting.status_code == 503 and waiting["Retry-After"] == "30"
    assert "is being computed; download it again in a moment." in waiting.content.decode()
    assert len(queued()) == 1
    run_queued()
    ready = editor_client.get(JSON_URL, {"job": str(job.pk)})
    assert ready.status_code == 200
    assert json.loads(ready.content)["dataset"]["total_conversations"] == 4


@pytest.mark.parametrize("user", [None, "reviewer"])
def test_reviewers_and_anonymous_visitors_cannot_recompute(client, reviewer, submit, user):
    job = submit(3)
    if user:
        client.force_login(reviewer)
    response = client.post(RECOMPUTE_URL, {"job": str(job.pk)})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not QualityReportSnapshot.objects.exists()


def test_staff_without_access_to_conversations_cannot_recompute(client, submit):
    job = submit(3)
    staff = User.objects.create_user("stan", "stan@example.com", "x", is_staff=True)
    client.force_login(staff)
    assert client.post(RECOMPUTE_URL, {"job": str(job.pk)}).status_code == 403
    assert client.get(URL).status_code == 403
    assert not QualityReportSnapshot.objects.exists()


def test_recompute_is_a_post_and_names_an_existing_job(editor_client, db):
    assert editor_client.get(RECOMPUTE_URL).status_code == 405
    assert editor_client.post(RECOMPUTE_URL, {"job": "nope"}).status_code == 404
    assert not QualityReportSnapshot.objects.exists()
