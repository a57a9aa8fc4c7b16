"""Review samples drawn from a job's conversations, the reviews reviewers fill in, and the
admin's kept quality reports."""

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models

from generation.models import BatchJob, Conversation
from review.checklist import CHECKLIST, VERDICTS
from review.querysets import ReviewQuerySet


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

    objects = ReviewQuerySet.as_manager()

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


class QualityReportSnapshot(models.Model):
    """The admin's quality report of one selection (every conversation, or one batch job's),
    kept so that a page view shows it at once instead of reading every conversation again.

    One row per selection, so at most one computation of it is under way: an attempt is
    claimed with a conditional UPDATE of this row (review/report_tasks.py), and `attempt`
    numbers them so that a late task of an abandoned attempt cannot overwrite a newer one.
    A failed attempt keeps the last good report and records its error beside it.
    """

    class Status(models.TextChoices):
        NEW = "new"
        QUEUED = "queued"
        COMPUTING = "computing"
        DONE = "done"
        FAILED = "failed"

    ALL = "all"  # the selection key of every conversation; a job's is its id

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    selection = models.CharField(max_length=40, unique=True, help_text='"all" or a job id.')
    batch_job = models.ForeignKey(
        BatchJob,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quality_report_snapshots",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    attempt = models.PositiveIntegerField(default=0)
    # Text, not a JSONField: jsonb reorders keys, and the download keeps the spec's order.
    report_json = models.TextField(blank=True)
    conversation_count = models.PositiveIntegerField(null=True, blank=True)
    fingerprint = models.JSONField(
        default=dict, blank=True, help_text="Of the data the stored report was computed from."
    )
    computed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the stored report was finished."
    )
    attempt_fingerprint = models.JSONField(
        default=dict, blank=True, help_text="Of the data the latest attempt started from."
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "quality_report_snapshots"

    def __str__(self) -> str:
        return f"Quality report of {self.batch_job or 'all conversations'} ({self.status})"

    @property
    def under_way(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.COMPUTING)

    @property
    def report(self) -> dict[str, Any] | None:
        return json.loads(self.report_json) if self.report_json else None


class JudgeVerdict(models.Model):
    """The judge's verdict on one conversation (review/judging.py), and the claim on its call.

    The row is created pending when the conversation is stored; a worker claims it with a
    conditional UPDATE (pending -> judging, with a lease and the attempt count in the WHERE)
    before paying for the call, and stores the verdict, its usage and cost, releasing the
    claim in the same UPDATE. `checklist` is {category: {item: {passed, quote, reason}}};
    `defects` is {kind: {flagged, evidence}} (review/judge_prompt.py). A heuristic verdict
    (the offline emulator's) is shown but never counts in the quality score.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        JUDGING = "judging"
        DONE = "done"
        FAILED = "failed"
        SKIPPED = "skipped"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="judge_verdict"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Queued for a worker.")
    estimate = models.DecimalField(
        max_digits=12, decimal_places=6, default=0, help_text="The call's expected cost."
    )
    model = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="claude or offline_emulator")
    heuristic = models.BooleanField(
        default=False, help_text="Written by the offline emulator's heuristics, not a model."
    )
    checklist = models.JSONField(default=dict, blank=True)
    defects = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    request_id = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "judge_verdicts"
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="judge_claims")]

    def __str__(self) -> str:
        return f"Judge of {self.conversation_id} ({self.status})"

    @classmethod
    def shown_after(cls, review: Review) -> "JudgeVerdict | None":
        """The verdict a reviewer may see on their review page: only once their review is
        saved, so that it cannot anchor their own reading, and only a stored one."""
        if review.status != Review.Status.DONE:
            return None
        return cls.objects.filter(
            conversation_id=review.conversation_id, status=cls.Status.DONE
        ).first()

    @property
    def counts(self) -> bool:
        """Whether the verdict feeds the quality score: a model's, stored."""
        return self.status == self.Status.DONE and not self.heuristic

    def items_passed(self) -> int:
        return sum(
            bool(item.get("passed")) for items in self.checklist.values() for item in items.values()
        )

    def categories_passed(self) -> list[str]:
        """The checklist categories whose four items the judge passed, in the spec's order."""
        return [
            category
            for category, items in self.checklist.items()
            if items and all(item.get("passed") for item in items.values())
        ]

    def checklist_rows(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """(category label, [{label, passed, quote, reason}]) in the spec's order, to show."""
        return [
            (
                label,
                [
                    {"label": text, **(self.checklist.get(category) or {}).get(item, {})}
                    for item, text in items
                ],
            )
            for category, label, items in CHECKLIST
        ]

    def flagged_rows(self) -> list[tuple[str, str]]:
        """(what the defect is, the judge's quote and evidence) for each defect it flagged."""
        from review.judge_prompt import DEFECTS

        rows = []
        for kind, evidence in self.flagged().items():
            quote = str((self.defects.get(kind) or {}).get("quote") or "")
            rows.append((DEFECTS.get(kind, kind), f"“{quote}” {evidence}" if quote else evidence))
        return rows

    def flagged(self) -> dict[str, str]:
        """{defect kind: evidence} for the kinds the judge flagged."""
        return {
            kind: str(found.get("evidence") or "")
            for kind, found in self.defects.items()
            if found.get("flagged")
        }
