"""Handing conversations to workers: at most a job's concurrency at a time, by priority.

Dispatch marks conversations as queued (a conditional UPDATE, so two dispatchers never
queue the same one) and sends one django-q2 task per conversation. It runs after a batch
is submitted, after every conversation finishes (to fill the freed slot), on resume and
from the periodic sweep, which also returns conversations whose worker vanished.
"""

import logging
import os
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from generation.leases import expire_leases
from generation.models import BatchJob, Conversation, MessageBatch
from generation.prompts import system_prompt_is_cached

log = logging.getLogger(__name__)
TASK = "generation.tasks.generate_conversation"
_local = threading.local()


def dispatch() -> int:
    """Queue work for every active job, highest priority first; return how many were queued."""
    if getattr(_local, "dispatching", False):
        return 0  # an inline run re-entering: the outer loop below picks the slot up
    _local.dispatching = True
    try:
        total = 0
        while queued := _dispatch_round():
            total += len(queued)
            for conversation_id, reserved_at in queued:
                _send(conversation_id, reserved_at)
            if not settings.GENERATION_INLINE:
                break
        return total
    finally:
        _local.dispatching = False


def wake() -> None:
    """After a job is submitted, resumed, cancelled or given work again: hand standard jobs'
    conversations to workers, and have batch-mode jobs' batches sent, polled or cancelled now
    (generation/batches.py) rather than at the next scheduled run."""
    dispatch()
    waiting = BatchJob.objects.batch_mode().filter(
        Q(status__in=BatchJob.ACTIVE) | Q(message_batches__state__in=MessageBatch.OPEN)
    )
    if waiting.exists():
        from generation.batches import kick

        kick()


def on_work_added(sender: object, **kwargs: object) -> None:
    """Receiver of generation's work_added signal (a job given work again)."""
    wake()


def inline_dispatching() -> bool:
    """True inside an inline dispatch loop (GENERATION_INLINE), which hands out the work
    itself, one conversation per call."""
    return getattr(_local, "dispatching", False)


def take_next() -> str | None:
    """Reserve one conversation for the calling worker to write itself, by priority, as
    dispatch reserves them: under the job's lock, within its concurrency (a claim of a fresh
    reservation then takes no lock)."""
    if inline_dispatching():
        return None  # the dispatch loop hands out the work
    if settings.GENERATION_MAX_IN_FLIGHT and (
        _in_flight(Conversation.objects.all()) >= settings.GENERATION_MAX_IN_FLIGHT
    ):
        return None
    jobs = BatchJob.objects.active().standard().by_priority()
    for job in jobs:
        reserved = _reserve(job, 1)
        if reserved:
            return reserved[0][0]
    return None


def _dispatch_round(limit: int | None = None) -> list[tuple[str, str]]:
    queued: list[tuple[str, str]] = []
    room = limit
    if settings.GENERATION_MAX_IN_FLIGHT:
        free = settings.GENERATION_MAX_IN_FLIGHT - _in_flight(Conversation.objects.all())
        room = free if room is None else min(room, free)
    jobs = BatchJob.objects.active().standard().by_priority()
    for job in jobs:
        if room is not None and room <= 0:
            break
        ids = _reserve(job, room)
        queued += ids
        if room is not None:
            room -= len(ids)
    return queued


def _in_flight(conversations) -> int:
    return conversations.in_flight().count()


@transaction.atomic
def _reserve(job: BatchJob, room: int | None) -> list[tuple[str, str]]:
    """Reserve up to the job's free slots (or `room`); each with the moment it was reserved,
    which its task carries so that a late task can tell its reservation was handed on."""
    if _full(job):
        return []
    job = BatchJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in BatchJob.ACTIVE or job.mode != BatchJob.Mode.STANDARD:
        return []
    cold = _cold_arms(job)
    width = len(cold) if cold else job.concurrency
    free = width - _in_flight(job.conversations.all())
    if room is not None:
        free = min(free, room)
    if free <= 0:
        return []
    candidates = _first_of(job, cold, free) if cold else _candidates(job, free)
    now = timezone.now()
    if _mark_dispatched(candidates, now) and job.status == BatchJob.Status.PENDING:
        job.start()  # here, under the lock, not by each of the first claims at once
    return [(str(pk), now.isoformat()) for pk in candidates]


def _full(job: BatchJob) -> bool:
    """Every slot the job can have is in flight, seen without its lock: as many as its widest
    width (its concurrency, or one per arm while its arms are cold). Then there is nothing
    to reserve, and its row is not locked for nothing: every worker that stores its first
    reply dispatches (at concurrency 12, twelve dispatches at once, each waiting for the
    lock in turn while the stores wait behind them). A slot freed meanwhile is filled by the
    worker that freed it (its successor, take_next, the dispatch ending its task) or the
    sweep; a dispatch that sees room still decides under the lock."""
    return _in_flight(job.conversations.all()) >= max(job.concurrency, len(job.arms()))


def _candidates(job: BatchJob, count: int, arm: str | None = None) -> list:
    """Up to `count` pending conversations of the job (of one arm) that no worker was
    handed, due first."""
    soon = timezone.now() + timedelta(seconds=settings.GENERATION_MAX_BACKOFF_SECONDS)
    waiting = job.conversations.pending().undispatched().due(soon)
    if arm is not None:
        waiting = waiting.filter(arm=arm)
    return list(waiting.values_list("pk", flat=True)[:count])


def _mark_dispatched(ids: list, now: datetime) -> int:
    """Mark conversations as handed to a worker, unless another dispatcher did it first."""
    return (
        Conversation.objects.filter(pk__in=ids).pending().undispatched().update(dispatched_at=now)
    )


def _cold_arms(job: BatchJob) -> list[str]:
    """The arms whose cache does not exist yet: one call of each goes first so that its
    shared prefix is written once before the others fan out (an arm whose prefix is too
    short to be cached, or with nothing left to write, is never cold). A job has one arm, an
    A/B job two, cached apart."""
    done = set(job.conversations.completed().values_list("arm", flat=True).distinct())
    waiting = set(job.conversations.pending().values_list("arm", flat=True).distinct())
    return [
        arm
        for arm in job.arms()
        if arm not in done and arm in waiting and system_prompt_is_cached(job, arm)
    ]


def _first_of(job: BatchJob, arms: list[str], count: int) -> list:
    """A cold arm's first call: one pending conversation of each cold arm with none in
    flight, up to `count`."""
    busy = set(job.conversations.in_flight().values_list("arm", flat=True))
    found: list = []
    for arm in arms:
        if arm not in busy and len(found) < count:
            found += _candidates(job, 1, arm)
    return found


def _send(conversation_id: str, reserved_at: str) -> None:
    if settings.GENERATION_INLINE:
        from generation.tasks import generate_conversation

        generate_conversation(conversation_id, reserved_at)
        return
    from django_q.tasks import async_task

    async_task(
        TASK,
        conversation_id,
        reserved_at,
        task_name=f"conversation {conversation_id}",
        group="generation",
        broker=_broker(),
    )


def queued_tasks() -> int:
    """Tasks waiting in the broker, not yet taken by any cluster (one look; -1 when the broker
    cannot be asked)."""
    try:
        return int(_broker().queue_size())
    except Exception:  # a broker that cannot answer: the caller assumes tasks wait
        log.warning("The task broker could not say how many tasks wait", exc_info=True)
        return -1


def _broker():
    """One broker (one Redis connection pool) per process, not a new one per task sent."""
    from django_q.brokers import get_broker

    pid = os.getpid()
    if getattr(_local, "broker_pid", None) != pid:
        _local.broker, _local.broker_pid = get_broker(), pid
    return _local.broker


def sweep_if_due() -> None:
    """From a worker's heartbeat: sweep as soon as a lease has run out (a dead worker's
    conversation), not only at the minute's scheduled sweep."""
    if Conversation.objects.filter(
        status=Conversation.Status.GENERATING, lease_expires_at__lt=timezone.now()
    ).exists():
        sweep()


def sweep() -> dict[str, int]:
    """The periodic safety net: store replies held in the journal (before any lease is
    returned: a held reply's conversation is not to be called again), return conversations
    whose lease ran out, then fill every free slot."""
    from generation import journal

    replayed = journal.replay()
    returned = expire_leases()
    if returned:
        log.warning(
            "Returned %d conversation(s) whose lease ran out (their worker stopped, or could "
            "not reach the database to renew it)",
            returned,
        )
    for job in BatchJob.objects.active():
        job.finish_if_done()
    return {"replayed": replayed, "returned": returned, "queued": dispatch()}
