"""The API's own pages (Swagger UI, ReDoc): for logged-in users, and offline.

Their files come from drf-spectacular-sidecar as our static files; a Content-Security-Policy
keeps the browser from fetching anything else (ReDoc's bundle asks a CDN for a logo).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

LOCAL_ONLY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' blob:",  # Swagger UI starts from an inline script
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",  # ReDoc searches in a worker
        "connect-src 'self'",
    ]
)
# A visitor is sent to the admin's login first.
LOGIN_URL = reverse_lazy("admin:login")
# Their OPTIONS would render DRF's metadata as a page.
PAGE_METHODS = ["get", "head"]


def local_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = LOCAL_ONLY
        return response

    return wrapped


def api_page(view_class: Any) -> Callable[..., HttpResponse]:
    view = view_class.as_view(url_name="schema", http_method_names=PAGE_METHODS)
    return login_required(local_only(view), login_url=LOGIN_URL)
