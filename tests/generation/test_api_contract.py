"""The API keeps its contract: no route answers 500, every operation is documented with its
body, answers and summary, the schema refuses what the API would refuse for a reason a schema
can state, and the schema and its pages are for logged-in users."""

import json
import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from generation import urls as generation_urls
from generation.models import BatchJob
from tests.generation.openapi import validator

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete", "options", "head")


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(editor):
    return token_client(editor)


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def api_paths(job_id: str) -> list[str]:
    batch = [
        "/api/" + str(pattern.pattern).replace("<uuid:pk>", job_id)
        for pattern in generation_urls.urlpatterns
    ]
    review = ["/review/api/reviews/", f"/review/api/reviews/{job_id}/"]
    return [*batch, *review, "/api/schema/", "/api/docs/", "/api/redoc/"]


@pytest.mark.parametrize("who", ["anonymous", "reviewer", "editor"])
def test_no_api_route_answers_a_server_error_to_any_method(who, request, submit):
    job = submit(count=3, run=False)
    client = APIClient() if who == "anonymous" else token_client(request.getfixturevalue(who))
    answers = {}
    for job_id in (str(job.pk), str(uuid.uuid4())):
        for path in api_paths(job_id):
            for method in METHODS:
                answers[method, path] = getattr(client, method)(path, format="json").status_code
    assert len(answers) == 18 * len(METHODS)  # 12 paths for each id, 6 of them without one
    assert {key: code for key, code in answers.items() if code >= 500} == {}


def test_options_on_a_batch_route_describes_the_body_it_takes(api, scaffolding):
    response = api.options("/api/conversations/generate-batch")
    assert response.status_code == 200
    fields = response.data["actions"]["POST"]
    assert fields["name"]["required"] is True and fields["name"]["max_length"] == 200
    assert fields["concurrentProcessing"]["max_value"] == 50
    assert api.options(f"/api/conversations/batch/{uuid.uuid4()}/pause").status_code == 200


def test_every_operation_has_a_summary_its_body_and_each_answer(schema):
    operations = {
        (method, path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert len(operations) == 10
    for (method, path), operation in operations.items():
        codes = set(operation["responses"])
        assert operation.get("summary"), (method, path)
        assert {"401", "503"} <= codes, (method, path)
        assert codes & {"200", "201", "202"}, (method, path)
        if path.startswith("/api/"):
            assert "403" in codes, (method, path)  # editors only
        if "{id}" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in operation:
            assert "400" in codes, (method, path)
            assert list(operation["requestBody"]["content"]) == ["application/json"]
        for code, answer in operation["responses"].items():
            assert answer["content"]["application/json"]["schema"], (method, path, code)
    controls = ["pause", "resume", "cancel"]
    for name in controls:
        control = operations["post", f"/api/conversations/batch/{{id}}/{name}"]
        assert "requestBody" not in control
        assert set(control["responses"]) == {"200", "401", "403", "404", "409", "503"}
        body = control["responses"]["200"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/JobStatus"}


def test_the_schema_itself_refuses_a_blank_name_and_an_empty_parameter_set(
    api, schema, scaffolding
):
    body = {"name": "", "parameterSets": [{}]}
    problems = {
        ".".join(map(str, error.absolute_path))
        for error in validator(schema, "GenerateBatch").iter_errors(body)
    }
    assert problems == {"name", "parameterSets.0"}
    assert api.post("/api/conversations/generate-batch", body, format="json").status_code == 400
    assert not BatchJob.objects.exists()


REFUSED_SETS = {
    "a scenario needs text": {"tier": "scenario", "chunk_context": None, "chunk_id": None},
    "an edge case set names its edge case": {"tier": "edge_case", "metadata": {}},
    "a template set names no edge case": {"metadata": {"edge_case_key": "crisis_disclosure"}},
    "4 to 10 turns": {"turn_count": 11},
    "an id is a uuid": {"persona_id": "sofia"},
    "specifics is an object": {"specifics": None},
    "the tier is one of three": {"tier": "bonus"},
}


def test_the_schema_refuses_the_parameter_sets_the_api_refuses(api, schema, scaffolding):
    planned = api.post("/api/conversations/plan", {"count": 1}, format="json").data
    good = planned["parameterSets"][0]
    assert good["tier"] == "template"
    check = validator(schema, "ParameterSet")
    assert list(check.iter_errors(good)) == []
    for why, change in REFUSED_SETS.items():
        bad = {**good, **change}
        assert list(check.iter_errors(bad)), why
        body = {"name": "Refused", "parameterSets": [bad]}
        response = api.post("/api/conversations/generate-batch", body, format="json")
        assert response.status_code == 400, why
    assert not BatchJob.objects.exists()


def test_every_planned_set_of_each_tier_fits_the_schema(api, schema, scaffolding):
    planned = api.post("/api/conversations/plan", {"count": 20, "seed": 5}, format="json").data
    check = validator(schema, "ParameterSet")
    assert {s["tier"] for s in planned["parameterSets"]} == {"template", "scenario", "edge_case"}
    for parameter_set in planned["parameterSets"]:
        assert list(check.iter_errors(parameter_set)) == []


def test_a_budget_cap_is_kept_to_the_micro_dollar_and_refused_out_of_range(api, scaffolding):
    sets = api.post("/api/conversations/plan", {"count": 1}, format="json").data["parameterSets"]
    for budget in (1_000_000, 1e300, 0.0000004, "NaN", "-1"):
        body = {"name": "Capped", "parameterSets": sets, "budgetCap": budget}
        response = api.post("/api/conversations/generate-batch", body, format="json")
        assert response.status_code == 400, budget
        assert "budgetCap" in response.data
    assert not BatchJob.objects.exists()
    for budget, stored in (
        (0.1234567, "0.123457"),
        ("12.5", "12.500000"),
        (999999, "999999.000000"),
    ):
        body = {"name": f"Capped at {budget}", "parameterSets": sets, "budgetCap": budget}
        response = api.post("/api/conversations/generate-batch", body, format="json")
        assert response.status_code == 202, response.data
        assert str(BatchJob.objects.get(name=body["name"]).budget_cap) == stored


def test_anonymous_visitors_cannot_read_the_schema_or_its_pages(client):
    assert APIClient().get("/api/schema/").status_code == 401
    for page in ("/api/docs/", "/api/redoc/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next={page}"


def test_any_logged_in_user_can_read_the_schema(reviewer):
    response = token_client(reviewer).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/review/api/reviews/{id}/" in response.json()["paths"]


@pytest.mark.parametrize("text", ["Elena\u0000", "\ud800 alone"])
def test_text_no_database_can_store_is_refused_anywhere_in_a_body(api, scaffolding, text):
    sets = api.post("/api/conversations/plan", {"count": 1}, format="json").data["parameterSets"]
    sets[0]["specifics"] = {"note": {"deep": [text]}}
    body = json.dumps({"name": "Stored?", "parameterSets": sets})  # JSON escapes the text
    response = api.post("/api/conversations/generate-batch", body, content_type="application/json")
    assert response.status_code == 400
    assert "NUL character or a lone surrogate" in response.data["detail"]
    assert not BatchJob.objects.exists()


def test_the_controls_ignore_whatever_body_comes_with_them(api, submit):
    job = submit(count=3, run=False)
    pause = f"/api/conversations/batch/{job.pk}/pause"
    response = api.post(pause, {"why": "lunch"})  # a multipart form, as a browser may send
    assert response.status_code == 200 and response.data["status"] == "paused"
    resume = f"/api/conversations/batch/{job.pk}/resume"
    assert api.post(resume, "not json", content_type="text/plain").status_code == 200
