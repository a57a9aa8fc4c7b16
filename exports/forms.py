"""The admin's forms: build a release, and publish one to the Hub."""

from typing import Any

from django import forms
from django.conf import settings

from exports.models import Release
from exports.package import (
    ReleaseError,
    ReleaseOptions,
    check_fraction,
    check_name,
    check_version,
    export_release,
    release_paths,
)
from exports.selection import Selection
from generation.models import BatchJob


class ReleaseForm(forms.Form):
    name = forms.CharField(
        max_length=96, help_text="Also the folder's name, e.g. emotional-intelligence-100-v1.0"
    )
    version = forms.CharField(max_length=40, initial="1.0.0", help_text="Semantic version")
    jobs = forms.ModelMultipleChoiceField(
        queryset=BatchJob.objects.order_by("-created_at"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every job's completed conversations.",
    )
    include_failed = forms.BooleanField(
        required=False,
        label="Include conversations that failed their checks",
        help_text="Unticked (the default), only conversations that passed their automated "
        "checks go in; the card says how many were left out.",
    )
    include_rejected = forms.BooleanField(
        required=False,
        label="Include conversations a reviewer rejected",
        help_text="Unticked (the default), a rejected conversation stays out and its "
        "regeneration goes in instead.",
    )
    validation_fraction = forms.FloatField(
        help_text="Share of conversations (per tier) in chat/validation.jsonl."
    )
    seed = forms.IntegerField(required=False, help_text="Seed of the train/validation split.")
    force = forms.BooleanField(required=False, label="Rebuild the release if it already exists")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["validation_fraction"].initial = settings.RELEASE_VALIDATION_FRACTION
        self.fields["seed"].initial = settings.RELEASE_SPLIT_SEED

    def clean_name(self) -> str:
        return self._checked(check_name, self.cleaned_data["name"])

    def clean_version(self) -> str:
        return self._checked(check_version, self.cleaned_data["version"])

    def clean_validation_fraction(self) -> float:
        return self._checked(check_fraction, self.cleaned_data["validation_fraction"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name = data.get("name")
        if name and not data.get("force"):
            taken = Release.objects.filter(name=name).exists() or any(
                path.exists() for path in release_paths(name)
            )
            if taken:
                self.add_error("name", f"A release named {name} already exists.")
        if not self.errors and not self.selection().conversations().exists():
            left_out = self.selection().left_out()["total"]
            hint = (
                f" ({left_out} completed conversation(s) failed their checks or were rejected: "
                "tick the boxes above to include them)"
                if left_out
                else ""
            )
            raise forms.ValidationError(f"These choices select no completed conversation{hint}.")
        return data

    def selection(self) -> Selection:
        data = self.cleaned_data
        return Selection.for_release(
            data.get("jobs") or (),
            include_failed=bool(data.get("include_failed")),
            include_rejected=bool(data.get("include_rejected")),
        )

    def save(self, user: Any) -> Release:
        """Build the release (raises ReleaseError if the build fails)."""
        data = self.cleaned_data
        return export_release(
            ReleaseOptions(
                name=data["name"],
                version=data["version"],
                selection=self.selection(),
                validation_fraction=data["validation_fraction"],
                seed=data.get("seed"),
                force=bool(data.get("force")),
                user=user,
            )
        )

    @staticmethod
    def _checked(check: Any, value: Any) -> Any:
        try:
            return check(value)
        except ReleaseError as error:
            raise forms.ValidationError(str(error)) from None


class PublishForm(forms.Form):
    repo_id = forms.CharField(
        label="Hub repository", max_length=200, help_text="ORG/NAME, a dataset repository"
    )
    private = forms.BooleanField(required=False, label="Create it private")
