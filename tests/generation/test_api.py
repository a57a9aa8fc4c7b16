import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from generation.models import BatchJob, Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


@pytest.fixture
def plan(api, scaffolding):
    response = api.post("/api/conversations/plan", {"count": 6, "seed": 3}, format="json")
    assert response.status_code == 200, response.data
    return response.data


def test_plan_returns_parameter_sets_and_their_coverage(plan):
    assert len(plan["parameterSets"]) == 6
    assert plan["coverage"]["total"] == 6
    assert set(plan["parameterSets"][0]) >= {
        "persona_id",
        "emotional_arc_id",
        "training_topic_id",
        "tier",
        "metadata",
    }


def test_generate_batch_answers_in_the_specs_shape_and_runs_the_batch(
    api, plan, offline, editor, django_capture_on_commit_callbacks
):
    body = {
        "name": "Emotional Intelligence 6 v1.0",
        "parameterSets": plan["parameterSets"],
        "concurrentProcessing": 2,
        "errorHandling": "continue",
        "userId": "00000000-0000-0000-0000-000000000000",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/conversations/generate-batch", body, format="json")
    assert response.status_code == 202, response.data
    data = response.data
    assert set(data) == {
        "success",
        "jobId",
        "status",
        "estimatedCost",
        "estimatedTime",
        "totalConversations",
        "message",
    }
    assert (
        data["success"] is True and data["status"] == "pending" and data["totalConversations"] == 6
    )
    assert data["estimatedCost"] > 0
    job = BatchJob.objects.get(pk=data["jobId"])
    assert job.created_by == editor  # not the userId of the body
    status = api.get(f"/api/conversations/batch/{job.pk}/status").data
    assert status["status"] == "completed"
    assert status["progress"]["completed"] == 6
    assert set(status) >= {"jobId", "status", "progress", "timing", "cost", "errors"}
    assert set(status["timing"]) == {"startedAt", "estimatedCompletion", "elapsedSeconds"}


@pytest.mark.parametrize("judge", [True, False])
def test_a_batch_says_whether_it_is_judged_and_its_status_shows_the_judges_part(
    api, plan, offline, judge, django_capture_on_commit_callbacks
):
    offline.JUDGE_ENABLED = not judge  # the body's choice wins over the server's default
    body = {"name": "Judged?", "parameterSets": plan["parameterSets"], "judge": judge}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/conversations/generate-batch", body, format="json")
    assert response.status_code == 202, response.data
    job = BatchJob.objects.get(pk=response.data["jobId"])
    status = api.get(f"/api/conversations/batch/{job.pk}/status").data
    assert status["judgeModel"] == job.judge_model
    if judge:
        assert job.judge_model == offline.CLAUDE_JUDGE_MODEL
        assert 0 < status["cost"]["judgeEstimated"] < status["cost"]["estimatedTotal"]
        judged = job.conversations.filter(attempt_log__kind="judge").distinct().count()
        assert judged == 6 and status["cost"]["judgeActual"] == float(job.judge_cost())
    else:
        assert job.judge_model == ""
        assert status["cost"]["judgeEstimated"] == status["cost"]["judgeActual"] == 0
        assert not job.conversations.filter(attempt_log__kind="judge").exists()


def test_a_batch_that_leaves_judge_out_follows_the_servers_default(api, plan, offline):
    offline.JUDGE_ENABLED = True
    body = {"name": "Default judge", "parameterSets": plan["parameterSets"]}
    response = api.post("/api/conversations/generate-batch", body, format="json")
    assert response.status_code == 202, response.data
    assert BatchJob.objects.get(pk=response.data["jobId"]).judge_model == offline.CLAUDE_JUDGE_MODEL


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"concurrentProcessing": 0}, "concurrentProcessing"),
        ({"errorHandling": "retry"}, "errorHandling"),
        ({"priority": "urgent"}, "priority"),
        ({"parameterSets": []}, "parameterSets"),
        ({"budgetCap": "-1"}, "budgetCap"),
        ({"judge": "sometimes"}, "judge"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_payloads_get_field_errors_and_create_nothing(api, plan, change, field):
    body = {"name": "Bad", "parameterSets": plan["parameterSets"], **change}
    response = api.post("/api/conversations/generate-batch", body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not BatchJob.objects.exists() and not Conversation.objects.exists()


def test_a_bad_parameter_set_is_reported_by_index_and_field(api, plan):
    sets = plan["parameterSets"]
    sets[2]["persona_id"] = str(uuid.uuid4())
    response = api.post(
        "/api/conversations/generate-batch", {"name": "Bad", "parameterSets": sets}, format="json"
    )
    assert response.status_code == 400
    assert "parameterSets[2].persona_id" in response.data["parameterSets"]
    assert not BatchJob.objects.exists()


def test_unknown_jobs_are_404(api, scaffolding):
    missing = uuid.uuid4()
    assert api.get(f"/api/conversations/batch/{missing}/status").status_code == 404
    assert api.post(f"/api/conversations/batch/{missing}/pause").status_code == 404
    assert api.get("/api/conversations/batch/not-a-uuid/status").status_code == 404


def test_pause_resume_cancel_and_retry_failed(api, plan, offline):
    response = api.post(
        "/api/conversations/generate-batch",
        {"name": "Controlled", "parameterSets": plan["parameterSets"]},
        format="json",
    )
    job_id = response.data["jobId"]  # on_commit not run: nothing generated yet
    assert api.post(f"/api/conversations/batch/{job_id}/pause").data["status"] == "paused"
    assert api.post(f"/api/conversations/batch/{job_id}/pause").status_code == 409
    resumed = api.post(f"/api/conversations/batch/{job_id}/resume").data
    assert resumed["status"] == "completed"
    assert api.post(f"/api/conversations/batch/{job_id}/cancel").status_code == 409
    retried = api.post(f"/api/conversations/batch/{job_id}/retry-failed").data
    assert retried["requeued"] == 0


def test_anonymous_callers_and_reviewers_are_refused(client, reviewer, scaffolding):
    anonymous = APIClient()
    assert anonymous.post("/api/conversations/plan", {}, format="json").status_code in (401, 403)
    assert anonymous.get(f"/api/conversations/batch/{uuid.uuid4()}/status").status_code in (
        401,
        403,
    )
    as_reviewer = APIClient()
    as_reviewer.force_authenticate(reviewer)
    assert as_reviewer.post("/api/conversations/plan", {}, format="json").status_code == 403


def test_the_openapi_schema_describes_the_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/conversations/generate-batch" in paths
    assert "/api/conversations/batch/{id}/status" in paths
