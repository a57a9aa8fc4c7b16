"""Error answers (with DEBUG off): JSON under the APIs, Django's plain pages elsewhere.

Neither shows a traceback or a server path. Django answers these itself (an unknown URL, a
crash), before or outside DRF, so an API client would otherwise get an HTML page.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIXES = ("/api/", "/review/api/")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "Server error: the operator's log has the details."}, status=500
        )
    return defaults.server_error(request)
