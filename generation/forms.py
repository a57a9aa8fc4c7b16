import random
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import QueryDict

from generation.coverage import coverage_report
from generation.models import BatchJob
from generation.planner import PlanningError, Scaffold, plan_parameter_sets, tier_counts
from generation.plans import MAX_SETS, ParameterSet, ResolvedSet, resolve_plan
from generation.submission import (
    MAX_CONCURRENCY,
    BatchOptions,
    SubmissionError,
    prepare_batch,
    submit_batch,
)


class PlanBatchForm(forms.Form):
    """The admin's plan-then-submit form: the seed makes the submitted plan the one previewed."""

    name = forms.CharField(max_length=200, initial="Emotional Intelligence 100 v1.0")
    count = forms.IntegerField(min_value=1, max_value=MAX_SETS, initial=100)
    template = forms.IntegerField(
        min_value=0, max_value=MAX_SETS, required=False, help_text="Default 70%."
    )
    scenario = forms.IntegerField(
        min_value=0, max_value=MAX_SETS, required=False, help_text="Default 20%."
    )
    edge_case = forms.IntegerField(
        min_value=0, max_value=MAX_SETS, required=False, help_text="Default 10%."
    )
    seed = forms.IntegerField(required=False, help_text="Left empty, one is drawn and kept.")
    concurrency_mode = forms.ChoiceField(
        choices=[
            ("fixed", "A fixed number of calls at once"),
            ("auto", "Automatic: start small, grow as the account's rate limits allow"),
        ],
        required=False,  # absent: fixed
        initial="fixed",
        widget=forms.RadioSelect,
        label="Concurrency",
        help_text="Automatic learns the limits from the API's rate-limit headers and halves "
        "on a 429 or 529.",
    )
    concurrency = forms.IntegerField(
        min_value=1,
        max_value=MAX_CONCURRENCY,
        initial=3,
        label="Calls at once",
        help_text="With a fixed number.",
    )
    max_concurrency = forms.IntegerField(
        min_value=1,
        max_value=MAX_CONCURRENCY,
        required=False,
        label="Most calls at once",
        help_text=f"Automatic's ceiling; default {MAX_CONCURRENCY}.",
    )
    mode = forms.ChoiceField(
        choices=BatchJob.Mode.choices,
        initial=BatchJob.Mode.STANDARD,
        required=False,  # absent: standard
        widget=forms.RadioSelect,
        label="Sent as",
        help_text="Message Batches cost half the list price; results come within 24 hours "
        "(most within one), and the concurrency above does not apply.",
    )
    error_handling = forms.ChoiceField(choices=BatchJob.ErrorHandling.choices, initial="continue")
    priority = forms.TypedChoiceField(choices=BatchJob.Priority.choices, coerce=int, initial=1)
    budget_cap = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="USD; the job pauses before it.",
    )
    judge = forms.BooleanField(
        required=False,
        initial=lambda: settings.JUDGE_ENABLED,
        label="Judge each conversation",
        help_text="A second, cheaper model fills in the review checklist for each conversation "
        "(counted in the estimate and the budget cap); on by default with an API key.",
    )

    ab_examples = forms.CharField(
        required=False,
        max_length=20,
        label="A/B against",
        help_text="Split the job A/B: a seed examples version (its number) or 'none' for the "
        "prompt alone, against the latest pinned version; empty: no split.",
    )

    def clean_ab_examples(self) -> str:
        from generation.examples import ExamplesError, version_named

        text = (self.cleaned_data.get("ab_examples") or "").strip()
        if text:
            try:
                version_named(text)
            except ExamplesError as error:
                raise forms.ValidationError(str(error)) from None
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if data.get("seed") is None:
            data["seed"] = random.randrange(1, 2**31)
            # Bound to a request's QueryDict or (in tests) a dict: both copy into a mutable one.
            posted = cast("QueryDict | dict[str, Any]", self.data).copy()
            posted["seed"] = str(data["seed"])
            self.data = posted
        counts = tier_counts(data["count"])
        for tier in ("template", "scenario", "edge_case"):
            if data.get(tier) is not None:
                counts[tier] = data[tier]
        try:
            self.sets = plan_parameter_sets(
                counts=counts, seed=data["seed"], scaffold=self.scaffold
            )
        except PlanningError as error:
            raise forms.ValidationError(str(error)) from None
        return data

    @property
    def scaffold(self) -> Scaffold:
        if not hasattr(self, "_scaffold"):
            self._scaffold = Scaffold.active()
        return self._scaffold

    def coverage(self) -> dict[str, Any]:
        return coverage_report(self.sets, self.scaffold)

    def submit(self, user: Any) -> BatchJob:
        try:
            return submit_batch(self._resolved(), self._options(), user)
        except SubmissionError as error:
            raise forms.ValidationError(str(error)) from None

    def preview(self) -> BatchJob:
        """The job this plan would submit, unsaved, with its estimate and its pinned prompt."""
        try:
            job, _ = prepare_batch(self._resolved(), self._options())
        except SubmissionError as error:
            raise forms.ValidationError(str(error)) from None
        return job

    def _resolved(self) -> list[ResolvedSet]:
        sets: list[ParameterSet] = self.sets
        return resolve_plan([s.to_json() for s in sets])

    def _options(self) -> BatchOptions:
        data = self.cleaned_data
        auto = data.get("concurrency_mode") == "auto"
        return BatchOptions(
            name=data["name"],
            concurrency=data["concurrency"],
            concurrency_auto=auto,
            max_concurrency=data.get("max_concurrency") if auto else None,
            error_handling=data["error_handling"],
            mode=data.get("mode") or BatchJob.Mode.STANDARD,
            priority=data["priority"],
            budget_cap=data.get("budget_cap"),
            seed=data["seed"],
            coverage=self.coverage(),
            judge=data["judge"],
            ab_examples=(data.get("ab_examples") or "").strip() or None,
        )
