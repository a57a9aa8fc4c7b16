"""The admin page comparing an A/B job's two arms side by side (review/ab_report.py), under
/admin/quality/ab/. Computed on request: the figures read only the job's own rows."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from generation.models import BatchJob
from review.ab_report import ab_report, side_by_side
from review.report_views import JOB_CHOICES, _allowed


def ab_comparison(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    job_id = (request.GET.get("job") or "").strip()
    split_jobs = BatchJob.objects.filter(ab_split=True).order_by("-created_at")[:JOB_CHOICES]
    context = {
        **admin.site.each_context(request),
        "title": "A/B comparison",
        "jobs": split_jobs,
        "job": None,
        "error": "",
    }
    if not job_id:
        return render(request, "admin/review/ab_report.html", context)
    try:
        job = BatchJob.objects.get(pk=job_id, ab_split=True)
    except (BatchJob.DoesNotExist, ValidationError, ValueError):
        context["error"] = f"No A/B batch job {job_id!r}."
        return render(request, "admin/review/ab_report.html", context, status=404)
    report = ab_report(job)
    context |= {"job": job, "report": report, "rows": side_by_side(report)}
    return render(request, "admin/review/ab_report.html", context)
