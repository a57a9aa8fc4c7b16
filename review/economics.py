"""What a practice pays for what it keeps: the cost per conversation generated and per
conversation accepted (passed its checks and not rejected by a reviewer), every call counted:
generation, judge, and the regenerations of rejected conversations (a chain of them followed).
"""

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from generation.models import BatchJob, Conversation
from review.checklist import REJECTED
from review.models import Review


def rejected() -> QuerySet:
    return Review.objects.filter(status=Review.Status.DONE, verdict=REJECTED)


def replacements(conversations: QuerySet) -> set[Any]:
    """The regenerations standing in for rejected conversations among `conversations`, and
    theirs in turn (a replacement rejected again)."""
    found: set[Any] = set()
    frontier = rejected().filter(conversation__in=conversations, replacement__isnull=False)
    while True:
        step = set(frontier.values_list("replacement_id", flat=True)) - found
        if not step:
            return found
        found |= step
        frontier = rejected().filter(conversation_id__in=step, replacement__isnull=False)


def costs(conversations: QuerySet) -> dict[str, Any]:
    """{"spent", "generated", "accepted", "per_generated", "per_accepted"} over `conversations`
    and their regenerations: dollars (Decimal) and counts; a rate is None with nothing to
    divide by."""
    rows = Conversation.objects.filter(
        Q(pk__in=conversations.values("pk")) | Q(pk__in=replacements(conversations))
    )
    spent = rows.aggregate(total=Sum("cost"))["total"] or Decimal("0")
    completed = rows.filter(status=Conversation.Status.COMPLETED)
    generated = completed.count()
    accepted = (
        completed.filter(validation__passed=True)
        .exclude(pk__in=rejected().values("conversation_id"))
        .count()
    )
    return {
        "spent": spent,
        "generated": generated,
        "accepted": accepted,
        "per_generated": spent / generated if generated else None,
        "per_accepted": spent / accepted if accepted else None,
    }


def job_cost_figures(sender: Any, job: BatchJob, **kwargs: Any) -> dict[str, Any]:
    """Receiver of generation's job_cost_figures: the job's costs in the status's words."""
    found = costs(job.conversations.all())
    return {
        "accepted": found["accepted"],
        "generated": found["generated"],
        "spentWithRegenerations": float(found["spent"]),
        "perGenerated": _dollars(found["per_generated"]),
        "perAccepted": _dollars(found["per_accepted"]),
    }


def _dollars(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 6)
