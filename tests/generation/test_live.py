"""The job page's live status: what it says, who may read it, and its controls' CSRF."""

import pytest
from django.test import Client

from generation.live import NO_WORKER, duration, live_status
from generation.models import BatchJob
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_finished_job_reads_as_done_with_rate_cost_and_no_controls(submit):
    job = submit(4)
    live = live_status(job)
    assert live["statusLabel"] == "Completed" and live["percent"] == 100
    assert live["countsText"].startswith("4 completed, 0 failed")
    assert live["etaText"].startswith("finished ")
    assert "conversations a minute" in live["rateText"]
    assert live["costText"].startswith(f"${float(job.actual_cost()):.4f} of an estimated")
    assert live["actions"] == {"pause": False, "resume": False, "cancel": False}
    assert live["workerWarning"] == ""


def test_a_waiting_job_with_no_worker_running_says_so(submit, settings):
    job = submit(4, run=False)
    settings.GENERATION_INLINE = False
    live = live_status(job)
    assert live["workerWarning"] == NO_WORKER
    assert live["percent"] == 0 and live["inFlight"] == 0
    assert live["etaText"].startswith("known after the first conversations")
    assert live["startedText"] == "–"
    assert live["actions"] == {"pause": True, "resume": False, "cancel": True}
    job.pause("for the test")
    assert live_status(job)["workerWarning"] == ""  # paused: nobody is expected to work


def test_durations_read_as_people_say_them():
    assert [duration(s) for s in (4.4, 60, 190, 7500)] == [
        "4 s",
        "1 min",
        "3 min 10 s",
        "2 h 05 min",
    ]


def test_only_staff_editors_read_the_live_status(client, submit, editor, reviewer):
    job = submit(3)
    url = f"/admin/generation/batchjob/{job.pk}/live/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(reviewer)
    assert client.get(url).status_code == 302
    client.force_login(editor)
    body = client.get(url).json()
    assert body["jobId"] == str(job.pk) and body["percent"] == 100


def test_the_page_pause_button_posts_with_the_csrf_token(submit, editor):
    job = submit(4, run=False)
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=editor.username, password=PASSWORD)
    page = browser.get(f"/admin/generation/batchjob/{job.pk}/change/").content.decode()
    assert 'data-action="pause"' in page and "generation/live.js" in page
    assert f"/admin/generation/conversation/?batch_job__id__exact={job.pk}" in page
    pause = f"/api/conversations/batch/{job.pk}/pause"
    assert browser.post(pause).status_code == 403  # no token: refused, nothing changed
    job.refresh_from_db()
    assert job.status == BatchJob.Status.PENDING
    token = browser.cookies["csrftoken"].value
    assert browser.post(pause, HTTP_X_CSRFTOKEN=token).status_code == 200
    job.refresh_from_db()
    assert job.status == BatchJob.Status.PAUSED
