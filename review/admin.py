"""Review samples and reviews in the admin: progress, verdicts, drawing and (re)assigning."""

from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from review.checklist import APPROVED, APPROVED_WITH_NOTES, REJECTED
from review.forms import AssignReviewerForm, DrawSampleForm
from review.models import Review, ReviewSample

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class SampleTotals(TypedDict):
    """What ReviewSampleAdmin.get_queryset adds to each sample."""

    total: int
    done: int
    approved: int
    with_notes: int
    rejected: int


ListedSample: TypeAlias = "WithAnnotations[ReviewSample, SampleTotals]"

VERDICT_COUNTS = {
    "approved": Count("reviews", filter=Q(reviews__verdict=APPROVED)),
    "with_notes": Count("reviews", filter=Q(reviews__verdict=APPROVED_WITH_NOTES)),
    "rejected": Count("reviews", filter=Q(reviews__verdict=REJECTED)),
}


class ReviewInline(admin.TabularInline):
    model = Review
    fields = ("conversation", "reviewer", "is_overlap", "status", "categories_passed", "verdict")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("conversation__sequence_number", "is_overlap")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("conversation__batch_job", "reviewer")


@admin.register(ReviewSample)
class ReviewSampleAdmin(admin.ModelAdmin):
    """Adding a sample draws it (stratified, seeded, assigned); a drawn sample is read-only."""

    list_display = ("__str__", "progress", "verdicts", "fraction", "seed", "overlap")
    list_filter = ("batch_job",)
    list_select_related = ("batch_job",)
    inlines = [ReviewInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                total=Count("reviews"),
                done=Count("reviews", filter=Q(reviews__status=Review.Status.DONE)),
                **VERDICT_COUNTS,
            )
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        if obj is None:
            kwargs["form"] = DrawSampleForm
            kwargs["fields"] = ["batch_job", "fraction", "seed", "overlap", "reviewers", "force"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            fields = ["batch_job", "fraction", "seed", "reviewers", "overlap", "force"]
            return [(None, {"fields": fields})]
        return [(None, {"fields": self.get_readonly_fields(request, obj)})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("batch_job", "fraction", "seed", "overlap", "created_by", "created_at", "summary")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list:
        return self.inlines if obj is not None else []

    def save_form(self, request: HttpRequest, form: ModelForm, change: bool) -> Any:
        if change:
            return super().save_form(request, form, change)
        assert isinstance(form, DrawSampleForm)  # get_form's, when adding
        return form.draw(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    @admin.display(description="Done")
    def progress(self, sample: ListedSample) -> str:
        return f"{sample.done}/{sample.total}"

    @admin.display(description="Verdicts")
    def verdicts(self, sample: ListedSample) -> str:
        return (
            f"{sample.approved} approved, {sample.with_notes} with notes, "
            f"{sample.rejected} rejected"
        )

    @admin.display(description="Sample")
    def summary(self, sample: ReviewSample) -> SafeString:
        from review.sampling import strata_counts

        counts = strata_counts(sample)
        rows = {key: sorted(counter.items()) for key, counter in counts.items()}
        return render_to_string("review/admin/sample_summary.html", {"counts": rows})


class RejectedFilter(admin.SimpleListFilter):
    title = "regeneration"
    parameter_name = "regenerated"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list:
        return [("yes", "Regeneration queued"), ("no", "None")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(replacement__isnull=False)
        if self.value() == "no":
            return queryset.filter(replacement__isnull=True)
        return queryset


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "conversation_link",
        "sample",
        "reviewer",
        "is_overlap",
        "status",
        "categories_passed",
        "verdict",
        "replacement",
        "reviewed_at",
    )
    list_filter = ("sample", "reviewer", "status", "verdict", "is_overlap", RejectedFilter)
    list_select_related = (
        "sample__batch_job",
        "conversation__batch_job",
        "reviewer",
        "replacement",
    )
    search_fields = ("conversation__id", "notes", "reviewer__username")
    raw_id_fields = ("conversation", "replacement", "sample")
    actions = ["assign_to_reviewer", "return_to_pool"]
    fields = (
        "sample",
        "conversation",
        "reviewer",
        "is_overlap",
        "status",
        "categories_passed",
        "verdict",
        "checklist",
        "notes",
        "replacement",
        "reviewed_at",
        "transcript",
    )
    readonly_fields = tuple(f for f in fields if f != "reviewer")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reviews come from drawing a sample

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "reviewer":
            from review.forms import reviewer_choices

            kwargs["queryset"] = reviewer_choices()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Conversation", ordering="conversation__sequence_number")
    def conversation_link(self, review: Review) -> str:
        return str(review.conversation)

    @admin.display(description="Transcript")
    def transcript(self, review: Review) -> SafeString:
        context = {"conversation": review.conversation}
        return render_to_string("admin/generation/transcript.html", context)

    @admin.action(description="Assign the selected open reviews to a reviewer…")
    def assign_to_reviewer(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = AssignReviewerForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            reviewer = form.cleaned_data["reviewer"]
            moved, skipped = self._reassign(queryset, reviewer)
            self.message_user(
                request,
                f"Assigned {moved} review(s) to {reviewer.get_username()}; {skipped} skipped "
                "(already done, or that reviewer already has the conversation).",
                messages.SUCCESS if moved else messages.WARNING,
            )
            return None
        return TemplateResponse(
            request,
            "review/admin/assign_reviewer.html",
            {
                **self.admin_site.each_context(request),
                "title": "Assign reviews to a reviewer",
                "form": form,
                "reviews": queryset,
                "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Return the selected open reviews to the pool")
    def return_to_pool(self, request: HttpRequest, queryset: QuerySet) -> None:
        returned = queryset.filter(status=Review.Status.OPEN).update(reviewer=None)
        self.message_user(request, f"Returned {returned} review(s) to the pool.", messages.SUCCESS)

    def _reassign(self, queryset: QuerySet, reviewer: Any) -> tuple[int, int]:
        moved = skipped = 0
        for review in queryset.filter(status=Review.Status.OPEN):
            try:
                with transaction.atomic():
                    moved += Review.objects.filter(pk=review.pk, status=Review.Status.OPEN).update(
                        reviewer=reviewer
                    )
            except IntegrityError:
                skipped += 1
        skipped += queryset.exclude(status=Review.Status.OPEN).count()
        return moved, skipped


# --- seed examples, from the conversation list (generation's admin, extended here) -------------


@admin.action(description="Mark as seed examples (passed their checks, approved)")
def mark_seed_examples(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    from review.seed_examples import mark

    found = mark(queryset, request.user)
    if found.marked:
        modeladmin.message_user(
            request,
            f"Marked {len(found.marked)} conversation(s) as seed examples.",
            messages.SUCCESS,
        )
    if found.refused:
        reasons = "; ".join(f"{conversation}: {why}" for conversation, why in found.refused[:10])
        more = f" (and {len(found.refused) - 10} more)" if len(found.refused) > 10 else ""
        modeladmin.message_user(request, f"Not marked: {reasons}{more}.", messages.WARNING)


@admin.action(description="Unmark as seed examples")
def unmark_seed_examples(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    from review.seed_examples import unmark

    count = unmark(queryset)
    modeladmin.message_user(request, f"Unmarked {count} seed example(s).", messages.SUCCESS)


mark_seed_examples.allowed_permissions = ("seed",)  # type: ignore[attr-defined]
unmark_seed_examples.allowed_permissions = ("seed",)  # type: ignore[attr-defined]


def _extend_conversation_admin() -> None:
    """The conversation list is generation's; marking needs the reviews, which are ours."""
    from generation.models import Conversation

    conversations = admin.site.get_model_admin(Conversation)
    conversations.actions = [
        *(conversations.actions or []),
        mark_seed_examples,
        unmark_seed_examples,
    ]


_extend_conversation_admin()
