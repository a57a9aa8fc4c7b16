import pytest

from generation.models import BatchJob

pytestmark = pytest.mark.django_db


def test_an_editor_previews_a_plans_coverage_then_submits_it(
    editor_client, scaffolding, offline, django_capture_on_commit_callbacks
):
    form = {
        "name": "From the admin",
        "count": "20",
        "seed": "8",
        "concurrency": "3",
        "error_handling": "continue",
        "priority": "1",
    }
    page = editor_client.post(
        "/admin/generation/batchjob/plan/", {**form, "_preview": "1"}
    ).content.decode()
    assert "Persona × arc" in page and "eid-heatmap" in page
    assert "<th>Template</th>" in page and "<th>Edge case</th>" in page  # tiers in words
    assert not BatchJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post("/admin/generation/batchjob/plan/", {**form, "_submit": "1"})
    job = BatchJob.objects.get()
    assert response.status_code == 302 and str(job.pk) in response["Location"]
    assert job.total_items == 20 and job.plan_seed == 8
    detail = editor_client.get(response["Location"]).content.decode()
    assert "20 completed" in detail
    listing = editor_client.get("/admin/generation/batchjob/").content.decode()
    assert "From the admin" in listing and "20/20" in listing


def test_a_conversation_reads_as_a_transcript(editor_client, submit):
    job = submit(3)
    conversation = job.conversations.first()
    page = editor_client.get(
        f"/admin/generation/conversation/{conversation.pk}/change/"
    ).content.decode()
    assert conversation.persona.name in page
    assert "Elena" in page and "Turn 1" in page
    assert conversation.turns[0]["emotional_context"]["detected_emotions"]["primary"] in page
    assert "offline emulator" in page


def test_admin_actions_pause_and_resume_jobs(editor_client, submit):
    job = submit(4, run=False)
    editor_client.post(
        "/admin/generation/batchjob/", {"action": "pause", "_selected_action": [job.pk]}
    )
    job.refresh_from_db()
    assert job.status == "paused"
    editor_client.post(
        "/admin/generation/batchjob/", {"action": "resume", "_selected_action": [job.pk]}
    )
    job.refresh_from_db()
    assert job.status == "completed"


def test_reviewers_cannot_reach_the_generation_admin(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/admin/generation/batchjob/plan/").status_code == 302


def test_the_plan_form_is_the_admins_own_with_warnings_above_the_submit_button(
    editor_client, scaffolding
):
    form = {"name": "Small", "count": "5", "seed": "3", "concurrency": "3"}
    form |= {"error_handling": "continue", "priority": "1", "_preview": "1"}

    page = editor_client.post("/admin/generation/batchjob/plan/", form).content.decode()

    assert "admin/css/forms.css" in page and '<fieldset class="module aligned' in page
    warnings = page.index('class="messagelist eid-form-warnings"')
    assert "Missing" in page[warnings : page.index('class="submit-row"')]
    assert warnings < page.index('name="_submit"') < page.index("Persona × arc")


def test_a_plan_with_bad_input_keeps_what_was_entered(editor_client, scaffolding):
    form = {"name": "Kept name", "count": "0", "seed": "3", "concurrency": "99"}
    form |= {"error_handling": "continue", "priority": "1", "_preview": "1"}

    page = editor_client.post("/admin/generation/batchjob/plan/", form).content.decode()

    assert "Please correct the errors below." in page
    assert 'value="Kept name"' in page and 'name="concurrency" value="99"' in page
    assert 'name="_submit"' not in page
    assert not BatchJob.objects.exists()
