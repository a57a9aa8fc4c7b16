from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from eidataset.api_pages import api_page

handler404 = "eidataset.error_pages.not_found"
handler500 = "eidataset.error_pages.server_error"

admin.site.site_header = "eidataset: emotional-intelligence dataset studio"
admin.site.site_title = "eidataset"
admin.site.index_title = "Scaffolding, generation and releases"


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/quality/", include("review.report_urls")),
    path("admin/seed-examples/", include("review.hand_written_urls")),
    path("admin/", admin.site.urls),
    path("review/", include("review.urls")),
    path("api/", include("generation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_page(SpectacularSwaggerView), name="api-docs"),
    path("api/redoc/", api_page(SpectacularRedocView), name="api-redoc"),
]
