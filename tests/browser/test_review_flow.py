"""A reviewer's whole flow in a real headless Chromium: sign in, queue, review, verdict."""

import pytest
from django.contrib.auth.models import Group, User

from eidataset.roles import REVIEWERS
from eidataset.seeding import seed_scaffolding
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from review.checklist import CATEGORY_KEYS, ITEM_KEYS
from review.models import Review
from review.sampling import draw_sample
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assigned(offline):
    """A small job generated inline against the emulator, its sample given to one reviewer."""
    seed_scaffolding()
    sets = plan_parameter_sets(counts={"template": 2, "scenario": 1, "edge_case": 1}, seed=4)
    job = submit_batch(resolve_plan([s.to_json() for s in sets]), BatchOptions(name="Browser"))
    assert job.conversations.completed().count() == 4  # committed, so dispatched at once
    reviewer = User.objects.create_user("rhea", "rhea@example.com", PASSWORD)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    draw_sample(job, reviewers=[reviewer])
    return Review.objects.filter(reviewer=reviewer).order_by("conversation__sequence_number")


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/review/")
    assert "/review/login/" in page.url
    page.fill("#id_username", "rhea")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Your review queue")


def test_a_reviewer_signs_in_reviews_an_item_and_sees_the_verdict(page, live_server, assigned):
    sign_in(page, live_server)
    rows = page.locator("#open-reviews tbody tr")
    assert rows.count() == assigned.count()
    first = assigned.first()
    page.click(f"a[href='/review/{first.pk}/']")
    page.wait_for_selector("#checklist")
    assert first.conversation.persona.name in page.inner_text("main")
    assert "Turn 1" in page.inner_text("main")
    assert page.locator("#checklist input[type=checkbox]").count() == 20
    # every item of four categories, and three of the fifth's: approved with notes
    for category in CATEGORY_KEYS[:4]:
        for item in ITEM_KEYS[category]:
            page.check(f"#id_{category}__{item}")
    for item in ITEM_KEYS[CATEGORY_KEYS[4]][:3]:
        page.check(f"#id_{CATEGORY_KEYS[4]}__{item}")
    page.fill("#id_notes", "Warm, but she explains before asking.")
    page.click("#checklist button[type=submit]")
    verdict = page.wait_for_selector("#verdict")
    assert "APPROVED WITH NOTES" in verdict.inner_text()
    assert "4/5 categories passed" in verdict.inner_text()
    first.refresh_from_db()
    assert first.verdict == "approved_with_notes" and first.status == Review.Status.DONE
    assert first.notes == "Warm, but she explains before asking."
    # the saved ticks come back checked, and the queue counts it as done
    assert page.is_checked(f"#id_{CATEGORY_KEYS[0]}__{ITEM_KEYS[CATEGORY_KEYS[0]][0]}")
    page.click("text=Your queue")
    page.wait_for_selector("#done-reviews")
    assert "Approved with notes" in page.inner_text("#done-reviews")
    assert page.locator("#open-reviews tbody tr").count() == assigned.count() - 1


def test_a_reviewer_cannot_reach_the_admin_from_the_browser(page, live_server, assigned):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
