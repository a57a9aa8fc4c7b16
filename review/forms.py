"""The reviewer's checklist form, and the admin's forms for drawing and assigning samples."""

from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from eidataset.roles import REVIEWERS
from generation.models import BatchJob
from review import sampling
from review.checklist import CHECKLIST, REJECTED, verdict
from review.models import Review, ReviewSample
from review.verdicts import ReviewError, record_review, regenerates, reviewable


def set_queryset(field: forms.Field, queryset: QuerySet) -> None:
    """Give a model choice field (a form's own copy) its choices when the form is made."""
    assert isinstance(field, forms.ModelChoiceField)  # ModelMultipleChoiceField is one too
    field.queryset = queryset


def field_name(category: str, item: str) -> str:
    return f"{category}__{item}"


class ChecklistForm(forms.Form):
    """The spec's five categories of four checkboxes, plus notes; saving records the verdict.

    A rejection that would queue a (paid) regeneration must be confirmed: without
    ``confirm_rejection`` the form refuses it and saves nothing.
    """

    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    confirm_rejection = forms.BooleanField(
        required=False, label="Yes, reject it: the conversation is written again (a paid call)"
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        self.review = review
        initial = {
            field_name(category, item): ticked
            for category, items in (review.checklist or {}).items()
            for item, ticked in items.items()
        }
        kwargs.setdefault("initial", {**initial, "notes": review.notes})
        super().__init__(*args, **kwargs)
        for category, _, items in CHECKLIST:
            for item, label in items:
                self.fields[field_name(category, item)] = forms.BooleanField(
                    label=label, required=False
                )

    def categories(self) -> Iterator[tuple[str, str, list[forms.BoundField]]]:
        for category, title, items in CHECKLIST:
            yield category, title, [self[field_name(category, item)] for item, _ in items]

    @property
    def regenerates(self) -> bool:
        """Whether a rejection saved now would queue a regeneration (none is queued yet)."""
        return regenerates(self.review)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not reviewable(self.review):
            raise forms.ValidationError(
                "This conversation is being regenerated; review it once it is written."
            )
        rejecting = verdict(self.checklist()) == REJECTED
        if rejecting and self.regenerates and not cleaned.get("confirm_rejection"):
            self.add_error(
                "confirm_rejection",
                "3 or fewer categories pass, so this rejects the conversation and pays for it "
                "to be written again. Tick to confirm, or change the checklist.",
            )
        return cleaned

    def checklist(self) -> dict[str, dict[str, bool]]:
        return {
            category: {
                item: bool(self.cleaned_data.get(field_name(category, item))) for item, _ in items
            }
            for category, _, items in CHECKLIST
        }

    def save(self) -> Review:
        try:
            return record_review(self.review, self.checklist(), self.cleaned_data["notes"])
        except ReviewError as error:  # a race with a regeneration; shown like any form error
            self.add_error(None, str(error))
            raise


def reviewer_choices() -> Any:
    return (
        get_user_model().objects.filter(is_active=True, groups__name=REVIEWERS).order_by("username")
    )


class DrawSampleForm(forms.ModelForm):
    """The admin's add form for a review sample: the draw's options; saving draws it."""

    reviewers = forms.ModelMultipleChoiceField(
        queryset=reviewer_choices(),
        required=False,
        help_text="Items go to these reviewers in turn; none leaves them in the pool to claim.",
    )
    force = forms.BooleanField(
        required=False,
        label="Draw even though the job has an open sample",
    )

    class Meta:
        model = ReviewSample
        fields = ["batch_job", "fraction", "seed", "overlap"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["reviewers"], reviewer_choices())
        self.fields["fraction"].initial = settings.REVIEW_SAMPLE_FRACTION
        set_queryset(self.fields["batch_job"], BatchJob.objects.order_by("-created_at"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        job = cleaned.get("batch_job")

        def check_job() -> None:
            if job:
                sampling.check_no_open_sample(job, bool(cleaned.get("force")))

        checks: dict[str, Callable[[], object]] = {
            "fraction": lambda: sampling.check_fraction(cleaned.get("fraction")),
            "overlap": lambda: sampling.check_overlap(
                cleaned.get("overlap") or 0, list(cleaned.get("reviewers") or ())
            ),
            "batch_job": check_job,
        }
        for field, check in checks.items():
            if field in cleaned:
                try:
                    check()
                except sampling.SamplingError as error:
                    self.add_error(field, str(error))
        if job and not job.conversations.completed().exists():
            self.add_error("batch_job", "This job has no completed conversation to review.")
        return cleaned

    def draw(self, user: Any) -> ReviewSample:
        data = self.cleaned_data
        return sampling.draw_sample(
            data["batch_job"],
            fraction=data["fraction"],
            seed=data["seed"],
            reviewers=list(data["reviewers"]),
            overlap=data["overlap"] or 0,
            user=user,
            force=data["force"],
        )


class AssignReviewerForm(forms.Form):
    """The intermediate page of the admin's "assign to reviewer" action."""

    reviewer = forms.ModelChoiceField(queryset=reviewer_choices())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["reviewer"], reviewer_choices())


class HandWrittenSeedForm(forms.Form):
    """Hand-written seed examples, pasted or as a file, in the check-file format: checked on
    every submit ("Check it"), stored only by "Add it" and only when every one passed."""

    conversations = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "spellcheck": "false"}),
        help_text="JSON Lines: one conversation per line, with id, persona_key, arc_key, "
        "topic_key, tier, edge_case_key, chunk_text and turns (docs/formats.md).",
    )
    file = forms.FileField(required=False, help_text="Or a .jsonl file in the same format.")

    def clean(self) -> dict[str, Any]:
        from review.hand_written import HandWrittenError, check_text, problems

        super().clean()
        data = self.cleaned_data
        text, upload = (data.get("conversations") or "").strip(), data.get("file")
        if bool(text) == bool(upload):
            raise forms.ValidationError("Paste the conversations or choose a file (one of them).")
        if upload:
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(f"{upload.name} is not UTF-8 text.") from None
        try:
            self.checked = check_text(text)
        except HandWrittenError as error:
            raise forms.ValidationError(error.problems) from None
        self.problems = problems(self.checked)
        return data

    def save(self, user: Any) -> list:
        from review.hand_written import HandWrittenError, add

        try:
            return add(self.checked, user)
        except HandWrittenError as error:
            raise forms.ValidationError(error.problems) from None
