"""One row per Messages call (GenerationAttempt): opened before the call, closed with what it
cost; a call lost with its worker is charged at its estimated cost, marked as estimated, so
the job's actual cost and its budget cap count what was most likely billed."""

import uuid
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from generation.calls import Usage
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.pricing import MICRODOLLAR

LOST = "The worker stopped before the call returned."


def begin(conversation: Conversation, owner: str) -> GenerationAttempt:
    return GenerationAttempt.objects.create(
        conversation=conversation,
        number=conversation.attempts,
        worker=owner,
        sent_at=timezone.now(),  # the call goes at once unless the rate-limit window holds it
    )


def close(
    attempt: GenerationAttempt,
    outcome: str,
    usage: Usage,
    cost: Decimal,
    request_id: str,
    error: str,
) -> Decimal | None:
    """Record the call's outcome and cost; return the estimate this replaces (the sweep had
    charged the call as lost), which the caller takes off the conversation's cost, or None
    if the outcome was recorded already (a retry after a commit whose answer was lost with
    the connection, or a journal replayed twice): nothing is to be recorded again. Inside
    the caller's transaction: the row lock keeps the sweep from charging it meanwhile."""
    row = (
        GenerationAttempt.objects.select_for_update()
        .filter(pk=attempt.pk)
        .order_by()  # no join for the default ordering: FOR UPDATE would lock its rows too
        .values("cost", "cost_estimated", "ended_at")
        .first()
    )
    if row and row["ended_at"] is not None and not row["cost_estimated"]:
        return None
    replaced = row["cost"] if row and row["cost_estimated"] else Decimal(0)
    GenerationAttempt.objects.filter(pk=attempt.pk).update(
        ended_at=timezone.now(),
        outcome=outcome,
        request_id=request_id[:120],
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cost=cost,
        cost_estimated=False,
        error=error[:2000],
    )
    return replaced


def usage_increments(usage: Usage, cost: Decimal) -> dict:
    return {
        "input_tokens": F("input_tokens") + usage.input_tokens,
        "output_tokens": F("output_tokens") + usage.output_tokens,
        "cache_write_tokens": F("cache_write_tokens") + usage.cache_write_tokens,
        "cache_read_tokens": F("cache_read_tokens") + usage.cache_read_tokens,
        "cost": F("cost") + cost,
    }


def charge_only(conversation_id: uuid.UUID | str, usage: Usage, cost: Decimal) -> None:
    """Add what a call cost to the conversation even when its reply is not kept."""
    Conversation.objects.filter(pk=conversation_id).update(**usage_increments(usage, cost))


def per_conversation_estimate(job: BatchJob) -> Decimal:
    """The job's estimate shared evenly: what one more conversation is expected to cost, its
    judge call included (what the budget cap holds back for it)."""
    share = job.estimated_cost / max(job.total_items, 1)
    return share.quantize(MICRODOLLAR)


def per_call_estimate(job: BatchJob) -> Decimal:
    """What one generation call is expected to cost: the job's estimate without its judge
    calls, shared evenly (what a lost call is charged)."""
    share = (job.estimated_cost - job.judge_estimated_cost) / max(job.total_items, 1)
    return share.quantize(MICRODOLLAR)


def charge_lost(conversation_ids: list) -> int:
    """Close the open generation attempts of conversations whose worker vanished, each charged
    at its job's per-call estimate (marked estimated) and added to its conversation's cost;
    return how many. Each is closed with a conditional UPDATE: a worker storing the reply at
    the same moment wins, and the call is charged once."""
    now = timezone.now()
    open_attempts = GenerationAttempt.objects.filter(
        conversation_id__in=conversation_ids,
        ended_at__isnull=True,
        kind=GenerationAttempt.Kind.GENERATION,
    ).select_related("conversation__batch_job")
    charged = 0
    for attempt in open_attempts:
        estimate = per_call_estimate(attempt.conversation.batch_job)
        closed = GenerationAttempt.objects.filter(pk=attempt.pk, ended_at__isnull=True).update(
            ended_at=now, outcome="lost", error=LOST, cost=estimate, cost_estimated=True
        )
        if closed:
            Conversation.objects.filter(pk=attempt.conversation_id).update(
                cost=F("cost") + estimate
            )
            charged += 1
    return charged
