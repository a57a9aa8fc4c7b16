from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from eidataset.admin_pages import form_context
from generation.conversation_admin import ConversationAdmin
from generation.dispatch import wake
from generation.forms import PlanBatchForm
from generation.live import concurrency_text, duration, links, live_status, live_view
from generation.models import BatchJob, Conversation, PromptExamples
from generation.prompts import prefix_lines
from generation.status import job_status

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class JobTotals(TypedDict):
    """What BatchJobAdmin.get_queryset adds to each job."""

    done: int
    failures: int
    spent: Decimal | None


ListedJob: TypeAlias = "WithAnnotations[BatchJob, JobTotals]"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the engine: visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BatchJob)
class BatchJobAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "status",
        "progress_bar",
        "failed",
        "cost",
        "estimated",
        "priority",
        "created_at",
    )
    list_filter = ("status", "priority")
    search_fields = ("name",)
    actions = ["pause", "resume", "cancel", "retry_failed"]
    readonly_fields = ("summary", "coverage_picture", "errors")
    fields = readonly_fields

    class Media:
        js = ("generation/live.js",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                done=Count("conversations", filter=Q(conversations__status="completed")),
                failures=Count("conversations", filter=Q(conversations__status="failed")),
                spent=Sum("conversations__cost"),
            )
        )

    @admin.display(description="Progress")
    def progress_bar(self, job: ListedJob) -> SafeString:
        share = 100 * job.done / max(job.total_items, 1)
        return format_html(
            '<div class="eid-bar" title="{} of {}"><span style="width:{}%"></span></div> {}/{}',
            job.done,
            job.total_items,
            f"{share:.0f}",
            job.done,
            job.total_items,
        )

    @admin.display(description="Failed", ordering="failures")
    def failed(self, job: ListedJob) -> int:
        return job.failures

    @admin.display(description="Cost (USD)", ordering="spent")
    def cost(self, job: ListedJob) -> str:
        return f"{job.spent or 0:.4f}"

    @admin.display(description="Estimated (USD)")
    def estimated(self, job: BatchJob) -> str:
        return f"{job.estimated_cost:.4f}"

    @admin.display(description="Progress")
    def summary(self, job: BatchJob) -> SafeString:
        """Drawn once here; generation/live.js then redraws it from `live_view` every 2 s."""
        return render_to_string(
            "admin/generation/live.html",
            {"live": live_status(job), "links": links(job), "job": job},
        )

    @admin.display(description="Coverage")
    def coverage_picture(self, job: BatchJob) -> SafeString:
        return render_to_string("admin/generation/coverage.html", {"coverage": job.coverage})

    @admin.display(description="Errors")
    def errors(self, job: BatchJob) -> str:
        rows = job_status(job)["errors"]
        if not rows:
            return "—"
        return format_html_join(
            "\n",
            "<div>#{}: {} {}</div>",
            (
                (
                    e["conversationIndex"] + 1,
                    e["error"],
                    "(retry scheduled)" if e["retryScheduled"] else "",
                )
                for e in rows[:200]
            ),
        )

    def get_urls(self) -> list:
        plan = path(
            "plan/", self.admin_site.admin_view(self.plan_view), name="generation_batchjob_plan"
        )
        live = path("<uuid:pk>/live/", live_view, name="generation_batchjob_live")
        return [plan, live, *super().get_urls()]

    def plan_view(self, request: HttpRequest) -> HttpResponse:
        """Plan a batch, look at its coverage, then submit it."""
        if not request.user.has_perm("generation.add_batchjob"):
            raise PermissionDenied
        form = PlanBatchForm(request.POST or None)
        coverage = None
        if request.method == "POST" and form.is_valid():
            if "_submit" in request.POST:
                try:
                    job = form.submit(request.user)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(
                        request,
                        f"Submitted “{job.name}”: {job.total_items} conversations, "
                        f"estimated ${job.estimated_cost:.2f}.",
                        messages.SUCCESS,
                    )
                    return redirect("admin:generation_batchjob_change", job.pk)
            coverage = form.coverage()
        buttons = [("_preview", "Preview the coverage", coverage is None)]
        warnings, notes = list((coverage or {}).get("warnings", ())), []
        if coverage is not None:
            buttons.append(("_submit", "Submit this plan", True))
            if not warnings:
                notes.append("No coverage warnings.")
            estimate_notes, estimate_warnings = _estimate_preview(form)
            notes += estimate_notes
            warnings += estimate_warnings
        context = {
            **self.admin_site.each_context(request),
            **form_context(form, self, buttons=buttons, warnings=warnings, notes=notes),
            "title": "Plan a batch",
            "opts": self.model._meta,
            "coverage": coverage,
        }
        return TemplateResponse(request, "admin/generation/plan.html", context)

    def _each(self, request: HttpRequest, queryset: QuerySet, verb: str, act: Any) -> None:
        moved = sum(bool(act(job)) for job in queryset)
        wake()
        self.message_user(request, f"{verb}: {moved} of {queryset.count()} job(s).", messages.INFO)

    @admin.action(description="Pause the selected jobs")
    def pause(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "Paused", lambda job: job.pause(f"Paused by {request.user}"))

    @admin.action(description="Resume the selected jobs")
    def resume(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "Resumed", lambda job: job.resume())

    @admin.action(description="Cancel the selected jobs")
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request, queryset, "Cancelled", lambda job: job.cancel(f"Cancelled by {request.user}")
        )

    @admin.action(description="Retry the failed conversations of the selected jobs")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "Conversations queued again", lambda job: job.retry_failed())


def _estimate_preview(form: PlanBatchForm) -> tuple[list[str], list[str]]:
    """The plan's estimate and its shared prefix against the cache minimum, as notes, and the
    prefix's warning when it is too short to be cached."""
    try:
        job = form.preview()
    except ValidationError as error:
        return [], list(error.messages)
    summaries, warnings = prefix_lines(job)
    judge = f" (the judge ${job.judge_estimated_cost:.2f} of it)" if job.judge_model else ""
    estimate = (
        f"Estimated ${job.estimated_cost:.2f}{judge} for {job.total_items} conversations, "
        f"about {duration(job.estimated_seconds)} at concurrency {concurrency_text(job)}."
    )
    return [estimate, *(f"{line}." for line in summaries)], warnings


admin.site.register(Conversation, ConversationAdmin)


@admin.register(PromptExamples)
class PromptExamplesAdmin(admin.ModelAdmin):
    """The pinned sets of seed examples; made from the conversation list, never edited."""

    list_display = ("__str__", "shown", "jobs_count", "created_by", "created_at")
    readonly_fields = ("version", "shown", "created_by", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Examples")
    def shown(self, version: PromptExamples) -> str:
        return "; ".join(
            f"{e['persona']} ({e['tier']}, {e['arc']}, {e['topic']})" for e in version.examples
        )

    @admin.display(description="Jobs")
    def jobs_count(self, version: PromptExamples) -> int:
        return version.jobs.count()
