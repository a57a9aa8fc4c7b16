from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def reservation_expiry() -> datetime:
    """A conversation handed to a worker before this moment and still not claimed is free
    to be handed out again."""
    return timezone.now() - timedelta(seconds=settings.GENERATION_RESERVATION_SECONDS)


class BatchJobQuerySet(models.QuerySet):
    def active(self) -> "BatchJobQuerySet":
        """Pending or in progress: work is handed out for them (not paused or finished)."""
        from generation.models import BatchJob  # the model imports this module

        return self.filter(status__in=BatchJob.ACTIVE)

    def standard(self) -> "BatchJobQuerySet":
        """Written one Messages call per conversation by the workers (dispatch)."""
        return self.filter(mode="standard")

    def batch_mode(self) -> "BatchJobQuerySet":
        """Sent through the Message Batches API (generation/batches.py)."""
        return self.filter(mode="batch")

    def by_priority(self) -> "BatchJobQuerySet":
        return self.order_by("-priority", "created_at")


class ConversationQuerySet(models.QuerySet):
    def transition(self, sources: Iterable[str], target: str, **changes: Any) -> int:
        """The one conditional UPDATE behind every status change of a conversation: only the
        rows still in one of `sources` move to `target` (with `changes`); returns how many
        did. A race lost moves nothing, and the caller reads the count before it spends."""
        return self.filter(status__in=tuple(sources)).update(status=target, **changes)

    def hold_for_batch(self, owner: str) -> int:
        """Pending -> generating for a Message Batch (`owner` names it): no lease to run out,
        its results or the orphan sweep let them go (generation/batches.py)."""
        return self.transition(
            ("pending",),
            "generating",
            lease_owner=owner,
            lease_expires_at=None,
            attempts=F("attempts") + 1,
            dispatched_at=None,
            not_before=None,
            started_at=timezone.now(),
        )

    def for_job(self, job) -> "ConversationQuerySet":
        return self.filter(batch_job=job)

    def pending(self) -> "ConversationQuerySet":
        return self.filter(status="pending")

    def with_brief(self) -> "ConversationQuerySet":
        """With the rows a conversation's request is built from, read in the same query."""
        return self.select_related(
            "batch_job",
            "persona",
            "emotional_arc",
            "training_topic",
            "edge_case",
            "chunk__document",
        )

    def generating(self) -> "ConversationQuerySet":
        return self.filter(status="generating")

    def completed(self) -> "ConversationQuerySet":
        return self.filter(status="completed")

    def failed(self) -> "ConversationQuerySet":
        return self.filter(status="failed")

    def live(self) -> "ConversationQuerySet":
        """Being written by a worker whose lease has not run out: each holds one of its job's
        slots."""
        return self.filter(status="generating", lease_expires_at__gt=timezone.now())

    def undispatched(self) -> "ConversationQuerySet":
        """Not handed to a worker, or handed to one that never claimed it (queued again after
        a lease's length)."""
        expired = reservation_expiry()
        return self.filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=expired))

    def in_flight(self) -> "ConversationQuerySet":
        """Holding a slot of their job: claimed with a live lease, or handed to a worker that
        has not claimed them yet."""
        return self.filter(
            Q(status="generating", lease_expires_at__gt=timezone.now())
            | Q(status="pending", dispatched_at__gt=reservation_expiry())
        )

    def due(self, by: datetime) -> "ConversationQuerySet":
        """No retry backoff, or one that ends by `by`; those due first, then in plan order."""
        return self.filter(Q(not_before__isnull=True) | Q(not_before__lte=by)).order_by(
            models.F("not_before").asc(nulls_first=True), "sequence_number"
        )
