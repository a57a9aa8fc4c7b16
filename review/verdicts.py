"""Recording a reviewer's checklist, its verdict, and the one regeneration a rejection queues.

A rejected conversation is regenerated once, however many times its reviews are saved and
however many reviewers (overlap) reject it: the original's row is locked (SELECT ... FOR
UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers) while an existing
regeneration is looked for, and every rejecting review then points at the same replacement.
The replacement's review is created at once, open, for the reviewer whose rejection queued it
(or the pool): its page says "being regenerated" until the replacement is completed.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from generation.models import Conversation
from review.checklist import REJECTED, categories_passed, normalise, verdict
from review.models import Review

log = logging.getLogger(__name__)


class ReviewError(ValueError):
    """The review cannot be recorded as given; nothing was saved."""


def reviewable(review: Review) -> bool:
    """A conversation can be judged once it is written (not while it is being regenerated)."""
    return review.conversation.status == Conversation.Status.COMPLETED


def regenerates(review: Review) -> bool:
    """Whether rejecting this review's conversation now would queue a new (paid) regeneration:
    not when one was queued already, by this review or another reviewer's."""
    if review.replacement_id is not None:
        return False
    return not review.conversation.regenerations.exists()


def record_review(review: Review, ticked: Mapping[str, Any], notes: str = "") -> Review:
    """Store the checklist, its categories passed and verdict; a rejection queues the
    conversation's regeneration (once). Raises ReviewError for a checklist that is not the
    spec's or a conversation not yet written."""
    try:
        checklist = normalise(ticked)
    except ValueError as error:
        raise ReviewError(str(error)) from None
    if not reviewable(review):
        raise ReviewError("This conversation is being regenerated; review it once it is written.")
    with transaction.atomic():
        review.checklist = checklist
        review.categories_passed = len(categories_passed(checklist))
        review.verdict = verdict(checklist)
        review.notes = notes
        review.status = Review.Status.DONE
        review.reviewed_at = timezone.now()
        review.save(
            update_fields=[
                "checklist",
                "categories_passed",
                "verdict",
                "notes",
                "status",
                "reviewed_at",
            ]
        )
        if review.verdict == REJECTED:
            regenerate_rejected(review)
    return review


def regenerate_rejected(review: Review) -> Conversation | None:
    """The replacement of the review's conversation: the existing one, or a new one queued
    now with its own open review. None when the job cannot take one (it was cancelled)."""
    original = Conversation.objects.select_for_update().get(pk=review.conversation_id)
    replacement = original.regenerations.order_by("created_at").first()
    if replacement is None:
        try:
            replacement = original.batch_job.regenerate(original)
        except ValueError as error:
            log.warning("Conversation %s not regenerated: %s", original.pk, error)
            return None
        Review.objects.create(
            sample=review.sample, conversation=replacement, reviewer=review.reviewer
        )
    Review.objects.filter(conversation=original, verdict=REJECTED, replacement__isnull=True).update(
        replacement=replacement
    )
    review.replacement = replacement
    return replacement
