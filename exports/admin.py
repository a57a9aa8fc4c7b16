"""Releases in the admin: build one from a form, read what it holds, publish it to the Hub."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from eidataset.admin_pages import form_context
from eidataset.labels import label
from exports.forms import PublishForm, ReleaseForm, token_status
from exports.models import Publication, Release, ReleaseTask, TrainCheck
from exports.package import release_paths
from exports.release_views import download, download_url, status_view, task_status
from exports.selection import LEFT_OUT_REASONS
from exports.tasks import queue_publish
from generation.models import BatchJob


class PublicationInline(admin.TabularInline):
    model = Publication
    extra = 0
    can_delete = False
    fields = ("repo_id", "tag", "commit_link", "private", "changed", "published_by", "published_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Commit")
    def commit_link(self, publication: Publication) -> str:
        if not publication.commit_url:
            return publication.commit_sha[:12]
        return format_html(
            '<a href="{}">{}</a>', publication.commit_url, publication.commit_sha[:12]
        )


class TrainCheckInline(admin.StackedInline):
    """`manage.py train_check` runs: does the release train (read-only, a log)."""

    model = TrainCheck
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "passed",
        "problems",
        "steps",
        "tokenizer",
        "token_lengths",
        "suggested_max_length",
        "loss_share",
        "losses",
        "weights",
        "speed",
        "versions",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Tokens per example")
    def token_lengths(self, check: TrainCheck) -> str:
        return (
            f"{check.examples} examples: min {check.tokens_min}, median {check.tokens_median:g}, "
            f"p95 {check.tokens_p95}, max {check.tokens_max}"
        )

    @admin.display(description="Tokens in the loss")
    def loss_share(self, check: TrainCheck) -> str:
        return f"{check.loss_token_share:.1%} (assistant only)"

    @admin.display(description="Loss before → after")
    def losses(self, check: TrainCheck) -> str:
        return (
            f"train {check.train_loss_start:.4f} → {check.train_loss_end:.4f}; "
            f"validation {check.validation_loss_start:.4f} → {check.validation_loss_end:.4f}"
        )

    @admin.display(description="Weights changed")
    def weights(self, check: TrainCheck) -> str:
        return (
            f"LoRA {check.lora_tensors_changed} of {check.lora_tensors}; "
            f"base {check.base_tensors_changed} of {check.base_tensors}"
        )

    @admin.display(description="Speed")
    def speed(self, check: TrainCheck) -> str:
        return f"{check.seconds_per_step:.2f} s per step, peak {check.peak_rss_mb:.0f} MB"


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "status",
        "conversation_count",
        "created_at",
        "created_by",
        "source_counts",
    )
    list_filter = ("status",)
    search_fields = ("name", "title")
    list_select_related = ("created_by",)
    inlines = (PublicationInline, TrainCheckInline)
    actions = ("publish_to_hub",)
    add_form_template = "admin/exports/release/add_form.html"
    fields = (
        "work",
        "name",
        "version",
        "title",
        "status",
        "error",
        "conversation_count",
        "source_counts",
        "models_list",
        "prompt_list",
        "selection_table",
        "folder",
        "file_table",
        "archives",
        "created_by",
        "created_at",
        "completed_at",
    )
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A release is a record: it is read, rebuilt (add with "rebuild") or deleted."""
        return False

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("exports.add_publication")

    class Media:
        js = ("exports/release_live.js",)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/work/", view(status_view), name="exports_release_work"),
            path(
                "<uuid:pk>/download/<path:name>",
                view(download),
                name="exports_release_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Build and publish")
    def work(self, release: Release) -> str:
        """The newest queued build or publication, followed live, and the ones before it."""
        tasks = list(release.tasks.select_related("created_by")[:10])
        return render_to_string(
            "admin/exports/release/work.html",
            {
                "live": task_status(tasks[0] if tasks else None),
                "tasks": tasks,
                "url": reverse("admin:exports_release_work", args=[release.pk]),
            },
        )

    @admin.display(description="Sources")
    def source_counts(self, release: Release) -> str:
        return ", ".join(f"{label(name)}: {n}" for name, n in release.sources.items()) or "–"

    @admin.display(description="Selection")
    def selection_table(self, release: Release) -> str:
        """Which conversations went in and how many were left out, by reason and check."""
        selection = release.selection or {}
        if not selection:
            return "–"  # a queued build: set when it runs
        by_reason = (selection.get("left_out") or {}).get("by_reason") or {}
        return render_to_string(
            "admin/exports/release/selection.html",
            {
                "selection": selection,
                "jobs": release.batch_jobs.all(),
                "left_out": [
                    (LEFT_OUT_REASONS.get(reason, reason), count)
                    for reason, count in by_reason.items()
                    if count
                ],
            },
        )

    @admin.display(description="Models")
    def models_list(self, release: Release) -> str:
        return ", ".join(release.models_used) or "–"

    @admin.display(description="Prompt versions")
    def prompt_list(self, release: Release) -> str:
        return ", ".join(str(version) for version in release.prompt_versions) or "–"

    @admin.display(description="Files")
    def file_table(self, release: Release) -> str:
        if not release.files:
            return "–"
        rows = format_html_join(
            "",
            '<tr><td><a href="{}" download>{}</a></td><td style="text-align:right">{}</td>'
            "<td><code>{}</code></td></tr>",
            (
                (download_url(release, f["path"]), f["path"], f"{f['bytes']:,}", f["sha256"])
                for f in release.files
            ),
        )
        return format_html(
            "<table class='release-files'><thead><tr><th>File</th><th>Bytes</th>"
            "<th>SHA-256</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Archives (beside the release folder)")
    def archives(self, release: Release) -> str:
        _folder, *archives = release_paths(release.name)
        present = [
            (download_url(release, p.name), p.name, f"{p.stat().st_size:,}")
            for p in archives
            if p.exists()
        ]
        if not present:
            return "–"
        return format_html_join(
            mark_safe("<br>"), '<a href="{}" download>{}</a> ({} bytes)', present
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Queue a release's build from the form, then show its page, which follows it."""
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)
        form = ReleaseForm(request.POST or None, initial=self._initial_jobs(request))
        if request.method == "POST" and form.is_valid():
            task = form.save(request.user)
            self._say_queued(request, task)
            return redirect("admin:exports_release_change", task.release_id)
        context = {
            **self.admin_site.each_context(request),
            **form_context(
                form,
                self,
                buttons=[("_build", "Build the release", True)],
                warnings=form.warnings(),
                fieldsets=ReleaseForm.FIELDSETS,
            ),
            "title": "Build a release",
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, self.add_form_template, context)

    def _say_queued(self, request: HttpRequest, task: ReleaseTask) -> None:
        task.refresh_from_db()
        if task.status == ReleaseTask.Status.DONE:
            self.message_user(request, task.outcome, messages.SUCCESS)
        elif task.status == ReleaseTask.Status.FAILED:
            self.message_user(request, task.error, messages.ERROR)
        else:
            self.message_user(
                request,
                f"{task.get_kind_display()} of {task.release.name} queued: this page follows it.",
                messages.INFO,
            )

    def _initial_jobs(self, request: HttpRequest) -> dict[str, Any]:
        """`?jobs=ID,ID` (from the batch jobs' action) ticks those jobs."""
        ids = [part for part in request.GET.get("jobs", "").split(",") if part]
        try:
            jobs = list(BatchJob.objects.filter(pk__in=ids).values_list("pk", flat=True))
        except ValidationError:  # not UUIDs: nothing ticked
            jobs = []
        return {"jobs": jobs} if jobs else {}

    @admin.action(description="Publish to the Hub", permissions=("publish",))
    def publish_to_hub(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one release to publish.", messages.ERROR)
            return None
        release = queryset.get()
        if release.status != Release.Status.READY:
            self.message_user(
                request, f"{release.name} is {release.status}, not ready.", messages.ERROR
            )
            return None
        if release.tasks.open().exists():
            self.message_user(
                request, f"{release.name} is being built or published now.", messages.ERROR
            )
            return None
        form = PublishForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            task = queue_publish(
                release, form.cleaned_data["repo_id"], form.cleaned_data["private"], request.user
            )
            self._say_queued(request, task)
            return redirect("admin:exports_release_change", release.pk)
        token_set, token_text = token_status()
        offline = release.sources.get("offline_emulator")
        warnings = (
            [f"{offline} of its conversations come from the offline emulator, not from Claude."]
            if offline
            else []
        )
        context = {
            **self.admin_site.each_context(request),
            **form_context(form, self, buttons=[("apply", "Publish", True)], warnings=warnings),
            "title": f"Publish {release.name} to the Hub",
            "release": release,
            "token_set": token_set,
            "token_text": token_text,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/exports/release/publish.html", context)


@admin.action(description="Build a release from the selected jobs")
def build_release(model_admin: Any, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
    """On the batch jobs' list: open the release form with the selected jobs ticked."""
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return redirect(f"{reverse('admin:exports_release_add')}?{urlencode({'jobs': ids})}")


def _offer_release_action() -> None:
    """Releases come after generation: this app adds its action to the batch jobs' admin."""
    batch_admin = admin.site.get_model_admin(BatchJob)
    actions = batch_admin.actions or ()
    if build_release not in actions:
        batch_admin.actions = (*actions, build_release)


_offer_release_action()
