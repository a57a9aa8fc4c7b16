"""The API's request shapes (the spec's, camelCase) and their validation.

Each shape's OpenAPI schema states every rule a body can be refused for that a schema can say
(required keys, lengths, ranges, a set's tier-dependent keys), so a body the schema accepts is
refused only for what the database decides: an id that names no row, an inactive row.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from generation.models import BatchJob, MessageBatch
from generation.planner import tier_counts
from generation.plans import MAX_SETS, PlanError, resolve_plan
from generation.schema import MAX_TURNS, MIN_TURNS
from generation.submission import MAX_CONCURRENCY, BatchOptions

PRIORITIES = {
    "low": BatchJob.Priority.LOW,
    "normal": BatchJob.Priority.NORMAL,
    "high": BatchJob.Priority.HIGH,
}


# BatchJob.plan_seed is a BigIntegerField.
class _IntRange(TypedDict):
    min_value: int
    max_value: int


SEED_RANGE: _IntRange = {"min_value": -(2**63), "max_value": 2**63 - 1}
# Text that is neither blank nor holds a NUL character (which PostgreSQL cannot store).
NAME_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"

_ID = {"type": "string", "format": "uuid"}
_EMPTY = {"type": "string", "maxLength": 0, "nullable": True}
_BASE_SET: dict[str, Any] = {
    "type": "object",
    "required": ["persona_id", "emotional_arc_id", "training_topic_id", "tier"],
    "properties": {
        "persona_id": _ID,
        "emotional_arc_id": _ID,
        "training_topic_id": _ID,
        "chunk_context": {"type": "string", "nullable": True},
        "chunk_id": {**_ID, "nullable": True},
        "edge_case_id": {**_ID, "nullable": True},
        "turn_count": {
            "type": "integer",
            "minimum": MIN_TURNS,
            "maximum": MAX_TURNS,
            "description": "Turns in the conversation (default: drawn from 5-8).",
        },
        "specifics": {
            "type": "object",
            "description": "The client's situation and numbers (default: drawn for the persona).",
        },
        "metadata": {
            "type": "object",
            "properties": {"edge_case_key": {"type": "string", "nullable": True}},
        },
    },
}


def _tier_set(tier: str, description: str, **rules: Any) -> dict[str, Any]:
    properties = {**_BASE_SET["properties"], "tier": {"type": "string", "enum": [tier]}}
    properties |= rules.pop("properties", {})
    return {
        **_BASE_SET,
        "title": tier,
        "description": description,
        "properties": properties,
        **rules,
    }


_NO_EDGE_CASE = {
    "edge_case_id": _EMPTY,
    "metadata": {"type": "object", "properties": {"edge_case_key": _EMPTY}},
}
PARAMETER_SET_SCHEMA: dict[str, Any] = {
    "description": (
        "One conversation to generate, as `POST /api/conversations/plan` returns them. The "
        "ids must name active scaffolding rows. Unknown keys are ignored."
    ),
    "oneOf": [
        _tier_set(
            "template",
            "A template conversation names no edge case.",
            properties=_NO_EDGE_CASE,
        ),
        _tier_set(
            "scenario",
            "A scenario conversation has its source text: chunk_context or chunk_id.",
            properties=_NO_EDGE_CASE,
            anyOf=[
                {
                    "required": ["chunk_context"],
                    "properties": {"chunk_context": {"type": "string", "minLength": 1}},
                },
                {"required": ["chunk_id"], "properties": {"chunk_id": _ID}},
            ],
        ),
        _tier_set(
            "edge_case",
            "An edge-case conversation names its edge case: edge_case_id or "
            "metadata.edge_case_key.",
            anyOf=[
                {"required": ["edge_case_id"], "properties": {"edge_case_id": _ID}},
                {
                    "required": ["metadata"],
                    "properties": {
                        "metadata": {
                            "type": "object",
                            "required": ["edge_case_key"],
                            "properties": {"edge_case_key": {"type": "string", "minLength": 1}},
                        }
                    },
                },
            ],
        ),
    ],
}


@extend_schema_field(PARAMETER_SET_SCHEMA, component_name="ParameterSet")
class ParameterSetField(serializers.DictField):
    """One parameter set; the whole plan is checked together by `resolve_plan`."""


class DollarsField(serializers.DecimalField):
    """Dollars to the micro-dollar: more decimal places are rounded, not refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", Decimal("999999"))
        super().__init__(
            max_digits=12,
            decimal_places=6,
            coerce_to_string=False,
            rounding=ROUND_HALF_UP,
            **kwargs,
        )

    def validate_precision(self, value: Decimal) -> Decimal:
        # Checked before rounding, which could not hold a larger number.
        if self.max_value is not None and abs(value) > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_CONCURRENCY},
            {"type": "string", "enum": ["auto"]},
        ],
        "default": 3,
        "description": (
            'Calls in flight at once, or "auto": start at 2 and grow as the account\'s '
            "rate limits allow (learnt from the anthropic-ratelimit-* headers), halving on a "
            "429 or 529, never above maxConcurrency."
        ),
    }
)
class ConcurrencyField(serializers.IntegerField):
    """A whole number from 1 to MAX_CONCURRENCY, or the string "auto"."""

    default_error_messages = {
        **serializers.IntegerField.default_error_messages,
        "invalid": 'A whole number or "auto" is required.',
    }

    def to_internal_value(self, data: Any) -> int | str:  # type: ignore[override]
        if data == "auto":
            return "auto"
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")  # not "5" either: the schema says integer or "auto"
        return super().to_internal_value(data)

    def run_validators(self, value: Any) -> None:
        if value != "auto":  # the range is a number's
            super().run_validators(value)

    def to_representation(self, value: Any) -> int | str:  # type: ignore[override]
        return value if value == "auto" else super().to_representation(value)


class GenerateBatchSerializer(serializers.Serializer):
    name = serializers.CharField(
        min_length=1,
        max_length=200,
        validators=[RegexValidator(NAME_PATTERN, "A batch needs a name.")],
    )
    parameterSets = serializers.ListField(
        child=ParameterSetField(), min_length=1, max_length=MAX_SETS
    )
    concurrentProcessing = ConcurrencyField(min_value=1, max_value=MAX_CONCURRENCY, default=3)
    maxConcurrency = serializers.IntegerField(
        min_value=1,
        max_value=MAX_CONCURRENCY,
        required=False,
        allow_null=True,
        help_text=(
            f'The ceiling with concurrentProcessing "auto" (default {MAX_CONCURRENCY}); '
            "ignored with a number."
        ),
    )
    errorHandling = serializers.ChoiceField(choices=["continue", "stop"], default="continue")
    mode = serializers.ChoiceField(
        choices=BatchJob.Mode.values,
        default=BatchJob.Mode.STANDARD,
        help_text=(
            "standard: one Messages call per conversation; batch: the Message Batches API, "
            "half the price, results within 24 hours (most within one)."
        ),
    )
    priority = serializers.ChoiceField(choices=list(PRIORITIES), default="normal")
    budgetCap = DollarsField(
        min_value=Decimal("0.000001"),
        required=False,
        allow_null=True,
        help_text="Stop the job before its actual cost passes this many dollars.",
    )
    seed = serializers.IntegerField(required=False, allow_null=True, **SEED_RANGE)
    judge = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "A second call per conversation (the judge model, cheaper than the generator's) "
            "that checks it against the review checklist; its cost is part of the estimate and "
            "the budget cap. Default: the server's JUDGE_ENABLED (on with an API key)."
        ),
    )
    abExamples = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=20,
        help_text=(
            "Split the job A/B: arm A shows the latest pinned seed examples, arm B this seed "
            'examples version ("3") or none ("none"); conversations alternate between the arms '
            "within each tier and persona. 400 when both arms would show the same, or for an "
            "unknown version."
        ),
    )
    userId = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Ignored: the batch belongs to the authenticated user.",
    )

    def validate_parameterSets(self, value: list[dict[str, Any]]) -> list[Any]:
        try:
            return resolve_plan(value)
        except PlanError as error:
            raise serializers.ValidationError(error.errors) from None

    def options(self, coverage: dict[str, Any]) -> BatchOptions:
        data = self.validated_data
        auto = data["concurrentProcessing"] == "auto"
        return BatchOptions(
            name=data["name"],
            concurrency=3 if auto else data["concurrentProcessing"],
            concurrency_auto=auto,
            max_concurrency=data.get("maxConcurrency") if auto else None,
            error_handling=data["errorHandling"],
            mode=data["mode"],
            priority=PRIORITIES[data["priority"]],
            budget_cap=data.get("budgetCap"),
            seed=data.get("seed"),
            coverage=coverage,
            judge=data.get("judge"),
            ab_examples=data.get("abExamples"),
        )


class PlanSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        min_value=1,
        max_value=MAX_SETS,
        default=100,
        help_text="Conversations to plan, split 70/20/10 over the tiers unless given below.",
    )
    template = serializers.IntegerField(min_value=0, max_value=MAX_SETS, required=False)
    scenario = serializers.IntegerField(min_value=0, max_value=MAX_SETS, required=False)
    edgeCase = serializers.IntegerField(min_value=0, max_value=MAX_SETS, required=False)
    seed = serializers.IntegerField(required=False, allow_null=True, **SEED_RANGE)

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


class NoBodySerializer(serializers.Serializer):
    """The job's controls take no body."""


# --- Answers (documentation: the views build them as dicts, these describe them) ---------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": (
            "Field errors: each refused field (or `non_field_errors`) with its messages; a "
            "parameter set's errors are keyed `parameterSets[i].field`. Or `detail` alone."
        ),
    },
    component_name="ValidationErrors",
)
class ValidationErrorsField(serializers.DictField):
    pass


class PlanAnswerSerializer(serializers.Serializer):
    parameterSets = serializers.ListField(child=ParameterSetField())
    coverage = serializers.DictField(
        help_text="Counts by tier, persona, arc, topic and edge case; pairs, matrices, warnings."
    )


class BatchAcceptedSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    jobId = serializers.UUIDField()
    status = serializers.ChoiceField(choices=BatchJob.Status.choices)
    estimatedCost = serializers.FloatField(help_text="Dollars.")
    estimatedTime = serializers.IntegerField(help_text="Seconds.")
    totalConversations = serializers.IntegerField()
    message = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    inProgress = serializers.IntegerField(help_text="Conversations with a live claim.")
    pending = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class TimingSerializer(serializers.Serializer):
    startedAt = serializers.DateTimeField(allow_null=True)
    estimatedCompletion = serializers.DateTimeField(allow_null=True)
    elapsedSeconds = serializers.IntegerField()


class CostSerializer(serializers.Serializer):
    estimatedTotal = serializers.FloatField(help_text="Dollars.")
    actualCurrent = serializers.FloatField(help_text="Dollars.")
    budgetCap = serializers.FloatField(allow_null=True, help_text="Dollars.")
    judgeEstimated = serializers.FloatField(
        help_text="Dollars: the part of estimatedTotal that is for judge calls."
    )
    judgeActual = serializers.FloatField(
        help_text="Dollars: the part of actualCurrent paid for judge calls."
    )
    generated = serializers.IntegerField(
        required=False, help_text="Conversations written, the regenerations of rejected ones too."
    )
    accepted = serializers.IntegerField(
        required=False, help_text="Of those, how many passed their checks and were not rejected."
    )
    spentWithRegenerations = serializers.FloatField(
        required=False,
        help_text="Dollars: actualCurrent plus what the regenerations of rejected ones cost.",
    )
    perGenerated = serializers.FloatField(
        required=False, allow_null=True, help_text="Dollars per conversation written."
    )
    perAccepted = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Dollars per conversation kept: every call paid, over the accepted ones.",
    )


class JobErrorSerializer(serializers.Serializer):
    conversationIndex = serializers.IntegerField()
    error = serializers.CharField()
    retryScheduled = serializers.BooleanField()


class MessageBatchSerializer(serializers.Serializer):
    batchId = serializers.CharField(
        allow_blank=True, help_text="The API's id; empty while its create call has no answer."
    )
    state = serializers.ChoiceField(choices=MessageBatch.State.choices)
    requests = serializers.IntegerField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="The API's request counts: processing, succeeded, errored, canceled, expired.",
    )
    estimatedCost = serializers.FloatField(help_text="Dollars, at the batch price.")
    createdAt = serializers.DateTimeField()
    endedAt = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


class JobStatusSerializer(serializers.Serializer):
    jobId = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=BatchJob.Status.choices)
    mode = serializers.ChoiceField(choices=BatchJob.Mode.choices)
    batches = MessageBatchSerializer(
        many=True, help_text="Batch mode: the job's Message Batches, oldest first."
    )
    statusReason = serializers.CharField(allow_blank=True)
    judgeModel = serializers.CharField(
        allow_blank=True, help_text="The judge's model; empty: the job has no judge calls."
    )
    progress = ProgressSerializer()
    timing = TimingSerializer()
    cost = CostSerializer()
    # DRF's metaclass takes declared fields off the class: this does not hide Serializer.errors,
    # which the stubs cannot tell.
    errors = JobErrorSerializer(many=True)  # type: ignore[assignment]  # a field, not .errors


class RetriedSerializer(JobStatusSerializer):
    requeued = serializers.IntegerField(help_text="Conversations put back to pending.")
