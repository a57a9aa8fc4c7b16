"""Reviewer pages: sign in, the own queue, the pool, the review page and its verdict."""

import pytest
from django.contrib.auth.models import Group, User

from eidataset.roles import REVIEWERS
from review.checklist import CATEGORY_KEYS, ITEM_KEYS
from review.models import Review
from review.sampling import draw_sample
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def ticks(passing: int) -> dict[str, str]:
    return {
        f"{category}__{item}": "on"
        for category in CATEGORY_KEYS[:passing]
        for item in ITEM_KEYS[category]
    }


@pytest.fixture
def other_reviewer(db) -> User:
    user = User.objects.create_user("otto-other", "otto@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


@pytest.fixture
def shared(submit, reviewer, other_reviewer):
    """A sample split between the reviewer and another reviewer."""
    return draw_sample(submit(6), reviewers=[reviewer, other_reviewer])


def test_the_sign_in_page_is_the_reviewers_own_and_leads_to_the_queue(client, reviewer):
    page = client.get("/review/login/")
    assert page.status_code == 200
    assert "Reviewer sign in" in page.content.decode()
    assert "django-admin" not in page.content.decode()
    response = client.post("/review/login/", {"username": reviewer.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/review/"
    assert client.get("/review/").status_code == 200


def test_a_wrong_password_is_refused(client, reviewer):
    response = client.post("/review/login/", {"username": reviewer.username, "password": "no"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(client, shared):
    item = shared.reviews.first()
    for url in ("/review/", f"/review/{item.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/review/login/?next=")


def test_a_signed_in_user_who_is_not_a_reviewer_is_refused(client, outsider, shared):
    client.force_login(outsider)
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/{shared.reviews.first().pk}/").status_code == 403


def test_the_queue_shows_only_the_reviewers_own_items(client, reviewer, shared):
    client.force_login(reviewer)
    page = client.get("/review/").content.decode()
    mine = shared.reviews.filter(reviewer=reviewer)
    theirs = shared.reviews.exclude(reviewer=reviewer)
    assert mine.exists() and theirs.exists()
    for review in mine:
        assert f"/review/{review.pk}/" in page
    for review in theirs:
        assert f"/review/{review.pk}/" not in page
    assert "Claim from pool" not in page


def test_a_reviewer_cannot_open_another_reviewers_item(client, reviewer, shared):
    client.force_login(reviewer)
    theirs = shared.reviews.exclude(reviewer=reviewer).first()
    assert client.get(f"/review/{theirs.pk}/").status_code == 404
    assert client.post(f"/review/{theirs.pk}/", ticks(5)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Review.Status.OPEN and theirs.verdict == ""


def test_reviewers_are_not_let_into_the_admin(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_the_review_page_shows_the_transcript_the_facts_the_checks_and_the_checklist(
    client, reviewer, shared
):
    client.force_login(reviewer)
    review = shared.reviews.filter(reviewer=reviewer).select_related("conversation").first()
    conversation = review.conversation
    page = client.get(f"/review/{review.pk}/").content.decode()
    assert conversation.persona.name in page
    assert conversation.emotional_arc.name in page
    assert conversation.training_topic.name in page
    assert conversation.get_tier_display() in page
    first_turn = conversation.turns[0]
    assert first_turn["conversation_phase"] in page
    assert first_turn["emotional_context"]["detected_emotions"]["primary"] in page
    assert "Elena" in page
    for name in conversation.validation["checks"]:
        assert name in page
    assert "Score breakdown" in page
    assert page.count('type="checkbox"') == 20
    assert page.count("<fieldset") == 5
    assert 'name="notes"' in page


def test_an_edge_case_item_names_its_edge_case_and_expected_behaviour(client, reviewer, submit):
    job = submit(6)
    edge = job.conversations.get(tier="edge_case")
    sample = draw_sample(job, reviewers=[reviewer])
    review = sample.reviews.get(conversation=edge)
    client.force_login(reviewer)
    page = client.get(f"/review/{review.pk}/").content.decode()
    assert edge.edge_case.name in page
    assert edge.edge_case.get_edge_case_type_display() in page


@pytest.mark.parametrize(
    ("passing", "verdict", "shown"),
    [
        (5, "approved", "APPROVED"),
        (4, "approved_with_notes", "APPROVED WITH NOTES"),
        (3, "rejected", "REJECTED"),
        (0, "rejected", "REJECTED"),
    ],
)
def test_saving_the_checklist_gives_the_spec_verdict(
    client, reviewer, shared, passing, verdict, shown, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    review = shared.reviews.filter(reviewer=reviewer).first()
    form = {**ticks(passing), "notes": "checked on a laptop"}
    # one item short in the next category does not pass it
    if passing < 5:
        category = CATEGORY_KEYS[passing]
        form.update({f"{category}__{item}": "on" for item in ITEM_KEYS[category][:3]})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/review/{review.pk}/", form, follow=True)
    page = response.content.decode()
    assert f'Verdict: <span class="verdict verdict-{verdict}">{shown}</span>' in page
    assert f"{passing}/5 categories passed" in page
    review.refresh_from_db()
    assert review.status == Review.Status.DONE
    assert review.verdict == verdict and review.categories_passed == passing
    assert review.notes == "checked on a laptop"
    assert sum(sum(items.values()) for items in review.checklist.values()) == len(
        [k for k in form if "__" in k]
    )
    queue = client.get("/review/").content.decode()
    assert "Done (1)" in queue


def test_the_pool_is_claimed_one_item_at_a_time(client, reviewer, other_reviewer, submit):
    sample = draw_sample(submit(6))  # nobody named: every item waits in the pool
    total = sample.reviews.count()
    client.force_login(reviewer)
    queue = client.get("/review/").content.decode()
    assert f"{total} items waiting in the pool" in queue and "Claim from pool" in queue
    response = client.post("/review/claim/")
    claimed = Review.objects.get(reviewer=reviewer)
    assert response.status_code == 302 and response.url == f"/review/{claimed.pk}/"
    assert Review.objects.filter(reviewer__isnull=True).count() == total - 1
    client.force_login(other_reviewer)
    client.post("/review/claim/")
    assert Review.objects.get(reviewer=other_reviewer) != claimed
    assert client.get("/review/claim/").status_code == 405


def test_claiming_from_an_empty_pool_says_so(client, reviewer, shared):
    client.force_login(reviewer)
    response = client.post("/review/claim/", follow=True)
    assert "The pool is empty." in response.content.decode()
