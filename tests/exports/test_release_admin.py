"""Releases in the admin: the add form builds one, the change page reads it, bad input is a
form error, and the publish action's intermediate form."""

from pathlib import Path

import pytest
from django.urls import reverse

from exports.models import Release, ReleaseTask

ADD = "admin:exports_release_add"
LIST = "admin:exports_release_changelist"


@pytest.fixture(autouse=True)
def tasks_in_the_request(settings):
    """Builds and publications go through django-q2 with sync=True: done when the POST returns
    (tests/browser/test_release_admin.py runs them on a real qcluster)."""
    settings.RELEASE_TASKS_SYNC = True


def form_data(job, **changes) -> dict:
    return {
        "name": "emotional-intelligence-12-v1.0",
        "version": "1.0.0",
        "jobs": [str(job.pk)],
        "validation_fraction": "0.1",
        "seed": "0",
        **changes,
    }


def test_an_editor_builds_a_release_from_the_admin_and_reads_its_files(
    editor_client, job, release_dir
):
    page = editor_client.get(reverse(ADD))
    assert page.status_code == 200
    assert job.name in page.content.decode()
    response = editor_client.post(reverse(ADD), form_data(job), follow=True)
    release = Release.objects.get(name="emotional-intelligence-12-v1.0")
    assert release.status == Release.Status.READY
    assert response.redirect_chain[-1][0] == reverse(
        "admin:exports_release_change", args=[release.pk]
    )
    text = response.content.decode()
    assert f"Release {release.name} built" in text
    assert str(release_dir / release.name) in text
    for entry in release.files:
        assert entry["path"] in text
        assert entry["sha256"] in text
    assert f"{release.name}.zip" in text
    assert f"{release.name}.tar.gz" in text
    # The change page is read-only: no save button.
    assert 'name="_save"' not in text
    listing = editor_client.get(reverse(LIST)).content.decode()
    assert release.name in listing
    assert "Offline emulator: " in listing


def test_bad_input_is_shown_as_form_errors_and_builds_nothing(editor_client, job, release_dir):
    response = editor_client.post(
        reverse(ADD), form_data(job, name="no spaces", version="one", validation_fraction="2")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "is not a release name" in errors["name"][0]
    assert "is not a semantic version" in errors["version"][0]
    assert "between 0 and 1" in errors["validation_fraction"][0]
    assert not Release.objects.exists()
    assert not release_dir.exists()


def test_a_selection_with_nothing_in_it_is_a_form_error(editor_client, job, release_dir):
    job.conversations.update(validation={"passed": False})
    response = editor_client.post(reverse(ADD), form_data(job))
    text = response.content.decode()
    assert "select no completed conversation (12 completed conversation(s) failed" in text
    assert not Release.objects.exists()


def test_the_release_form_leaves_failed_ones_out_unless_its_box_is_ticked(
    editor_client, job, release_dir
):
    page = editor_client.get(reverse(ADD)).content.decode()
    assert "Include conversations that failed their checks" in page
    assert 'name="include_failed"' in page and 'name="include_failed" checked' not in page
    failed = job.conversations.order_by("sequence_number")[:3].values_list("pk", flat=True)
    job.conversations.filter(pk__in=list(failed)).update(validation={"passed": False})
    passed = job.conversations.filter(validation__passed=True).count()

    editor_client.post(reverse(ADD), form_data(job))
    assert Release.objects.get().conversation_count == passed
    assert Release.objects.get().selection["left_out"]["by_reason"]["failed_checks"] == 3
    change = reverse("admin:exports_release_change", args=[Release.objects.get().pk])
    page = editor_client.get(change).content.decode()
    selection = page[page.index('class="eid-data eid-selection"') :].split("</table>")[0]
    assert f"<th>Batch jobs</th><td>{job.name}</td>" in selection
    assert "passed their automated checks, not rejected by a reviewer" in selection
    assert '<th class="eid-indent">Failed their automated checks</th><td>3</td>' in selection
    assert "passed_checks" not in page  # no raw JSON

    editor_client.post(reverse(ADD), form_data(job, include_failed="on", force="on"))
    assert Release.objects.get().conversation_count == job.conversations.count()


def test_an_existing_name_needs_the_rebuild_box(editor_client, job, release_dir):
    editor_client.post(reverse(ADD), form_data(job))
    response = editor_client.post(reverse(ADD), form_data(job, version="1.0.1"))
    assert "already exists" in response.context["form"].errors["name"][0]
    assert Release.objects.get().version == "1.0.0"
    editor_client.post(reverse(ADD), form_data(job, version="1.0.1", force="on"))
    assert Release.objects.get().version == "1.0.1"


def test_a_failed_build_is_a_form_error_and_leaves_no_folder(editor_client, job, release_dir):
    broken = job.conversations.last()
    job.conversations.filter(pk=broken.pk).update(turns=["not a turn"])
    response = editor_client.post(reverse(ADD), form_data(job), follow=True)
    assert "turn 1 is not an object" in response.content.decode()
    release = Release.objects.get()
    assert release.status == Release.Status.FAILED
    assert release.tasks.get().status == ReleaseTask.Status.FAILED
    assert list(release_dir.iterdir()) == []


def test_outsiders_cannot_reach_releases(client, outsider, job):
    client.force_login(outsider)
    assert client.get(reverse(ADD)).status_code == 302


def test_the_publish_action_asks_for_the_repository_then_reports_a_hub_error(
    editor_client, release, monkeypatch
):
    # No token anywhere: exports.hub refuses with its own clear message, shown as an error.
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(Path(release.folder).parent / "hf-home"))
    selected = {"action": "publish_to_hub", "_selected_action": [str(release.pk)]}
    page = editor_client.post(reverse(LIST), selected)
    assert page.status_code == 200
    assert "Hub repository" in page.content.decode()
    response = editor_client.post(
        reverse(LIST), {**selected, "apply": "1", "repo_id": "pathways/ei-dataset"}, follow=True
    )
    text = response.content.decode()
    assert "Not published:" in text
    assert "HF_TOKEN" in text
    assert not release.publications.exists()


def test_the_batch_jobs_action_opens_the_release_form_with_those_jobs_ticked(
    editor_client, job, submit
):
    other = submit(3, name="Not this one")
    response = editor_client.post(
        reverse("admin:generation_batchjob_changelist"),
        {"action": "build_release", "_selected_action": [str(job.pk)]},
    )
    assert response.status_code == 302
    assert response.url == f"{reverse(ADD)}?jobs={job.pk}"
    form = editor_client.get(response.url).context["form"]
    assert [str(pk) for pk in form.initial["jobs"]] == [str(job.pk)]
    assert str(other.pk) not in [str(pk) for pk in form.initial["jobs"]]
    assert editor_client.get(f"{reverse(ADD)}?jobs=not-a-uuid").context["form"].initial == {}
    assert not Release.objects.exists()  # opening the form builds nothing


def test_the_build_form_is_the_admins_own_with_warnings_above_the_button(editor_client, job):
    page = editor_client.get(reverse(ADD)).content.decode()

    assert "admin/css/forms.css" in page and '<fieldset class="module aligned' in page
    warnings = page[page.index("eid-form-warnings") : page.index('name="_build"')]
    assert "12 of the 12 completed conversations were written by the offline emulator" in warnings


def test_a_bad_repository_name_keeps_the_publish_form(editor_client, release, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(Path(release.folder).parent / "hf-home"))
    selected = {"action": "publish_to_hub", "_selected_action": [str(release.pk)]}

    response = editor_client.post(
        reverse(LIST), {**selected, "apply": "1", "repo_id": "not a repo", "private": "on"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "is not of the form ORG/NAME" in page
    assert 'name="repo_id" value="not a repo"' in page
    assert 'name="private" id="id_private" checked' in page
    assert "No Hub token is set: publishing will be refused." in page
    assert not release.publications.exists()


def test_the_publish_form_says_a_token_is_set_without_showing_it(
    editor_client, release, monkeypatch
):
    monkeypatch.setenv("HF_TOKEN", "test-token-secretsecret-not-real")
    selected = {"action": "publish_to_hub", "_selected_action": [str(release.pk)]}

    page = editor_client.post(reverse(LIST), selected).content.decode()

    assert "A Hub token is set" in page
    assert "secretsecret" not in page
