"""Claiming a conversation before paying for it, and storing what the call returned.

A job never has more live claims than its concurrency, whatever the number of workers:
- its slots are handed out under its row lock (dispatch and take_next reserve conversations),
  and a reserved conversation is claimed with one conditional UPDATE (pending -> generating,
  with a lease);
- anything else is claimed under the job's row lock, counting live claims and reservations;
- a worker storing a reply takes the job's next conversation in the same transaction, under a
  shared lock on the job row: the slot passes from one conversation to the next.
The attempt is recorded before the call; the outcome, the cost and the release of the claim
are written together afterwards.
"""

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from generation.calls import ClaudeError, ConversationReply, Usage
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.pricing import cost_of
from generation.querysets import reservation_expiry
from generation.signals import conversation_completed

log = logging.getLogger(__name__)
Status = Conversation.Status


@dataclass(frozen=True)
class Claim:
    conversation: Conversation
    attempt: GenerationAttempt
    owner: str


@dataclass(frozen=True)
class Stored:
    """What storing a reply did.

    `kept` is False when the conversation had been finished elsewhere (the reply was only
    charged). `successor` is the conversation the same worker took next in the slot it freed,
    when it asked for one and the job had one to give. `completed` is the stored row: it was
    announced to the later stages already, unless there is a successor - then the worker
    announces it (`announce`) while the successor's call is in flight."""

    kept: bool
    successor: Claim | None = None
    completed: Conversation | None = None


def live_claims(job: BatchJob) -> int:
    return job.conversations.live().count()


def claim(conversation: Conversation | str, owner: str) -> Claim | None:
    """Take the conversation (a loaded row, or its id) for `owner`, or None if it is not ours
    to take right now. A loaded row is not read again: the conditional UPDATEs below take it
    only if it is still pending with the attempt count it was read with.

    A conversation reserved for a worker (by dispatch or take_next, under the job's lock and
    within its concurrency) already holds its slot: claiming it turns the reservation into a
    lease with one UPDATE, conditional on the same reservation and on the job still running
    without a budget cap. Anything else - no reservation or an expired one, a budget cap to
    check, a job paused meanwhile - is decided under the job's lock."""
    if not isinstance(conversation, Conversation):
        conversation = (
            Conversation.objects.filter(pk=conversation, status=Status.PENDING).order_by().first()
        )
    if conversation is None or conversation.status != Status.PENDING:
        return None
    reserved = conversation.dispatched_at
    if reserved is not None and reserved > reservation_expiry():
        running = BatchJob.objects.filter(
            pk=OuterRef("batch_job_id"), status__in=BatchJob.ACTIVE, budget_cap__isnull=True
        )
        if _take(conversation, owner, Exists(running), dispatched_at=reserved):
            loaded = Conversation.batch_job.is_cached(conversation)
            if not loaded or conversation.batch_job.status == BatchJob.Status.PENDING:
                BatchJob(pk=conversation.batch_job_id).start()  # conditional: once per job
            return _begin_attempt(conversation, owner)
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().get(pk=conversation.batch_job_id)
        if job.status not in BatchJob.ACTIVE or not _affordable(job):
            _undispatch(conversation.pk)
            return None
        # The job's other slots: live claims and reservations not yet claimed.
        if job.conversations.in_flight().exclude(pk=conversation.pk).count() >= job.concurrency:
            _undispatch(conversation.pk)
            return None
        if not _take(conversation, owner):
            return None
        if job.status == BatchJob.Status.PENDING:
            job.start()
    return _begin_attempt(conversation, owner)


def _take(conversation: Conversation, owner: str, *conditions: Any, **lookups: Any) -> bool:
    """Pending -> generating with a lease for `owner`, only if the row is still as we read it
    (the attempt count in the WHERE) and meets any further conditions; the loaded object
    gets the same changes."""
    now = timezone.now()
    changes = {
        "status": Status.GENERATING,
        "lease_owner": owner,
        "lease_expires_at": now + timedelta(seconds=settings.GENERATION_LEASE_SECONDS),
        "attempts": conversation.attempts + 1,
        "dispatched_at": None,
        "started_at": now,
    }
    taken = Conversation.objects.filter(
        *conditions,
        pk=conversation.pk,
        status=Status.PENDING,
        attempts=conversation.attempts,
        **lookups,
    ).update(**changes)
    if taken:
        for name, value in changes.items():
            setattr(conversation, name, value)
    return bool(taken)


def _begin_attempt(conversation: Conversation, owner: str) -> Claim:
    """Recorded before the call but after the claiming transaction (and any lock on the job
    row) has ended: a worker that dies in between leaves a lease that expires, and no call
    was made."""
    attempt = GenerationAttempt.objects.create(
        conversation=conversation, number=conversation.attempts, worker=owner
    )
    return Claim(conversation=conversation, attempt=attempt, owner=owner)


def _successor(job: BatchJob, owner: str) -> Conversation | None:
    """Inside the transaction that stores a reply: take the job's next due conversation for
    the same worker, in the slot the stored one frees, so the worker goes straight on.

    The job row is held with a shared lock: workers handing over slots do not wait for each
    other (each keeps the job's count of live claims where it was), while a claim of a fresh
    slot, a pause, a cancel or an edit of the job (which lock the row exclusively) waits for
    them and is seen by the next one. Anything unusual - the job not running, a budget cap to
    check, a higher-priority job waiting, fewer slots than claims - gives no successor, and
    the worker goes back to the general path (take_next, then claim)."""
    state = _shared_state(job.pk)
    if state is None:
        return None
    status, concurrency, budget_cap, outranked, live = state
    if status != BatchJob.Status.IN_PROGRESS or budget_cap is not None or outranked:
        return None
    if live >= concurrency:  # the job's concurrency was lowered meanwhile
        return None
    candidate = (
        job.conversations.pending()
        .undispatched()
        .due(timezone.now())
        .select_related(
            "persona", "emotional_arc", "training_topic", "edge_case", "chunk__document"
        )
        .select_for_update(skip_locked=True, of=("self",))
        .first()
    )
    if candidate is None or not _take(candidate, owner):
        return None
    candidate.batch_job = job
    return candidate


def _shared_state(job_id: Any) -> tuple | None:
    """In one query: the job's status, concurrency and budget cap, whether an active job of
    higher priority exists, and how many live claims the job has; the job row read under a
    shared lock where the database has one (SQLite's IMMEDIATE transactions serialise
    writers already). Django locks rows only exclusively, hence the clause added by hand."""
    live = (
        Conversation.objects.filter(batch_job=OuterRef("pk"))
        .live()
        .order_by()
        .values("batch_job")
        .annotate(count=Count("pk"))
        .values("count")
    )
    outranking = BatchJob.objects.filter(
        status__in=BatchJob.ACTIVE, priority__gt=OuterRef("priority")
    )
    query = (
        BatchJob.objects.filter(pk=job_id)
        .order_by()
        .annotate(outranked=Exists(outranking), live=Coalesce(Subquery(live), 0))
        .values_list("status", "concurrency", "budget_cap", "outranked", "live")
    )
    sql, params = query.query.sql_with_params()
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(sql + lock, params)
        return cursor.fetchone()


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


def store_reply(claim: Claim, reply: ConversationReply, then_claim_next: bool = False) -> Stored:
    """Complete the conversation with `reply` (unless it was already finished elsewhere), and,
    with `then_claim_next`, take the job's next conversation in the same transaction. Without
    a successor the stored conversation is announced (checked) before the job can be marked
    completed, so a completed job's conversations are all checked."""
    cost = cost_of(reply.usage, reply.model)
    job = claim.conversation.batch_job
    following = None
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
        elif then_claim_next:
            following = _successor(job, claim.owner)
    successor = _begin_attempt(following, claim.owner) if following else None
    completed = None
    if stored:
        completed = claim.conversation
        completed.status, completed.turns = Status.COMPLETED, reply.turns
        completed.source, completed.model = reply.source, reply.model
        completed.prompt_template_id = job.prompt_template_id
        completed.consultant_profile_id = job.consultant_profile_id
        if successor is None:
            announce(completed)
    if successor is None:
        # After the commit, not inside it: two workers storing a job's last two conversations
        # at once would each still see the other's as generating, and neither would end the job.
        job.finish_if_done()
    return Stored(kept=bool(stored), successor=successor, completed=completed)


def announce(conversation: Conversation) -> None:
    """Tell the later stages (the review app's checks) that `conversation` is stored. What
    they raise is logged, never passed on: the reply is stored and paid for either way."""
    answers = conversation_completed.send_robust(
        sender=Conversation, conversation_id=conversation.pk, conversation=conversation
    )
    for receiver, answer in answers:
        if isinstance(answer, Exception):
            log.error("%s failed on conversation %s", receiver, conversation.pk, exc_info=answer)


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
