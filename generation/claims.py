"""Claiming a conversation before paying for it, and storing what the call returned.

A job never has more live claims than its concurrency, whatever the number of workers:
- its slots are handed out under its row lock (dispatch and take_next reserve conversations),
  and a reserved conversation is claimed with one conditional UPDATE (pending -> generating,
  with a lease);
- anything else is claimed under the job's row lock, counting live claims and reservations;
- a worker storing a reply takes the job's next conversation in the same transaction, under a
  shared lock on the job row: the slot passes from one conversation to the next.
The attempt is recorded before the call (attempts.py); the outcome, the cost and the release
of the claim are written together afterwards (storing.py); a lease that runs out returns the
conversation (leases.py).
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from generation import attempts
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.querysets import reservation_expiry

Status = Conversation.Status


@dataclass(frozen=True)
class Claim:
    conversation: Conversation
    attempt: GenerationAttempt
    owner: str


def live_claims(job: BatchJob) -> int:
    return job.conversations.live().count()


def claim(conversation: Conversation | uuid.UUID | str, owner: str) -> Claim | None:
    """Take the conversation (a loaded row, or its id) for `owner`, or None if it is not ours
    to take right now. A loaded row is not read again: the conditional UPDATEs below take it
    only if it is still pending with the attempt count it was read with.

    A conversation reserved for a worker (by dispatch or take_next, under the job's lock and
    within its concurrency) already holds its slot: claiming it turns the reservation into a
    lease with one UPDATE, conditional on the same reservation and on the job still running
    without a budget cap. Anything else - no reservation or an expired one, a budget cap to
    check, a job paused meanwhile - is decided under the job's lock."""
    row = (
        conversation
        if isinstance(conversation, Conversation)
        else Conversation.objects.filter(pk=conversation, status=Status.PENDING).order_by().first()
    )
    if row is None or row.status != Status.PENDING:
        return None
    reserved = row.dispatched_at
    if reserved is not None and reserved > reservation_expiry():
        running = BatchJob.objects.active().filter(
            pk=OuterRef("batch_job_id"), budget_cap__isnull=True
        )
        if _take(row, owner, Exists(running), dispatched_at=reserved):
            loaded = Conversation.batch_job.is_cached(row)
            if not loaded or row.batch_job.status == BatchJob.Status.PENDING:
                BatchJob(pk=row.batch_job_id).start()  # conditional: once per job
            return begin_attempt(row, owner)
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().get(pk=row.batch_job_id)
        if job.mode != BatchJob.Mode.STANDARD:  # its batches carry its conversations
            return None
        if job.status not in BatchJob.ACTIVE or not _affordable(job):
            _undispatch(row)
            return None
        # The job's other slots: live claims and reservations not yet claimed.
        if job.conversations.in_flight().exclude(pk=row.pk).count() >= job.concurrency:
            _undispatch(row)
            return None
        if not _take(row, owner):
            return None
        if job.status == BatchJob.Status.PENDING:
            job.start()
    return begin_attempt(row, owner)


def _take(conversation: Conversation, owner: str, *conditions: Any, **lookups: Any) -> bool:
    """Pending -> generating with a lease for `owner` (Conversation.take: the attempt count in
    the WHERE, and any further conditions); the loaded object gets the same changes."""
    lease = settings.GENERATION_LEASE_SECONDS
    return conversation.take(owner, lease, *conditions, **lookups)


def begin_attempt(conversation: Conversation, owner: str) -> Claim:
    """Recorded before the call but after the claiming transaction (and any lock on the job
    row) has ended: a worker that dies in between leaves a lease that expires."""
    return Claim(
        conversation=conversation, attempt=attempts.begin(conversation, owner), owner=owner
    )


def successor(job: BatchJob, owner: str) -> Conversation | None:
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
    outranking = BatchJob.objects.active().filter(priority__gt=OuterRef("priority"))
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


def _undispatch(conversation: Conversation) -> None:
    """Give up the reservation this worker was handed, unless it was handed on meanwhile."""
    Conversation.objects.filter(
        pk=conversation.pk, dispatched_at=conversation.dispatched_at
    ).update(dispatched_at=None)


def _affordable(job: BatchJob) -> bool:
    """Pause the job rather than start a call that could take it past its budget cap."""
    if job.budget_cap is None:
        return True
    per_conversation = attempts.per_conversation_estimate(job)
    committed = job.actual_cost() + per_conversation * (live_claims(job) + 1)
    if committed <= job.budget_cap:
        return True
    job.pause(
        f"Budget cap ${job.budget_cap:.2f} reached: ${job.actual_cost():.4f} spent, "
        f"next conversation about ${per_conversation:.4f}. Raise the cap and resume."
    )
    return False
