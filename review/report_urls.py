"""Staff-only quality report pages, mounted under /admin/quality/."""

from django.contrib import admin
from django.urls import path

from review import ab_views, report_views

app_name = "quality"

urlpatterns = [
    path("", admin.site.admin_view(report_views.quality_report), name="report"),
    path(
        "quality-report.json",
        admin.site.admin_view(report_views.quality_report_json),
        name="report-json",
    ),
    path("ab/", admin.site.admin_view(ab_views.ab_comparison), name="ab"),
    path(
        "recompute/",
        admin.site.admin_view(report_views.recompute_quality_report),
        name="report-recompute",
    ),
]
