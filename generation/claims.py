"""Claiming a conversation before paying for it, and storing what the call returned.

A conversation is claimed with a conditional UPDATE (pending -> generating, with a lease)
inside a transaction that holds the job row, so a job never has more live claims than its
concurrency, whatever the number of workers. The attempt is recorded before the call; the
outcome, the cost and the release of the claim are written together afterwards.
"""

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from generation.claude import ClaudeError, ConversationReply, Usage
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.pricing import cost_of
from generation.signals import conversation_completed

log = logging.getLogger(__name__)
Status = Conversation.Status


@dataclass(frozen=True)
class Claim:
    conversation: Conversation
    attempt: GenerationAttempt
    owner: str


def live_claims(job: BatchJob) -> int:
    return job.conversations.filter(
        status=Status.GENERATING, lease_expires_at__gt=timezone.now()
    ).count()


def claim(conversation: Conversation | str, owner: str) -> Claim | None:
    """Take the conversation (a loaded row, or its id) for `owner`, or None if it is not ours
    to take right now. A loaded row is not read again: the conditional UPDATE below takes it
    only if it is still pending with the attempt count it was read with."""
    with transaction.atomic():
        if not isinstance(conversation, Conversation):
            conversation = (
                Conversation.objects.filter(pk=conversation, status=Status.PENDING)
                .order_by()
                .first()
            )
        if conversation is None or conversation.status != Status.PENDING:
            return None
        conversation_id = conversation.pk
        job = BatchJob.objects.select_for_update().get(pk=conversation.batch_job_id)
        if job.status not in BatchJob.ACTIVE or not _affordable(job):
            _undispatch(conversation_id)
            return None
        if live_claims(job) >= job.concurrency:
            _undispatch(conversation_id)
            return None
        now = timezone.now()
        changes = {
            "status": Status.GENERATING,
            "lease_owner": owner,
            "lease_expires_at": now + timedelta(seconds=settings.GENERATION_LEASE_SECONDS),
            "attempts": conversation.attempts + 1,
            "dispatched_at": None,
            "started_at": now,
        }
        # The attempt count in the WHERE makes the UPDATE conditional on what we read.
        taken = Conversation.objects.filter(
            pk=conversation_id, status=Status.PENDING, attempts=conversation.attempts
        ).update(**changes)
        if not taken:
            return None
        if job.status == BatchJob.Status.PENDING:
            job.start()
    # Recorded before the call but after the job row's lock is released: a worker that dies in
    # between leaves a lease that expires, and no call was made.
    for name, value in changes.items():
        setattr(conversation, name, value)
    attempt = GenerationAttempt.objects.create(
        conversation=conversation, number=conversation.attempts, worker=owner
    )
    return Claim(conversation=conversation, attempt=attempt, owner=owner)


def _undispatch(conversation_id: str) -> None:
    Conversation.objects.filter(pk=conversation_id).update(dispatched_at=None)


def _affordable(job: BatchJob) -> bool:
    """Pause the job rather than start a call that could take it past its budget cap."""
    if job.budget_cap is None:
        return True
    per_conversation = job.estimated_cost / max(job.total_items, 1)
    committed = job.actual_cost() + per_conversation * (live_claims(job) + 1)
    if committed <= job.budget_cap:
        return True
    job.pause(
        f"Budget cap ${job.budget_cap:.2f} reached: ${job.actual_cost():.4f} spent, "
        f"next conversation about ${per_conversation:.4f}. Raise the cap and resume."
    )
    return False


def store_reply(claim: Claim, reply: ConversationReply) -> bool:
    """Complete the conversation with `reply`; False if it was already finished elsewhere."""
    cost = cost_of(reply.usage, reply.model)
    job = claim.conversation.batch_job
    with transaction.atomic():
        _close_attempt(claim.attempt, "ok", reply.usage, cost, reply.request_id, "")
        stored = (
            Conversation.objects.filter(pk=claim.conversation.pk)
            .filter(Q(status=Status.GENERATING) | Q(status=Status.PENDING))
            .update(
                status=Status.COMPLETED,
                turns=reply.turns,
                source=reply.source,
                model=reply.model,
                prompt_template_id=job.prompt_template_id,
                consultant_profile_id=job.consultant_profile_id,
                **_usage_increments(reply.usage, cost),
                error="",
                retry_scheduled=False,
                not_before=None,
                lease_owner="",
                lease_expires_at=None,
                completed_at=timezone.now(),
            )
        )
        if not stored:
            _charge_only(claim.conversation.pk, reply.usage, cost)
            log.warning(
                "Conversation %s was already finished; reply discarded", claim.conversation.pk
            )
    # After the commit, not inside it: two workers storing a job's last two conversations at
    # once would each still see the other's as generating, and neither would end the job.
    job.finish_if_done()
    if stored:
        conversation = claim.conversation
        conversation.status, conversation.turns = Status.COMPLETED, reply.turns
        conversation.source, conversation.model = reply.source, reply.model
        conversation.prompt_template_id = job.prompt_template_id
        conversation.consultant_profile_id = job.consultant_profile_id
        conversation_completed.send(
            sender=Conversation, conversation_id=conversation.pk, conversation=conversation
        )
    return bool(stored)


def record_error(claim: Claim, error: ClaudeError) -> str:
    """Put the conversation back for a retry, fail it, or pause the job; say which."""
    model = claim.conversation.batch_job.model
    cost = cost_of(error.usage, model)
    job = BatchJob.objects.get(pk=claim.conversation.batch_job_id)
    with transaction.atomic():
        _close_attempt(
            claim.attempt, error.kind, error.usage, cost, error.request_id or "", str(error)
        )
        _charge_only(claim.conversation.pk, error.usage, cost)
        if error.kind == "spend_limit":
            outcome = _release(claim, str(error), not_before=None)
            job.pause(f"Anthropic spend limit reached: {error}. Raise the limit, then resume.")
        elif error.permanent or claim.conversation.attempts >= settings.GENERATION_MAX_ATTEMPTS:
            outcome = _fail(claim, error)
            if job.error_handling == BatchJob.ErrorHandling.STOP:
                number = claim.conversation.sequence_number
                job.fail(f"Stopped after conversation #{number} failed: {error}")
        else:
            outcome = _release(claim, str(error), not_before=_backoff(claim, error))
    job.finish_if_done()  # after the commit, as in store_reply
    return outcome


def _backoff(claim: Claim, error: ClaudeError) -> timezone.datetime:
    if error.retry_after is not None:
        delay = error.retry_after
    else:  # exponential with jitter: 2, 4, 8 ... seconds, capped at a minute
        delay = min(60.0, 2.0**claim.conversation.attempts) * random.uniform(0.5, 1.0)
    return timezone.now() + timedelta(seconds=delay)


def _release(claim: Claim, reason: str, not_before: timezone.datetime | None) -> str:
    Conversation.objects.filter(pk=claim.conversation.pk, status=Status.GENERATING).update(
        status=Status.PENDING,
        error=reason[:2000],
        retry_scheduled=True,
        not_before=not_before,
        lease_owner="",
        lease_expires_at=None,
    )
    return "retry"


def _fail(claim: Claim, error: ClaudeError) -> str:
    Conversation.objects.filter(pk=claim.conversation.pk, status=Status.GENERATING).update(
        status=Status.FAILED,
        error=f"{error} (after {claim.conversation.attempts} attempt(s))"[:2000],
        retry_scheduled=False,
        lease_owner="",
        lease_expires_at=None,
        completed_at=timezone.now(),
    )
    return "failed"


def _close_attempt(
    attempt: GenerationAttempt,
    outcome: str,
    usage: Usage,
    cost: Decimal,
    request_id: str,
    error: str,
) -> None:
    GenerationAttempt.objects.filter(pk=attempt.pk).update(
        ended_at=timezone.now(),
        outcome=outcome,
        request_id=request_id[:120],
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cost=cost,
        error=error[:2000],
    )


def _usage_increments(usage: Usage, cost: Decimal) -> dict:
    return {
        "input_tokens": F("input_tokens") + usage.input_tokens,
        "output_tokens": F("output_tokens") + usage.output_tokens,
        "cache_write_tokens": F("cache_write_tokens") + usage.cache_write_tokens,
        "cache_read_tokens": F("cache_read_tokens") + usage.cache_read_tokens,
        "cost": F("cost") + cost,
    }


def _charge_only(conversation_id: str, usage: Usage, cost: Decimal) -> None:
    """Add what a call cost to the conversation even when its reply is not kept."""
    Conversation.objects.filter(pk=conversation_id).update(**_usage_increments(usage, cost))


def expire_leases() -> int:
    """Return conversations whose worker vanished (lease expired) to pending."""
    now = timezone.now()
    with transaction.atomic():
        lost = Conversation.objects.filter(status=Status.GENERATING, lease_expires_at__lt=now)
        GenerationAttempt.objects.filter(conversation__in=lost, ended_at__isnull=True).update(
            ended_at=now, outcome="lost", error="The worker stopped before the call returned."
        )
        return lost.update(
            status=Status.PENDING,
            lease_owner="",
            lease_expires_at=None,
            retry_scheduled=True,
            error="The worker stopped before the call returned; retrying.",
        )
