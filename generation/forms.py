import random
from decimal import Decimal
from typing import Any

from django import forms

from generation.coverage import coverage_report
from generation.models import BatchJob
from generation.planner import PlanningError, Scaffold, plan_parameter_sets, tier_counts
from generation.plans import MAX_SETS, ParameterSet, resolve_plan
from generation.submission import MAX_CONCURRENCY, BatchOptions, SubmissionError, submit_batch


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
    concurrency = forms.IntegerField(min_value=1, max_value=MAX_CONCURRENCY, initial=3)
    error_handling = forms.ChoiceField(choices=BatchJob.ErrorHandling.choices, initial="continue")
    priority = forms.TypedChoiceField(choices=BatchJob.Priority.choices, coerce=int, initial=1)
    budget_cap = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="USD; the job pauses before it.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("seed") is None:
            data["seed"] = random.randrange(1, 2**31)
            self.data = self.data.copy()
            self.data["seed"] = str(data["seed"])
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
        data = self.cleaned_data
        sets: list[ParameterSet] = self.sets
        options = BatchOptions(
            name=data["name"],
            concurrency=data["concurrency"],
            error_handling=data["error_handling"],
            priority=data["priority"],
            budget_cap=data.get("budget_cap"),
            seed=data["seed"],
            coverage=self.coverage(),
        )
        try:
            return submit_batch(resolve_plan([s.to_json() for s in sets]), options, user)
        except SubmissionError as error:
            raise forms.ValidationError(str(error)) from None
