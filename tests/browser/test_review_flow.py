"""A reviewer's flow in a real headless Chromium at a desktop and a phone width: sign in,
review three items with save-and-next (by keyboard and by mouse), reject one with the
confirmation a paid regeneration asks for, and see the automated checks only once saved."""

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
from tests.browser.screens import SCREENSHOTS, WIDTHS, overflowing, page_width, shoot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assigned(offline):
    """A small job generated inline against the emulator, all of it given to one reviewer."""
    seed_scaffolding()
    sets = plan_parameter_sets(counts={"template": 2, "scenario": 1, "edge_case": 1}, seed=4)
    job = submit_batch(resolve_plan([s.to_json() for s in sets]), BatchOptions(name="Browser"))
    assert job.conversations.completed().count() == 4  # committed, so dispatched at once
    reviewer = User.objects.create_user("rhea", "rhea@example.com", PASSWORD)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    draw_sample(job, fraction=1, reviewers=[reviewer])
    return list(Review.objects.for_reviewer(reviewer).in_queue_order())


def sign_in(page, live_server, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/review/")
    assert "/review/login/" in page.url
    page.fill("#id_username", "rhea")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Your review queue")


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0; }""",
        selector,
    )


def box(category: str, item: str) -> str:
    return f"#id_{category}__{item}"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reviewer_reviews_three_items_with_save_and_next_then_rejects_one(
    page, live_server, assigned, width
):
    sign_in(page, live_server, width)
    assert page.locator("#open-reviews tbody tr").count() == 4
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"review-queue-{width}")
    assert "0 of 4 reviewed" in page.inner_text("#start")
    page.click("#start a:text('Start reviewing')")
    page.wait_for_selector("#checklist")
    assert "1 of 4 · 0 reviewed" in page.inner_text("#progress")
    assert assigned[0].conversation.training_topic.name in page.inner_text("#learning-objective")
    assert "all four of its boxes" in page.inner_text("#rule")
    assert page.locator("#automated-checks").count() == 0  # hidden until saved
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"review-item-{width}")
    if width >= 1024:  # the checklist stays beside the transcript's last turn
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert in_view(page, ".turn:last-of-type")
        assert in_view(page, "#save-next") and in_view(page, "#category-brand_voice legend")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the window as the reviewer sees it
        page.screenshot(path=str(SCREENSHOTS / f"review-item-scrolled-{width}.png"))
    else:  # one tap on the bar reaches the checklist
        assert in_view(page, ".phone-bar")
        page.click("#to-checklist")
        page.wait_for_function(
            "document.querySelector('#checklist').getBoundingClientRect().top < 100"
        )
        assert in_view(page, "#category-emotional_intelligence legend")
        shoot(page, f"review-checklist-{width}")

    # item 1 by keyboard: 1-5 tick whole categories, s saves and goes on
    page.locator("body").press("Escape")
    for number in "12345":
        page.keyboard.press(number)
    assert "5 of 5 categories pass → Approved" in page.inner_text("#projected")
    page.keyboard.press("s")
    page.wait_for_url(f"**/review/{assigned[1].pk}/")
    assert "Saved #" in page.inner_text(".messages")
    assert "2 of 4 · 1 reviewed" in page.inner_text("#progress")

    # item 2 by mouse: four categories and three of the fifth's items
    for category in CATEGORY_KEYS[:4]:
        for item in ITEM_KEYS[category]:
            page.check(box(category, item))
    for item in ITEM_KEYS[CATEGORY_KEYS[4]][:3]:
        page.check(box(CATEGORY_KEYS[4], item))
    assert "3/4" in page.inner_text(f"#category-{CATEGORY_KEYS[4]} .tally")
    page.fill("#id_notes", "Warm, but she explains before asking.")
    page.click("#save-next")
    page.wait_for_url(f"**/review/{assigned[2].pk}/")
    assert "Approved with notes (4/5 categories passed)" in page.inner_text(".messages")

    # item 3: j/x tick one box at a time, a ticks the rest, Ctrl+Enter saves
    page.locator("body").press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("x")
    first = box(CATEGORY_KEYS[0], ITEM_KEYS[CATEGORY_KEYS[0]][0])
    assert page.is_checked(first)
    page.keyboard.press("a")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**/review/{assigned[3].pk}/")
    assert "4 of 4 · 3 reviewed" in page.inner_text("#progress")

    # item 4: two categories pass, a rejection: the page asks first
    for number in "12":
        page.keyboard.press(number)
    page.click("#save-next")
    dialog = page.locator("#confirm-reject")
    dialog.wait_for(state="visible")
    assert "2 of 5 categories pass" in dialog.inner_text()
    assert "pays for it to be written again" in dialog.inner_text()
    shoot(page, f"review-confirm-reject-{width}")
    page.click("#confirm-reject-no")  # go back: nothing saved
    assert not dialog.is_visible()
    assert Review.objects.get(pk=assigned[3].pk).status == Review.Status.OPEN
    page.click("#save-next")
    page.click("#confirm-reject-yes")
    page.wait_for_selector("text=Saved #")
    rejected = Review.objects.get(pk=assigned[3].pk)
    assert rejected.verdict == "rejected" and rejected.replacement is not None
    # the regeneration is written inline here, so it is next in the queue
    assert "5 of 5 · 4 reviewed" in page.inner_text("#progress")
    assert "Rejected (2/5 categories passed)" in page.inner_text(".messages")

    # a saved item now shows its automated checks beside the verdict
    page.goto(f"{live_server.url}/review/{assigned[1].pk}/")
    assert "APPROVED WITH NOTES" in page.inner_text("#verdict")
    assert page.locator("#automated-checks tr[data-check]").count() >= 6
    assert page.is_checked(box(CATEGORY_KEYS[0], ITEM_KEYS[CATEGORY_KEYS[0]][0]))
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"review-saved-{width}")


def test_a_reviewer_cannot_reach_the_admin_from_the_browser(page, live_server, assigned):
    sign_in(page, live_server, 1366)
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
