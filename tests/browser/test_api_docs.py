"""/api/docs/ and /api/redoc/ render in Chromium with no network beyond the app itself."""

from urllib.parse import urlparse

import pytest

from tests.browser.screens import WIDTHS, overflowing, page_width, shoot, sign_in_editor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offline(page, live_server) -> list[str]:
    """Refuse every request that leaves the live server; return the list of those refused."""
    host = urlparse(live_server.url).netloc
    refused: list[str] = []

    def route(route):
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return refused


def test_swagger_ui_and_redoc_render_every_operation_offline(page, live_server):
    refused = offline(page, live_server)
    sign_in_editor(page, live_server, WIDTHS[0])
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock-summary-description >> text=Submit a batch")
        summaries = page.locator(".opblock-summary-description").all_inner_texts()
        assert len(summaries) == 10 and all(summaries)
        page.click("text=Pause a job")
        page.wait_for_selector(".responses-table >> text=409")
        shoot(page, f"api-docs-{width}")
        assert page_width(page) <= width, overflowing(page)

        page.goto(f"{live_server.url}/api/redoc/")
        page.wait_for_selector("h2 >> text=Submit a batch")
        shoot(page, f"api-redoc-{width}")
    assert refused == []
