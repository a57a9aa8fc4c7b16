"""Building and publishing a release from the admin are django-q2 tasks the release page
follows; a release's files and archives download from the admin, to staff only."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from exports.models import Release, ReleaseTask
from exports.tasks import build_release
from tests.exports.hub_server import VALID_TOKEN, serve_hub

ADD = "admin:exports_release_add"


def form_data(job, **changes) -> dict:
    return {
        "name": "queued-release",
        "version": "1.0.0",
        "jobs": [str(job.pk)],
        "validation_fraction": "0.2",
        "seed": "0",
        **changes,
    }


def download(release: Release, name: str) -> str:
    return reverse("admin:exports_release_download", args=[release.pk, name])


def test_a_build_is_queued_for_a_worker_and_the_request_writes_nothing(
    editor_client, job, release_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse(ADD), form_data(job), follow=True)

    release = Release.objects.get(name="queued-release")
    task = release.tasks.get()
    assert (release.status, task.status, task.kind) == ("queued", "queued", "build")
    assert OrmQ.objects.count() == 1  # in django-q2's broker, for a qcluster
    assert not release_dir.exists() or not any(release_dir.iterdir())
    page = response.content.decode()
    assert "Build of queued-release queued: this page follows it." in page
    assert "Build: queued" in page and "No worker has been seen" in page
    work = editor_client.get(reverse("admin:exports_release_work", args=[release.pk])).json()
    assert work["open"] is True and work["step"] == "Waiting for a worker"
    assert work["showBar"] is False  # no steps counted yet


def test_the_worker_builds_it_step_by_step_and_a_second_delivery_does_nothing(
    editor_client, job, release_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse(ADD), form_data(job))
    task = ReleaseTask.objects.get()

    assert build_release(str(task.pk)) == "done"  # as the qcluster's worker calls it
    assert build_release(str(task.pk)) == "skipped"

    task.refresh_from_db()
    release = task.release
    assert release.status == Release.Status.READY and release.conversation_count == 12
    assert (task.status, task.done, task.total) == ("done", 7, 7)
    assert task.started_at <= task.finished_at
    work = editor_client.get(reverse("admin:exports_release_work", args=[release.pk])).json()
    assert work == work | {"open": False, "percent": 100, "title": "Build: done", "showBar": True}
    assert "Release queued-release built: 12 conversations" in work["outcome"]


def test_a_build_that_cannot_start_fails_on_its_page(
    editor_client, job, release_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse(ADD), form_data(job))
    job.conversations.update(validation={"passed": False})  # nothing left to release

    assert build_release(str(ReleaseTask.objects.get().pk)) == "failed"

    release = Release.objects.get()
    assert release.status == Release.Status.FAILED
    assert "The selection has no conversations" in release.tasks.get().error
    page = editor_client.get(reverse("admin:exports_release_change", args=[release.pk]))
    assert "The selection has no conversations" in page.content.decode()


def test_a_second_build_of_the_same_name_waits_for_the_first(
    editor_client, job, release_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse(ADD), form_data(job))

    response = editor_client.post(reverse(ADD), form_data(job, force="on"))

    assert "is being built or published now" in response.content.decode()
    assert ReleaseTask.objects.count() == 1


def test_publishing_runs_as_a_task_against_the_hub(editor_client, release, settings, monkeypatch):
    settings.RELEASE_TASKS_SYNC = True  # django-q2 runs it inside the request
    selected = {"action": "publish_to_hub", "_selected_action": [str(release.pk)]}
    with serve_hub() as hub:
        monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
        monkeypatch.setenv("HF_ENDPOINT", hub.base_url)
        response = editor_client.post(
            reverse("admin:exports_release_changelist"),
            {**selected, "apply": "1", "repo_id": "elena-cfp/ei"},
            follow=True,
        )
        assert hub.commits("elena-cfp/ei")

    task = release.tasks.get(kind=ReleaseTask.Kind.PUBLISH)
    assert task.status == ReleaseTask.Status.DONE
    assert task.outcome.startswith(f"Published {release.name} to elena-cfp/ei at v1.0.0")
    assert task.step  # the last line huggingface_hub's upload reported
    assert release.publications.get().tag == "v1.0.0"
    assert "Published" in response.content.decode()
    assert VALID_TOKEN not in response.content.decode()


def test_staff_download_a_releases_files_and_archives(editor_client, release):
    page = editor_client.get(reverse("admin:exports_release_change", args=[release.pk]))
    assert f'href="{download(release, "conversations.jsonl")}"' in page.content.decode()

    response = editor_client.get(download(release, "chat/train.jsonl"))
    assert response.status_code == 200 and response.streaming
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body == (Path(release.folder) / "chat" / "train.jsonl").read_bytes()
    archive = editor_client.get(download(release, f"{release.name}.zip"))
    assert archive.status_code == 200
    assert b"".join(archive.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd", "chat/../../x.zip", "settings.py", "chat", "%2e%2e/SHA256SUMS"],
)
def test_a_name_that_is_not_one_of_the_releases_files_is_not_found(editor_client, release, name):
    assert editor_client.get(download(release, name)).status_code == 404


def test_outsiders_and_reviewers_cannot_download(client, release, outsider, reviewer):
    url = download(release, "conversations.jsonl")
    assert client.get(url).status_code == 302  # to the admin's login
    for person in (outsider, reviewer):
        client.force_login(person)
        assert client.get(url).status_code == 302


def test_a_build_whose_worker_died_no_longer_holds_the_name(
    editor_client, job, release_dir, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse(ADD), form_data(job))
    task = ReleaseTask.objects.get()
    assert task.start()  # a worker took it, then was killed: nothing ends the row
    running_for = timedelta(seconds=settings.Q_CLUSTER["timeout"] - 5)
    ReleaseTask.objects.filter(pk=task.pk).update(started_at=timezone.now() - running_for)

    refused = editor_client.post(reverse(ADD), form_data(job, force="on"))
    assert "is being built or published now" in refused.content.decode()

    past_timeout = timedelta(seconds=settings.Q_CLUSTER["timeout"] + 5)
    ReleaseTask.objects.filter(pk=task.pk).update(started_at=timezone.now() - past_timeout)
    work = editor_client.get(reverse("admin:exports_release_work", args=[task.release_id]))
    assert work.json()["title"] == "Build: lost (its worker stopped)"
    assert work.json()["open"] is False
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse(ADD), form_data(job, force="on"))
    assert ReleaseTask.objects.count() == 2
