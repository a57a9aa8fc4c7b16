"""The API's request shapes (the spec's, camelCase) and their validation."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from generation.models import BatchJob
from generation.planner import tier_counts
from generation.plans import MAX_SETS, PlanError, resolve_plan
from generation.submission import MAX_CONCURRENCY, BatchOptions

PRIORITIES = {
    "low": BatchJob.Priority.LOW,
    "normal": BatchJob.Priority.NORMAL,
    "high": BatchJob.Priority.HIGH,
}


class GenerateBatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    parameterSets = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_SETS
    )
    concurrentProcessing = serializers.IntegerField(
        min_value=1, max_value=MAX_CONCURRENCY, default=3
    )
    errorHandling = serializers.ChoiceField(choices=["continue", "stop"], default="continue")
    priority = serializers.ChoiceField(choices=list(PRIORITIES), default="normal")
    budgetCap = serializers.DecimalField(
        max_digits=12,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        required=False,
        allow_null=True,
    )
    seed = serializers.IntegerField(required=False, allow_null=True)
    userId = serializers.CharField(
        required=False,
        help_text="Ignored: the batch belongs to the authenticated user.",
    )

    def validate_parameterSets(self, value: list[dict[str, Any]]) -> list[Any]:
        try:
            return resolve_plan(value)
        except PlanError as error:
            raise serializers.ValidationError(error.errors) from None

    def options(self, coverage: dict[str, Any]) -> BatchOptions:
        data = self.validated_data
        return BatchOptions(
            name=data["name"],
            concurrency=data["concurrentProcessing"],
            error_handling=data["errorHandling"],
            priority=PRIORITIES[data["priority"]],
            budget_cap=data.get("budgetCap"),
            seed=data.get("seed"),
            coverage=coverage,
        )


class PlanSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=MAX_SETS, default=100)
    template = serializers.IntegerField(min_value=0, max_value=MAX_SETS, required=False)
    scenario = serializers.IntegerField(min_value=0, max_value=MAX_SETS, required=False)
    edgeCase = serializers.IntegerField(min_value=0, max_value=MAX_SETS, required=False)
    seed = serializers.IntegerField(required=False, allow_null=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        counts = tier_counts(data["count"])
        for tier, name in (
            ("template", "template"),
            ("scenario", "scenario"),
            ("edge_case", "edgeCase"),
        ):
            if name in data:
                counts[tier] = data[name]
        if not 0 < sum(counts.values()) <= MAX_SETS:
            raise serializers.ValidationError(f"A plan has 1 to {MAX_SETS} conversations.")
        data["counts"] = counts
        return data
