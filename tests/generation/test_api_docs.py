"""Swagger UI and ReDoc come from the app's own static files: nothing from a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_api_pages_load_only_local_static_files_that_exist(editor_client, page):
    response = editor_client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(ref.endswith(".js") for ref in references)
    assert not re.search(r"(?:https?:)?//[\w.-]+\.\w+/", html.replace("http://www.w3.org", ""))
    for reference in references:
        assert reference.startswith("/static/drf_spectacular_sidecar/"), reference
        assert finders.find(reference.removeprefix("/static/")), reference
    assert '"/api/schema/"' in html
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
