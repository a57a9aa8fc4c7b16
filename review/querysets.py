"""Reusable filters over reviews: a reviewer's own items in queue order, and the pool."""

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from generation.models import Conversation

if TYPE_CHECKING:
    from review.models import Review

# Always Review: a type variable, so this module need not import the models that import it.
_R = TypeVar("_R", bound="Review")


class ReviewQuerySet(models.QuerySet[_R]):
    def for_reviewer(self, user: Any) -> "ReviewQuerySet[_R]":
        """A reviewer's own items, with what their pages show fetched alongside."""
        return self.filter(reviewer=user).select_related(
            "conversation__persona",
            "conversation__emotional_arc",
            "conversation__training_topic",
            "conversation__edge_case",
            "sample__batch_job",
        )

    def in_queue_order(self) -> "ReviewQuerySet[_R]":
        """The order a reviewer works through: as drawn, then by conversation number."""
        return self.order_by("created_at", "conversation__sequence_number", "pk")

    def open(self) -> "ReviewQuerySet[_R]":
        return self.filter(status=self.model.Status.OPEN)

    def done(self) -> "ReviewQuerySet[_R]":
        return self.filter(status=self.model.Status.DONE)

    def ready(self) -> "ReviewQuerySet[_R]":
        """Items whose conversation is written (not waiting for a regeneration)."""
        return self.filter(conversation__status=Conversation.Status.COMPLETED)

    def pool_for(self, user: Any) -> "ReviewQuerySet[_R]":
        """Items no one has taken, of conversations this reviewer does not already have."""
        mine = self.model.objects.filter(reviewer=user).values("conversation")
        return (
            self.filter(reviewer__isnull=True, status=self.model.Status.OPEN)
            .exclude(conversation__in=mine)
            .order_by("created_at", "pk")
        )
