"""The reviewers' REST API, under /review/api/: their own reviews, listed, read and filled in.

GET /review/api/reviews/ lists the caller's reviews; GET or PATCH /review/api/reviews/{id}/
reads or records one (a checklist of the spec's categories and items, and notes; the
verdict comes back). Token or session auth; anyone else's review is a 404.
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import include, path
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from generation.serializers import ErrorSerializer
from review.checklist import CHECKLIST, normalise
from review.models import Review
from review.verdicts import ReviewError, record_review, reviewable

CHECKLIST_SCHEMA = {
    "type": "object",
    "description": (
        "The spec's checklist: categories of items ticked true or false; a missing item is "
        "not ticked. A category passes with all four of its items ticked."
    ),
    "additionalProperties": False,
    "properties": {
        category: {
            "type": "object",
            "title": title,
            "additionalProperties": False,
            "properties": {item: {"type": "boolean", "title": text} for item, text in items},
        }
        for category, title, items in CHECKLIST
    },
}


@extend_schema_field(CHECKLIST_SCHEMA, component_name="Checklist")
class ChecklistField(serializers.JSONField):
    pass


class ReviewSerializer(serializers.ModelSerializer):
    conversation = serializers.UUIDField(source="conversation_id", read_only=True)
    sequence_number = serializers.IntegerField(
        source="conversation.sequence_number", read_only=True
    )
    conversation_status = serializers.CharField(source="conversation.status", read_only=True)
    tier = serializers.CharField(source="conversation.tier", read_only=True)
    persona = serializers.CharField(source="conversation.persona.name", read_only=True)
    emotional_arc = serializers.CharField(source="conversation.emotional_arc.name", read_only=True)
    training_topic = serializers.CharField(
        source="conversation.training_topic.name", read_only=True
    )
    edge_case = serializers.CharField(
        source="conversation.edge_case.name", read_only=True, default=None
    )
    checklist = ChecklistField(required=False)
    replacement = serializers.UUIDField(source="replacement_id", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "conversation",
            "sequence_number",
            "conversation_status",
            "tier",
            "persona",
            "emotional_arc",
            "training_topic",
            "edge_case",
            "is_overlap",
            "status",
            "checklist",
            "categories_passed",
            "verdict",
            "notes",
            "replacement",
            "reviewed_at",
        ]
        read_only_fields = [
            "is_overlap",
            "status",
            "categories_passed",
            "verdict",
            "replacement",
            "reviewed_at",
        ]

    def validate_checklist(self, value: Any) -> dict[str, dict[str, bool]]:
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise serializers.ValidationError(
                "A checklist is an object of categories, each an object of items: true/false."
            )
        try:
            return normalise(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and not reviewable(self.instance):
            raise serializers.ValidationError(
                {"conversation": "Being regenerated; review it once it is written."}
            )
        if self.instance is not None and "checklist" not in attrs and not self.instance.checklist:
            raise serializers.ValidationError({"checklist": "A first review needs a checklist."})
        return attrs

    def update(self, instance: Review, validated: dict[str, Any]) -> Review:
        try:
            return record_review(
                instance,
                validated.get("checklist", instance.checklist),
                validated.get("notes", instance.notes),
            )
        except ReviewError as error:
            raise serializers.ValidationError({"checklist": [str(error)]}) from None


_REFUSED = {
    401: OpenApiResponse(ErrorSerializer, "Not authenticated."),
    503: OpenApiResponse(ErrorSerializer, "The database is unreachable; nothing was changed."),
}
_MISSING = {404: OpenApiResponse(ErrorSerializer, "No review of yours has this id.")}


@extend_schema(tags=["reviews"])
@extend_schema_view(
    list=extend_schema(
        summary="Your reviews",
        responses={200: ReviewSerializer(many=True), **_REFUSED},
    ),
    retrieve=extend_schema(
        summary="One of your reviews",
        responses={200: ReviewSerializer, **_REFUSED, **_MISSING},
    ),
    partial_update=extend_schema(
        summary="Record a review",
        description="The checklist and notes; the verdict comes back (a rejection queues a "
        "regeneration).",
        responses={
            200: ReviewSerializer,
            400: OpenApiResponse(
                {"type": "object", "additionalProperties": {}}, "Field errors; nothing saved."
            ),
            **_REFUSED,
            **_MISSING,
        },
    ),
)
class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReviewSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_converter = "uuid"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular, building the schema
            return Review.objects.none()
        user = self.request.user
        assert user.is_authenticated  # IsAuthenticated lets no one else in
        return (
            Review.objects.filter(reviewer=user)
            .select_related(
                "conversation__persona",
                "conversation__emotional_arc",
                "conversation__training_topic",
                "conversation__edge_case",
            )
            .order_by("status", "created_at", "pk")
        )


router = SimpleRouter()
router.register("reviews", ReviewViewSet, basename="review-api")

urlpatterns = [path("", include(router.urls))]
