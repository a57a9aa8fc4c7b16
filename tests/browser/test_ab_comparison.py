"""An editor compares the two arms of an A/B job from the admin's home page, at a desktop and
a phone width."""

import pytest

from generation import examples
from tests.browser.screens import WIDTHS, overflowing, page_width, shoot, sign_in_editor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_picks_an_ab_job_and_reads_the_arms_side_by_side(
    page, live_server, submit, width
):
    seeds = submit(6, name="Seeds")
    seeds.conversations.update(seed_example=True)
    examples.pin(examples.choose(3))
    job = submit(8, name="A/B job", ab_examples="none")
    sign_in_editor(page, live_server, width)

    page.click("#quality-report-module a:text-is('A/B comparison')")
    options = page.locator("#id_job option")
    assert options.count() == 2  # "Choose one" and the one A/B job, not the seeds' job
    page.select_option("#id_job", str(job.pk))
    page.click("#ab-job-form input[type=submit]")
    page.wait_for_selector("#ab-table")

    rows = {
        row.locator("th").inner_text(): [cell.inner_text() for cell in row.locator("td").all()]
        for row in page.locator("#ab-table tbody tr").all()
    }
    assert rows["Seed examples"] == ["seed examples v1", "no seed examples"]
    assert rows["Conversations (completed)"] == ["4 (4)", "4 (4)"]
    assert rows["Cache read share after the first call"][1] == "–"
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"ab-comparison-{width}")
