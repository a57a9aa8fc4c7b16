"""The quality report in the admin: figures and charts drawn on the server (CSS bars and inline
SVG, no JavaScript), for every completed conversation or one batch job's, and its JSON.

The report shown is the one kept for the selection (review/report_tasks.py); a view only
starts a computation when it is stale or missing, and never waits for a large one."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from eidataset.labels import check_label, label
from generation.models import BatchJob
from review.report import CHECK_OUTCOMES
from review.report_tasks import ReportState, Selection, refresh

JOB_CHOICES = 200  # the newest jobs offered in the selector
SVG_WIDTH, SVG_HEIGHT, SVG_BAR_GAP = 420, 160, 6
RETRY_AFTER_SECONDS = 30  # what the JSON download suggests while a report is computed


def _allowed(request: HttpRequest) -> None:
    """Staff (admin_view) who may see conversations; reviewers and others are refused."""
    if not request.user.has_perm("generation.view_conversation"):
        raise PermissionDenied("Only dataset editors may see the quality report.")


def _selection(job_id: str | None) -> tuple[Selection, str]:
    """The selection a job id (or none: every conversation) names, and an error for a bad id."""
    job_id = (job_id or "").strip()
    if not job_id:
        return Selection(), ""
    try:
        return Selection(BatchJob.objects.get(pk=job_id)), ""
    except (BatchJob.DoesNotExist, ValidationError, ValueError):
        return Selection(), f"No batch job {job_id!r}."


def quality_report(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    selection, error = _selection(request.GET.get("job"))
    context = {
        **admin.site.each_context(request),
        "title": "Quality report",
        "jobs": _jobs(),
        "job": selection.job,
        "error": error,
    }
    if error:
        return render(request, "admin/review/quality_report.html", context, status=404)
    state = refresh(selection)
    report = state.snapshot.report
    context |= {
        "snapshot": state.snapshot,
        "fresh": state.fresh,
        "report": report,
        "charts": charts(report) if report else None,
    }
    return render(request, "admin/review/quality_report.html", context)


@require_POST
def recompute_quality_report(request: HttpRequest) -> HttpResponse:
    """The "Recompute now" button: a fresh attempt even when the data looks unchanged
    (settings, arcs or checks may have changed), unless one is under way already."""
    _allowed(request)
    selection, error = _selection(request.POST.get("job"))
    if error:
        return _text(error, 404)
    state = refresh(selection, force=True)
    messages.add_message(request, *_recompute_message(state))
    query = f"?{urlencode({'job': str(selection.job.pk)})}" if selection.job else ""
    return HttpResponseRedirect(reverse("quality:report") + query)


def _recompute_message(state: ReportState) -> tuple[int, str]:
    if state.started == "inline" and state.snapshot.status == state.snapshot.Status.DONE:
        return messages.SUCCESS, "The quality report was recomputed."
    if state.started == "inline":
        return messages.ERROR, "The quality report could not be recomputed (see below)."
    if state.started == "queued":
        return messages.SUCCESS, "A fresh computation of the quality report was queued."
    return messages.WARNING, "A computation of this quality report is already under way."


def quality_report_json(request: HttpRequest) -> HttpResponse:
    """The kept report when it is fresh (or was just computed inline); otherwise a 503 that
    says it is being computed (the request queued it), or a 500 with the last error."""
    _allowed(request)
    selection, error = _selection(request.GET.get("job"))
    if error:
        return _text(error, 404)
    state = refresh(selection)
    snapshot = state.snapshot
    just_computed = state.started == "inline" and snapshot.status == snapshot.Status.DONE
    if state.fresh or just_computed:
        return _download(snapshot.report_json, selection)
    if snapshot.under_way:
        response = _text(
            f"The quality report of {selection.name} is being computed; "
            f"download it again in a moment.",
            503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _text(
        f"The quality report of {selection.name} could not be computed: {snapshot.error}\n"
        f'Use "Recompute now" on {reverse("quality:report")} once the cause is fixed.',
        500,
    )


def _download(report_json: str, selection: Selection) -> HttpResponse:
    response = HttpResponse(report_json, content_type="application/json")
    job = selection.job
    filename = (
        f"quality-report-{slugify(job.name) or job.pk}.json" if job else "quality-report.json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


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
            "key": key,
            "label": label(key),
            "value": value,
            "width": round(100 * value / largest, 1) if largest else 0,
            "share": round(100 * value / total, 1) if total else 0,
        }
        for key, value in counts.items()
    ]


def column_chart(counts: dict[str, int]) -> dict[str, Any]:
    """An SVG column chart: one column per bin, heights scaled to the largest bin."""
    largest = max(counts.values(), default=0)
    plot = SVG_HEIGHT - 30  # room for labels under and figures over the columns
    width = (SVG_WIDTH - SVG_BAR_GAP) / max(len(counts), 1) - SVG_BAR_GAP
    columns = []
    for index, (bin_name, value) in enumerate(counts.items()):
        height = round(plot * value / largest, 1) if largest else 0
        x = round(SVG_BAR_GAP + index * (width + SVG_BAR_GAP), 1)
        columns.append(
            {
                "label": bin_name,
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
                "label": check_label(name),
                "passed": passed,
                "other": other,
                "outcome": outcome,
                "passed_width": round(100 * passed / total, 1) if total else 0,
                "other_width": round(100 * other / total, 1) if total else 0,
                "extra": {
                    label(k).lower(): v for k, v in counts.items() if k not in ("passed", outcome)
                },
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
            {
                "arc": arc,
                "label": label(arc),
                "first": bars(sides["first"]),
                "last": bars(sides["last"]),
            }
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
