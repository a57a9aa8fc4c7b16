"""The quality report in the admin: figures and charts drawn on the server (CSS bars and inline
SVG, no JavaScript), for every completed conversation or one batch job's, and its JSON."""

import json
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify

from generation.models import BatchJob, Conversation
from review.report import CHECK_OUTCOMES, build_report

JOB_CHOICES = 200  # the newest jobs offered in the selector
SVG_WIDTH, SVG_HEIGHT, SVG_BAR_GAP = 420, 160, 6


def _allowed(request: HttpRequest) -> None:
    """Staff (admin_view) who may see conversations; reviewers and others are refused."""
    if not request.user.has_perm("generation.view_conversation"):
        raise PermissionDenied("Only dataset editors may see the quality report.")


def _selection(request: HttpRequest) -> tuple[QuerySet, BatchJob | None, str]:
    """The conversations the request asks for, its job, and an error for a bad job id."""
    job_id = request.GET.get("job", "").strip()
    if not job_id:
        return Conversation.objects.all(), None, ""
    try:
        job = BatchJob.objects.get(pk=job_id)
    except (BatchJob.DoesNotExist, ValidationError, ValueError):
        return Conversation.objects.none(), None, f"No batch job {job_id!r}."
    return Conversation.objects.filter(batch_job=job), job, ""


def _name(job: BatchJob | None) -> str:
    return job.name if job else "eidataset: all completed conversations"


def quality_report(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    conversations, job, error = _selection(request)
    context = {
        **admin.site.each_context(request),
        "title": "Quality report",
        "jobs": _jobs(),
        "job": job,
        "error": error,
    }
    if error:
        return render(request, "admin/review/quality_report.html", context, status=404)
    report = build_report(conversations, name=_name(job))
    context |= {"report": report, "charts": charts(report)}
    return render(request, "admin/review/quality_report.html", context)


def quality_report_json(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    conversations, job, error = _selection(request)
    if error:
        return HttpResponse(error, status=404, content_type="text/plain; charset=utf-8")
    report = build_report(conversations, name=_name(job))
    response = HttpResponse(
        json.dumps(report, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = (
        f"quality-report-{slugify(job.name) or job.pk}.json" if job else "quality-report.json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _jobs() -> QuerySet:
    completed = Count("conversations", filter=Q(conversations__status="completed"))
    return BatchJob.objects.annotate(completed_count=completed).order_by("-created_at")[
        :JOB_CHOICES
    ]


# --- charts: figures turned into geometry the template draws -------------------------------


def bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Horizontal bars scaled to the largest count, with each count's share of the total."""
    largest, total = max(counts.values(), default=0), sum(counts.values())
    return [
        {
            "label": label,
            "value": value,
            "width": round(100 * value / largest, 1) if largest else 0,
            "share": round(100 * value / total, 1) if total else 0,
        }
        for label, value in counts.items()
    ]


def column_chart(counts: dict[str, int]) -> dict[str, Any]:
    """An SVG column chart: one column per bin, heights scaled to the largest bin."""
    largest = max(counts.values(), default=0)
    plot = SVG_HEIGHT - 30  # room for labels under and figures over the columns
    width = (SVG_WIDTH - SVG_BAR_GAP) / max(len(counts), 1) - SVG_BAR_GAP
    columns = []
    for index, (label, value) in enumerate(counts.items()):
        height = round(plot * value / largest, 1) if largest else 0
        x = round(SVG_BAR_GAP + index * (width + SVG_BAR_GAP), 1)
        columns.append(
            {
                "label": label,
                "value": value,
                "x": x,
                "middle": round(x + width / 2, 1),
                "y": round(plot + 12 - height, 1),
                "value_y": round(plot + 10 - height, 1),
                "height": height,
            }
        )
    return {
        "width": SVG_WIDTH,
        "height": SVG_HEIGHT,
        "bar_width": round(width, 1),
        "baseline": plot + 12,
        "label_y": SVG_HEIGHT - 4,
        "columns": columns,
    }


def check_bars(checks: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Per check: passed against not passed (failed, warnings or flagged), as shares of both."""
    rows = []
    for name, counts in checks.items():
        outcome = CHECK_OUTCOMES.get(name, "failed")
        passed, other = counts.get("passed", 0), counts.get(outcome, 0)
        total = passed + other
        rows.append(
            {
                "name": name,
                "passed": passed,
                "other": other,
                "outcome": outcome,
                "passed_width": round(100 * passed / total, 1) if total else 0,
                "other_width": round(100 * other / total, 1) if total else 0,
                "extra": {k: v for k, v in counts.items() if k not in ("passed", outcome)},
            }
        )
    return rows


def charts(report: dict[str, Any]) -> dict[str, Any]:
    metrics, diversity = report["quality_metrics"], report["diversity"]
    return {
        "scores": column_chart(metrics["score_distribution"]),
        "checks": check_bars(report["automated_validation"]["checks"]),
        "strategies": bars(diversity["support_strategies"]["counts"]),
        "arcs": bars(metrics["emotional_arc_coverage"]),
        "emotions": [
            {"arc": arc, "first": bars(sides["first"]), "last": bars(sides["last"])}
            for arc, sides in metrics["first_last_emotion_by_arc"].items()
        ],
        "pairs": [
            {
                **pair,
                "first_url": _change_url(pair["first"]),
                "second_url": _change_url(pair["second"]),
            }
            for pair in diversity["near_duplicates"]["pairs"]
        ],
    }


def _change_url(side: dict[str, Any]) -> str:
    return reverse("admin:generation_conversation_change", args=[side["id"]])
