"""The admin's forms: build a release, and publish one to the Hub."""

from typing import Any

from django import forms
from django.conf import settings

from exports.models import Release, ReleaseTask
from exports.package import (
    ReleaseError,
    check_fraction,
    check_name,
    check_version,
    release_paths,
)
from exports.selection import Selection
from generation.models import BatchJob, Conversation


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
        super().clean()
        data = self.cleaned_data
        name = data.get("name")
        if name and not data.get("force"):
            taken = Release.objects.filter(name=name).exists() or any(
                path.exists() for path in release_paths(name)
            )
            if taken:
                self.add_error("name", f"A release named {name} already exists.")
        busy = ReleaseTask.objects.open().filter(release__name=name)
        if name and busy.exists():
            self.add_error("name", f"{name} is being built or published now; wait for it.")
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

    def save(self, user: Any) -> ReleaseTask:
        """Queue the build (exports/tasks.py); the release's page follows it."""
        from exports.tasks import queue_build

        data = self.cleaned_data
        return queue_build(
            {
                "name": data["name"],
                "version": data["version"],
                "jobs": [str(job.pk) for job in data.get("jobs") or ()],
                "include_failed": bool(data.get("include_failed")),
                "include_rejected": bool(data.get("include_rejected")),
                "validation_fraction": data["validation_fraction"],
                "seed": data.get("seed"),
                "force": bool(data.get("force")),
            },
            user,
        )

    @staticmethod
    def _checked(check: Any, value: Any) -> Any:
        try:
            return check(value)
        except ReleaseError as error:
            raise forms.ValidationError(str(error)) from None

    FIELDSETS = (
        ("Release", {"fields": ("name", "version")}),
        ("Conversations", {"fields": ("jobs", "include_failed", "include_rejected")}),
        ("Train / validation split", {"fields": ("validation_fraction", "seed")}),
        ("Rebuild", {"fields": ("force",)}),
    )

    def warnings(self) -> list[str]:
        """What the editor should know before building (shown above the button)."""
        written = Conversation.objects.completed()
        offline = written.filter(source="offline_emulator").count()
        notes = []
        if offline:
            notes.append(
                f"{offline} of the {written.count()} completed conversations were written by "
                "the offline emulator, not by Claude; the card and every file say so."
            )
        if not written.exists():
            notes.append(
                "No batch job has a completed conversation yet: there is nothing to build."
            )
        return notes


class PublishForm(forms.Form):
    repo_id = forms.CharField(
        label="Hub repository", max_length=200, help_text="ORG/NAME, a dataset repository"
    )
    private = forms.BooleanField(required=False, label="Create it private")

    def clean_repo_id(self) -> str:
        from exports.hub import PublishError, check_repo_id

        repo_id = self.cleaned_data["repo_id"].strip()
        try:
            check_repo_id(repo_id)
        except PublishError as error:
            raise forms.ValidationError(str(error)) from None
        return repo_id


def token_status() -> tuple[bool, str]:
    """Whether a Hub token is set, in words; the token itself is never shown."""
    from exports.hub import PublishError, hub_token

    try:
        token = hub_token()
    except PublishError as error:
        return False, str(error)
    if token:
        return True, "A Hub token is set (HF_TOKEN or a saved `hf auth login`); it is not shown."
    return False, (
        "No Hub token is set: publishing will be refused. Set HF_TOKEN to a token with write "
        "access (or run `hf auth login`) where this server runs."
    )
