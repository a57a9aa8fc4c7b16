"""Reviewer pages: sign in, the own queue, the pool, the review page and its verdict."""

from itertools import pairwise

import pytest
from django.contrib.auth.models import Group, User
from django.utils.html import escape

from eidataset.labels import check_label, label
from eidataset.roles import REVIEWERS
from generation.models import Conversation
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


def test_the_queue_leads_to_the_first_item_waiting_then_the_next(client, reviewer, shared):
    client.force_login(reviewer)
    mine = list(Review.objects.for_reviewer(reviewer).in_queue_order())
    page = client.get("/review/").content.decode()
    assert f"0 of {len(mine)} reviewed." in page
    assert f'href="/review/{mine[0].pk}/">Start reviewing: #' in page
    client.post(f"/review/{mine[0].pk}/", ticks(5))
    page = client.get("/review/").content.decode()
    assert f"1 of {len(mine)} reviewed." in page
    assert f'href="/review/{mine[1].pk}/">Continue: #' in page


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


def test_the_review_page_shows_the_transcript_the_facts_and_the_checklist(client, reviewer, shared):
    client.force_login(reviewer)
    review = shared.reviews.filter(reviewer=reviewer).select_related("conversation").first()
    conversation = review.conversation
    page = client.get(f"/review/{review.pk}/").content.decode()
    assert conversation.persona.name in page
    assert escape(conversation.persona.description) in page
    assert conversation.emotional_arc.name in page
    assert label(conversation.emotional_arc.starting_emotion) in page
    assert conversation.training_topic.name in page
    assert conversation.get_tier_display() in page
    assert escape(conversation.parameters["specifics"]["situation"]) in page
    first_turn = conversation.turns[0]
    assert label(first_turn["conversation_phase"]) in page
    assert label(first_turn["emotional_context"]["detected_emotions"]["primary"]) in page
    assert "Elena" in page
    assert page.count('type="checkbox"') == 21  # 5 x 4 items and the rejection's confirmation
    assert page.count("<fieldset") == 5
    assert 'name="notes"' in page
    assert "all four</strong> of its boxes" in page


def test_the_key_learning_objective_the_checklist_asks_about_is_shown(client, reviewer, shared):
    client.force_login(reviewer)
    review = shared.reviews.filter(reviewer=reviewer).first()
    page = client.get(f"/review/{review.pk}/").content.decode()
    objective = review.conversation.training_topic.key_learning_objective
    assert "key_learning_objective is accurate" in page
    assert f'<dd id="learning-objective">{objective}' in page


def test_automated_results_stay_hidden_until_the_reviewer_saves(client, reviewer, shared):
    client.force_login(reviewer)
    review = shared.reviews.filter(reviewer=reviewer).first()
    checks = review.conversation.validation["checks"]
    before = client.get(f"/review/{review.pk}/").content.decode()
    assert 'id="automated-checks"' not in before and "Score breakdown" not in before
    assert "appear here once you save your review" in before
    client.post(f"/review/{review.pk}/", {**ticks(5), "then": "stay"})
    after = client.get(f"/review/{review.pk}/").content.decode()
    assert 'id="automated-checks"' in after and "Score breakdown" in after
    for name in checks:
        assert f"<th>{check_label(name)}</th>" in after


def test_a_setting_shows_automated_results_before_saving(client, reviewer, shared, settings):
    settings.REVIEW_SHOW_RESULTS_BEFORE_SAVE = True
    client.force_login(reviewer)
    review = shared.reviews.filter(reviewer=reviewer).first()
    page = client.get(f"/review/{review.pk}/").content.decode()
    assert 'id="automated-checks"' in page and "Score breakdown" in page


def test_the_page_says_where_the_item_stands_in_the_reviewers_sample(client, reviewer, shared):
    client.force_login(reviewer)
    mine = list(Review.objects.for_reviewer(reviewer).in_queue_order())
    assert len(mine) >= 2
    client.post(f"/review/{mine[0].pk}/", ticks(5))
    page = client.get(f"/review/{mine[1].pk}/").content.decode()
    assert f"<strong>2 of {len(mine)}</strong> · 1 reviewed" in page
    assert f'href="/review/{mine[0].pk}/" rel="prev"' in page


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
    form = {**ticks(passing), "notes": "checked on a laptop", "then": "stay"}
    if verdict == "rejected":
        form["confirm_rejection"] = "on"
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
    assert response.redirect_chain[-1][0] == f"/review/{review.pk}/"
    queue = client.get("/review/").content.decode()
    assert "Done (1)" in queue


def test_save_and_next_goes_to_the_reviewers_next_open_item_then_to_the_queue(
    client, reviewer, shared
):
    client.force_login(reviewer)
    mine = list(Review.objects.for_reviewer(reviewer).in_queue_order())
    for item, following in pairwise(mine):
        response = client.post(f"/review/{item.pk}/", {**ticks(5), "then": "next"})
        assert response.status_code == 302 and response.url == f"/review/{following.pk}/"
    number = mine[-1].conversation.sequence_number
    response = client.post(f"/review/{mine[-1].pk}/", {**ticks(4), "then": "next"}, follow=True)
    assert response.redirect_chain[-1][0] == "/review/"
    page = response.content.decode()
    assert f"Saved #{number}: Approved with notes (4/5 categories passed)." in page
    assert "That was the last item waiting in your queue." in page
    assert not Review.objects.filter(reviewer=reviewer, status=Review.Status.OPEN).exists()


def test_save_and_next_skips_done_items_and_comes_back_to_a_skipped_one(client, reviewer, submit):
    draw_sample(submit(4), fraction=1, reviewers=[reviewer])
    client.force_login(reviewer)
    mine = list(Review.objects.for_reviewer(reviewer).in_queue_order())
    assert len(mine) == 4
    client.post(f"/review/{mine[2].pk}/", ticks(5))  # done out of order
    response = client.post(f"/review/{mine[1].pk}/", ticks(5))
    assert response.url == f"/review/{mine[3].pk}/"  # past the done one
    response = client.post(f"/review/{mine[3].pk}/", ticks(5))
    assert response.url == f"/review/{mine[0].pk}/"  # then back to the skipped first


def test_a_rejection_that_would_regenerate_needs_confirmation_and_saves_nothing_without_it(
    client, reviewer, shared
):
    client.force_login(reviewer)
    review = shared.reviews.filter(reviewer=reviewer).first()
    response = client.post(f"/review/{review.pk}/", {**ticks(3), "notes": "flat"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "this rejects the conversation and pays for it to be written again" in page
    assert 'class="confirm-box shown"' in page
    assert 'data-regenerates="true"' in page
    review.refresh_from_db()
    assert review.status == Review.Status.OPEN and review.verdict == ""
    assert not Conversation.objects.filter(regenerated_from__isnull=False).exists()


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
