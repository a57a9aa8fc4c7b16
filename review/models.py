"""Review samples drawn from a job's conversations, and the reviews reviewers fill in."""

import uuid

from django.conf import settings
from django.db import models

from generation.models import BatchJob, Conversation
from review.checklist import VERDICTS


class ReviewSample(models.Model):
    """A reproducible draw of conversations for human review (stratified by tier and persona)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch_job = models.ForeignKey(BatchJob, on_delete=models.CASCADE, related_name="review_samples")
    fraction = models.DecimalField(max_digits=4, decimal_places=3, default=0.1)
    overlap = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=0,
        help_text="Fraction of the sample given to two reviewers, to measure agreement.",
    )
    seed = models.IntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "review_samples"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Review sample of {self.batch_job} ({self.created_at:%Y-%m-%d %H:%M})"


class Review(models.Model):
    """One reviewer's judgement of one sampled conversation, through the spec's checklist.

    ``reviewer`` is null while the item waits in the pool. ``verdict`` is empty until the review is
    saved; ``checklist`` is {category: {item: bool}} (review.checklist). A rejection queues exactly
    one regeneration, ``replacement``, which then enters the sample as its own review.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        DONE = "done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sample = models.ForeignKey(ReviewSample, on_delete=models.CASCADE, related_name="reviews")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    is_overlap = models.BooleanField(
        default=False, help_text="A second review of a conversation, for inter-rater agreement."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    checklist = models.JSONField(default=dict, blank=True)
    categories_passed = models.PositiveSmallIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=30, choices=VERDICTS, blank=True)
    notes = models.TextField(blank=True)
    replacement = models.ForeignKey(
        Conversation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces_reviews",
        help_text="The regeneration a rejection queued.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews"
        ordering = ["sample", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "conversation", "reviewer"], name="unique_review_per_reviewer"
            )
        ]
        indexes = [models.Index(fields=["reviewer", "status"], name="review_queue")]

    def __str__(self) -> str:
        return f"Review of {self.conversation} by {self.reviewer or 'the pool'}"
