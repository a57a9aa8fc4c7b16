"""Seed examples: conversations an editor marks as examples of a good one. Only a conversation
that passed its checks and that a reviewer approved (none rejected it) can be marked, or one
an editor wrote by hand (review/hand_written.py: the editor is its reviewer); the training
export says so (`use_as_seed_example`)."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from generation.models import HAND_WRITTEN, Conversation
from review.checklist import APPROVED, APPROVED_WITH_NOTES, REJECTED
from review.models import Review


@dataclass
class Marked:
    marked: list[Conversation] = field(default_factory=list)
    refused: list[tuple[Conversation, str]] = field(default_factory=list)


def why_not(conversation: Conversation, verdicts: set[str]) -> str:
    """Why the conversation cannot be a seed example, or empty if it can."""
    if conversation.status != Conversation.Status.COMPLETED:
        return "it is not completed"
    if not (conversation.validation or {}).get("passed"):
        return "it did not pass its checks"
    if conversation.source == HAND_WRITTEN and not verdicts:
        return ""
    if REJECTED in verdicts:
        return "a reviewer rejected it"
    if not verdicts & {APPROVED, APPROVED_WITH_NOTES}:
        return "no reviewer has approved it"
    return ""


def mark(conversations: QuerySet, user: Any) -> Marked:
    """Mark those that can be marked; say why each other one cannot."""
    done = Review.objects.filter(conversation__in=conversations, status=Review.Status.DONE)
    verdicts: dict[Any, set[str]] = {}
    for conversation_id, verdict in done.values_list("conversation_id", "verdict"):
        verdicts.setdefault(conversation_id, set()).add(verdict)
    found = Marked()
    for conversation in conversations.select_related("batch_job").order_by("sequence_number"):
        reason = why_not(conversation, verdicts.get(conversation.pk, set()))
        if reason:
            found.refused.append((conversation, reason))
        else:
            found.marked.append(conversation)
    Conversation.objects.filter(pk__in=[c.pk for c in found.marked]).update(
        seed_example=True,
        seed_example_marked_by=user if getattr(user, "pk", None) else None,
        seed_example_marked_at=timezone.now(),
    )
    return found


def unmark(conversations: QuerySet) -> int:
    return conversations.filter(seed_example=True).update(
        seed_example=False, seed_example_marked_by=None, seed_example_marked_at=None
    )
