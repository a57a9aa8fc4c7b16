"""Requests that meet an unreachable database get a plain answer, not a traceback."""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

MESSAGE = (
    "The database is unreachable. Nothing was changed; try again when it is back. Workers "
    "keep the replies they receive meanwhile and store them once it answers."
)


class DatabaseUnreachableMiddleware:
    """503 with a plain message when a view (or its template) cannot reach the database: a
    refused or dropped connection, a connection closed under the view, a locked SQLite file.
    The reason goes to the log only (it can name the server)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("%s %s: database unreachable (%s)", request.method, request.path, exception)
        wants_json = request.get_preferred_type(["text/html", "application/json"])
        if request.path.startswith("/api/") or wants_json == "application/json":
            return JsonResponse({"detail": MESSAGE}, status=503)
        page = render_to_string("database_unreachable.html", {"message": MESSAGE})
        return HttpResponse(page, status=503)
