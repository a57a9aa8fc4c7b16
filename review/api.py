"""The reviewers' REST API, under /review/api/: their own reviews, listed, read and filled in.

GET /review/api/reviews/ lists the caller's reviews; GET or PATCH /review/api/reviews/{id}/
reads or records one (a checklist of the spec's categories and items, and notes; the
verdict comes back). Token or session auth; anyone else's review is a 404.
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from review.checklist import normalise
from review.models import Review
from review.verdicts import ReviewError, record_review, reviewable


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
    checklist = serializers.JSONField(required=False)
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
        return (
            Review.objects.filter(reviewer=self.request.user)
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
