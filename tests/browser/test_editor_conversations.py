"""An editor finds the failing conversations and reads why, at a desktop and a phone width."""

import pytest

from generation.models import Conversation
from review.validation import check
from tests.browser.screens import WIDTHS, overflowing, page_width, shoot, sign_in_editor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_filters_failing_conversations_and_reads_the_failed_check(
    page, live_server, submit, width
):
    job = submit(6)
    broken = job.conversations.first()
    Conversation.objects.filter(pk=broken.pk).update(turns=broken.turns[:2])
    broken.refresh_from_db()
    check(broken)
    sign_in_editor(page, live_server, width)

    page.goto(f"{live_server.url}/admin/generation/conversation/")
    shoot(page, f"conversations-{width}")
    if width >= 1024:  # the whole row fits beside the filters: no sideways scroll
        assert page.evaluate(
            "document.querySelector('#result_list').scrollWidth"
            " <= document.querySelector('#changelist .results').clientWidth"
        )
    page.click("#changelist-filter a:text-is('Turn count')")
    page.wait_for_url("**failed_check=turnCount**")
    rows = page.locator("#result_list tbody tr")
    assert (
        rows.count()
        == Conversation.objects.filter(validation__checks__turnCount__passed=False).count()
    )
    assert "✗ Turn count" in rows.first.inner_text()
    shoot(page, f"conversations-failed-{width}")

    page.click(f"#result_list a:text-is('{broken}')")
    failed_row = page.locator("tr.eid-check-failed[data-check=turnCount]")
    assert "Turn count" in failed_row.inner_text() and "✗ failed" in failed_row.inner_text()
    assert "Did not pass: Turn count" in page.inner_text(".eid-verdict")
    assert page.locator(".eid-turn").count() == 2
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"conversation-detail-{width}")
