"""The reviewers' API: own reviews only, checklists validated, verdicts computed."""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from eidataset.roles import REVIEWERS
from generation.models import BatchJob, Conversation
from review.checklist import CATEGORY_KEYS, ITEM_KEYS
from review.models import Review
from review.sampling import draw_sample
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def checklist(passing: int) -> dict[str, dict[str, bool]]:
    return {
        category: {item: index < passing for item in ITEM_KEYS[category]}
        for index, category in enumerate(CATEGORY_KEYS)
    }


@pytest.fixture
def api(reviewer) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=reviewer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def sample(submit, reviewer):
    other = User.objects.create_user("otto-other", "otto@example.com", PASSWORD)
    other.groups.add(Group.objects.get(name=REVIEWERS))
    return draw_sample(submit(6), reviewers=[reviewer, other])


def test_a_reviewer_lists_only_their_own_reviews(api, reviewer, sample):
    response = api.get("/review/api/reviews/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()}
    assert ids == {
        str(pk) for pk in sample.reviews.filter(reviewer=reviewer).values_list("pk", flat=True)
    }
    row = response.json()[0]
    assert row["status"] == "open" and row["verdict"] == "" and row["persona"]


def test_another_reviewers_review_is_a_404_to_read_and_to_write(api, reviewer, sample):
    theirs = sample.reviews.exclude(reviewer=reviewer).first()
    assert api.get(f"/review/api/reviews/{theirs.pk}/").status_code == 404
    response = api.patch(
        f"/review/api/reviews/{theirs.pk}/", {"checklist": checklist(5)}, format="json"
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "open"


@pytest.mark.parametrize(
    ("passing", "verdict"), [(5, "approved"), (4, "approved_with_notes"), (3, "rejected")]
)
def test_patching_a_checklist_returns_its_verdict(
    api, reviewer, sample, passing, verdict, django_capture_on_commit_callbacks
):
    mine = sample.reviews.filter(reviewer=reviewer).first()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            f"/review/api/reviews/{mine.pk}/",
            {"checklist": checklist(passing), "notes": "via the API"},
            format="json",
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["verdict"] == verdict and body["categories_passed"] == passing
    assert body["status"] == "done" and body["notes"] == "via the API"
    mine.refresh_from_db()
    assert mine.verdict == verdict
    regenerated = Conversation.objects.filter(regenerated_from=mine.conversation)
    assert regenerated.count() == (1 if verdict == "rejected" else 0)
    assert (body["replacement"] is not None) == (verdict == "rejected")


def test_a_partial_checklist_counts_missing_items_as_not_ticked(api, reviewer, sample):
    mine = sample.reviews.filter(reviewer=reviewer).first()
    partial = {
        category: {item: True for item in ITEM_KEYS[category]} for category in CATEGORY_KEYS[:4]
    }
    response = api.patch(f"/review/api/reviews/{mine.pk}/", {"checklist": partial}, format="json")
    assert response.status_code == 200
    assert response.json()["verdict"] == "approved_with_notes"
    assert response.json()["checklist"]["brand_voice"] == {
        item: False for item in ITEM_KEYS["brand_voice"]
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"checklist": {"charm": {"smiles": True}}}, "checklist", "unknown checklist categories"),
        (
            {"checklist": {"brand_voice": {"uses_emoji": True}}},
            "checklist",
            "unknown items in brand_voice",
        ),
        ({"checklist": ["not", "a", "mapping"]}, "checklist", "A checklist is an object"),
        ({"checklist": {"brand_voice": True}}, "checklist", "A checklist is an object"),
        ({"notes": "no checklist yet"}, "checklist", "A first review needs a checklist"),
    ],
)
def test_a_bad_checklist_is_a_400_with_field_errors_and_changes_nothing(
    api, reviewer, sample, body, field, message
):
    mine = sample.reviews.filter(reviewer=reviewer).first()
    response = api.patch(f"/review/api/reviews/{mine.pk}/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    mine.refresh_from_db()
    assert mine.status == "open" and mine.checklist == {} and mine.notes == ""


def test_the_verdict_and_status_cannot_be_written_directly(api, reviewer, sample):
    mine = sample.reviews.filter(reviewer=reviewer).first()
    response = api.patch(
        f"/review/api/reviews/{mine.pk}/",
        {"checklist": checklist(0), "verdict": "approved", "status": "done"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "rejected"


def test_put_and_delete_are_not_offered(api, reviewer, sample):
    mine = sample.reviews.filter(reviewer=reviewer).first()
    url = f"/review/api/reviews/{mine.pk}/"
    assert api.put(url, {"checklist": checklist(5)}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert Review.objects.filter(pk=mine.pk).exists()


def test_anonymous_callers_get_401(sample):
    response = APIClient().get("/review/api/reviews/")
    assert response.status_code == 401


def test_session_auth_works_for_a_signed_in_reviewer(client, reviewer, sample):
    client.force_login(reviewer)
    response = client.get("/review/api/reviews/")
    assert response.status_code == 200
    assert len(response.json()) == sample.reviews.filter(reviewer=reviewer).count() >= 1


def test_a_reviewer_gets_403_from_the_editors_generation_api(api, sample):
    job = BatchJob.objects.get()
    assert api.get(f"/api/conversations/batch/{job.pk}/status").status_code == 403
    assert api.post(f"/api/conversations/batch/{job.pk}/pause").status_code == 403
    response = api.post("/api/conversations/plan", {"counts": {"template": 3}}, format="json")
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
