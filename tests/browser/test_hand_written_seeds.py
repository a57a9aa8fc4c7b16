"""An editor adds hand-written seed examples in the admin: checks them first, is refused
while one fails, then adds them, at a desktop and a phone width."""

import pytest

from generation.models import HAND_WRITTEN, Conversation
from tests.browser.screens import WIDTHS, overflowing, page_width, shoot, sign_in_editor
from tests.review.test_hand_written import CLEAN, HARMFUL, lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_checks_then_adds_hand_written_seed_examples(
    page, live_server, scaffolding, width
):
    sign_in_editor(page, live_server, width)
    page.click("#quality-report-module a:text-is('Hand-written seed examples')")
    page.wait_for_selector("#hand_written_form")

    page.fill("#id_conversations", lines(CLEAN[0], HARMFUL))
    page.click("input[name=_check]")
    page.wait_for_selector("#hand_written_results")
    results = page.locator("#hand_written_results tbody tr")
    assert results.count() == 2
    assert "passed" in results.nth(0).inner_text()
    assert (
        "FAILED" in results.nth(1).inner_text() and "harmfulContent" in results.nth(1).inner_text()
    )
    assert f"line 2 ({HARMFUL}): failed harmfulContent" in page.inner_text(".eid-form-warnings")
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"hand-written-checked-{width}")

    page.click("input[name=_add]")  # the pasted text is kept: still one failing
    page.wait_for_selector(".errornote")
    assert "Nothing was added" in page.inner_text("#content-main")
    assert not Conversation.objects.exists()

    page.fill("#id_conversations", lines(*CLEAN))
    page.click("input[name=_add]")
    page.wait_for_url(f"**/admin/generation/conversation/?source={HAND_WRITTEN}")
    assert "Added 2 hand-written seed example(s)" in page.inner_text(".messagelist")
    assert page.locator("#result_list tbody tr").count() == 2
    assert Conversation.objects.filter(source=HAND_WRITTEN, seed_example=True).count() == 2
    shoot(page, f"hand-written-added-{width}")
