"""Batch mode: a job's conversations go out through the Message Batches API, at half price.

The same conversation rows, requests and storing path as a standard call; only the way the
requests travel differs. `run_batches` (scheduled every minute, and run by `generate` while it
follows a batch job) stores what ended, cancels what a finished job left open, settles batches
whose create call got no answer, and sends the pending conversations of active jobs.

No conversation is paid twice:
- before the create call, one transaction commits a `creating` MessageBatch with a random
  token, takes the conversations (pending -> generating, held by the batch, no lease to run
  out) and opens an attempt per request; every custom_id is `<token>_<conversation hex>`;
- the create call is sent once (no SDK retry). A 4xx answer gives the conversations back;
  no answer (or a 5xx) leaves the row `creating`: after GENERATION_BATCH_ORPHAN_SECONDS the
  orphan sweep looks through the account's batches for one carrying the token in its
  custom_ids and adopts it, waits while a candidate is still processing, and only when no
  batch can be ours gives the conversations back (a create still in flight by then is ruled
  out: the setting must exceed CLAUDE_TIMEOUT_SECONDS);
- each result is stored through storing.store_reply / record_error under its attempt's row
  lock: an attempt already closed is skipped, so a results stream cut halfway is read again
  on the next poll without storing or charging anything twice.
"""

import logging
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from generation import attempts, storing
from generation.calls import ClaudeError
from generation.claims import Claim
from generation.claude_batches import (
    ENDED,
    UNKNOWN_OUTCOME,
    BatchInfo,
    BatchResult,
    batch_params,
    batch_results,
    cancel_batch,
    create_batch,
    custom_id,
    first_custom_id,
    list_batches,
    parse_custom_id,
    request_size,
    retrieve_batch,
)
from generation.models import BatchJob, Conversation, GenerationAttempt, MessageBatch
from generation.tasks import request_for

log = logging.getLogger(__name__)
Status = Conversation.Status
State = MessageBatch.State
TASK = "generation.tasks.run_batches"
# A batch made by a create call starts within this of the row's creation (clocks differ).
CLOCK_SLACK = timedelta(seconds=60)
ENVELOPE_BYTES = len('{"requests":[]}')


def kick() -> None:
    """After a batch-mode job is submitted or resumed: send its batch now (inline runs) or in
    a task, rather than at the next scheduled run."""
    if settings.GENERATION_INLINE:
        run_batches()
        return
    from django_q.tasks import async_task

    async_task(TASK, task_name="message batches", group="generation")


def run_batches() -> dict[str, int]:
    stored = poll_open()
    settled = sweep_orphans()
    sent = send_pending()
    for job in BatchJob.objects.active().batch_mode():
        job.finish_if_done()
    return {"stored": stored, "orphans": settled, "sent": sent}


# --- sending ---------------------------------------------------------------------------


def send_pending() -> int:
    """Send every active batch-mode job's pending, due conversations (split to stay under the
    API's limits per batch); return how many requests went out."""
    sent = 0
    for job in BatchJob.objects.active().batch_mode().by_priority():
        while (taken := _take(job)) is not None:
            batch, requests = taken
            if not _create(batch, requests):
                break  # refused or unanswered: the next run tries again
            sent += len(requests)
    return sent


def _take(job: BatchJob) -> tuple[MessageBatch, list[dict[str, Any]]] | None:
    """Commit, before any call, a `creating` batch holding the next conversations and an open
    attempt for each; None when there is nothing to send (or the budget cap paused the job)."""
    token = secrets.token_hex(8)
    chosen = _requests(job, token)
    if not chosen:
        return None
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in BatchJob.ACTIVE:
            return None
        chosen = chosen[: _affordable(job, len(chosen))]
        if not chosen:
            return None
        batch = MessageBatch.objects.create(batch_job=job, token=token)
        held = _hold([conversation for conversation, _ in chosen], batch)
        if not held:
            batch.delete()
            return None
        batch.request_count = len(held)
        batch.estimated_cost = attempts.per_call_estimate(job) * len(held)
        batch.save(update_fields=["request_count", "estimated_cost"])
        if job.status == BatchJob.Status.PENDING:
            job.start()
    return batch, [request for conversation, request in chosen if conversation.pk in held]


def _requests(job: BatchJob, token: str) -> list[tuple[Conversation, dict[str, Any]]]:
    """The next pending, due conversations with their requests, as many as one batch takes."""
    candidates = (
        job.conversations.pending()
        .due(timezone.now())
        .with_brief()[: settings.GENERATION_BATCH_MAX_REQUESTS]
    )
    chosen: list[tuple[Conversation, dict[str, Any]]] = []
    size = ENVELOPE_BYTES
    for conversation in candidates:
        custom = custom_id(token, conversation.pk)
        params = batch_params(request_for(conversation))
        grows = request_size(custom, params)
        if chosen and size + grows > settings.GENERATION_BATCH_MAX_BYTES:
            break
        size += grows
        chosen.append((conversation, {"custom_id": custom, "params": params}))
    return chosen


def _hold(conversations: list[Conversation], batch: MessageBatch) -> set[Any]:
    """Take the conversations still pending for the batch (one conditional UPDATE) and open
    their attempts; the ids taken."""
    ids = [conversation.pk for conversation in conversations]
    Conversation.objects.filter(pk__in=ids).hold_for_batch(batch.owner())
    held = dict(
        Conversation.objects.filter(pk__in=ids, lease_owner=batch.owner()).values_list(
            "pk", "attempts"
        )
    )
    GenerationAttempt.objects.bulk_create(
        GenerationAttempt(
            conversation_id=pk,
            number=number,
            worker=batch.owner(),
            message_batch=batch,
            sent_at=None,
        )
        for pk, number in held.items()
    )
    return set(held)


def _affordable(job: BatchJob, wanted: int) -> int:
    """How many more requests the budget cap leaves room for, counting what the job's open
    batches will cost; with no room, the job is paused with the reason."""
    if job.budget_cap is None:
        return wanted
    per_call = attempts.per_conversation_estimate(job)
    if per_call <= 0:
        return wanted
    waiting = GenerationAttempt.objects.filter(
        message_batch__batch_job=job, ended_at__isnull=True
    ).count()
    spent = job.actual_cost()
    room = int((job.budget_cap - spent - per_call * waiting) / per_call)
    if room > 0:
        return min(wanted, room)
    job.pause(
        f"Budget cap ${job.budget_cap:.2f} reached: ${spent:.4f} spent, {waiting} request(s) "
        f"in open batches (about ${per_call * waiting:.4f}). Raise the cap and resume."
    )
    return 0


def _create(batch: MessageBatch, requests: list[dict[str, Any]]) -> bool:
    """The one create call; True when the batch was made and recorded."""
    try:
        info = create_batch(requests)
    except ClaudeError as error:
        if error.kind in UNKNOWN_OUTCOME:
            # It may have been made: the orphan sweep settles it from the account's batches.
            MessageBatch.objects.filter(pk=batch.pk).update(error=str(error)[:2000])
            log.warning("Batch %s: no answer to its create call (%s)", batch.token, error)
            return False
        MessageBatch.objects.filter(pk=batch.pk, state=State.CREATING).update(
            state=State.REFUSED, error=str(error)[:2000]
        )
        log.warning("Batch %s refused: %s", batch.token, error)
        _give_back(batch, error)
        return False
    if not _record(batch, info):
        # The row was settled meanwhile (its conversations given back): this batch must not
        # be paid as well. Cannot happen while GENERATION_BATCH_ORPHAN_SECONDS exceeds the
        # call's timeout; cancelled at once should it ever.
        log.error("Batch %s made after its row was settled: cancelling it", info.id)
        try:
            cancel_batch(info.id)
        except ClaudeError as error:
            log.error("Batch %s could not be cancelled (%s): cancel it by hand", info.id, error)
        return False
    return True


def _record(batch: MessageBatch, info: BatchInfo) -> bool:
    """The batch's id, recorded only while the row still waits for it (conditional)."""
    now = timezone.now()
    recorded = MessageBatch.objects.filter(pk=batch.pk, state=State.CREATING).update(
        anthropic_id=info.id,
        state=_state_of(info),
        counts=info.counts,
        sent_at=now,
        error="",
    )
    if recorded:
        GenerationAttempt.objects.filter(message_batch=batch, sent_at__isnull=True).update(
            sent_at=now
        )
        batch.anthropic_id, batch.state = info.id, _state_of(info)
    return bool(recorded)


def _state_of(info: BatchInfo) -> str:
    return {ENDED: State.ENDED, "canceling": State.CANCELING}.get(info.status, State.IN_PROGRESS)


def _give_back(batch: MessageBatch, error: ClaudeError) -> int:
    """Close the batch's open attempts with `error` (nothing billed) and put their
    conversations back to pending, or fail them at the attempt limit, as a standard call's
    error would (storing.record_error)."""
    given = 0
    for attempt in _open_attempts(batch).values():
        storing.record_error(Claim(attempt.conversation, attempt, batch.owner()), error)
        given += 1
    return given


def _open_attempts(batch: MessageBatch) -> dict[Any, GenerationAttempt]:
    rows = GenerationAttempt.objects.filter(
        message_batch=batch, ended_at__isnull=True
    ).select_related("conversation__batch_job")
    return {attempt.conversation_id: attempt for attempt in rows}


# --- polling and storing -----------------------------------------------------------------


def poll_open() -> int:
    """Look at every open batch; store the results of those that ended. Returns how many
    results were stored."""
    stored = 0
    for batch in MessageBatch.objects.filter(state__in=MessageBatch.POLLED).select_related(
        "batch_job"
    ):
        try:
            stored += poll(batch)
        except ClaudeError as error:
            log.warning("Batch %s: %s; it is looked at again next time", batch, error)
            MessageBatch.objects.filter(pk=batch.pk).update(error=str(error)[:2000])
    return stored


def poll(batch: MessageBatch) -> int:
    job = batch.batch_job
    if batch.state == State.IN_PROGRESS and job.status in BatchJob.FINISHED:
        info = cancel_batch(batch.anthropic_id)  # the job was cancelled (or stopped)
    elif batch.state == State.ENDED:
        return store_results(batch)
    else:
        info = retrieve_batch(batch.anthropic_id)
    state = _state_of(info)
    MessageBatch.objects.filter(pk=batch.pk, state__in=MessageBatch.POLLED).update(
        state=state, counts=info.counts, ended_at=info.ended_at
    )
    batch.state = state
    return store_results(batch) if state == State.ENDED else 0


def store_results(batch: MessageBatch) -> int:
    """Store each result of an ended batch through the standard call's path, skipping those
    stored already; the batch is marked stored once every result was read."""
    job = batch.batch_job
    waiting = _open_attempts(batch)
    stored = 0
    try:
        for result in batch_results(batch.anthropic_id, job.max_tokens):
            stored += _store(batch, result, waiting)
    except ClaudeError as error:  # cut off: what was read is stored, the rest next time
        log.warning("Batch %s: %s; the rest is read again next time", batch, error)
        MessageBatch.objects.filter(pk=batch.pk).update(error=str(error)[:2000])
        return stored
    missing = ClaudeError("server", "the batch's results had no line for this request")
    for attempt in waiting.values():
        storing.record_error(Claim(attempt.conversation, attempt, batch.owner()), missing)
    MessageBatch.objects.filter(pk=batch.pk).update(state=State.STORED, stored_at=timezone.now())
    job.refresh_from_db(fields=["status"])
    if job.status in BatchJob.FINISHED:  # cancelled ones given back stay cancelled
        job.conversations.transition((Status.PENDING,), Status.CANCELLED)
    return stored


def _store(batch: MessageBatch, result: BatchResult, waiting: dict[Any, GenerationAttempt]) -> int:
    """One result through the standard call's path, unless its attempt was closed already;
    1 if it stored a conversation."""
    parsed = parse_custom_id(result.custom_id)
    if parsed is None or parsed[0] != batch.token:
        log.warning("Batch %s: result %r is not one of its requests", batch, result.custom_id)
        return 0
    attempt = waiting.pop(parsed[1], None)
    if attempt is None:
        return 0  # stored by an earlier poll whose stream was cut off
    claim = Claim(attempt.conversation, attempt, batch.owner())
    if result.reply is not None:
        return int(storing.store_reply(claim, result.reply).kept)
    if result.error is not None:
        storing.record_error(claim, result.error)
    return 0


def cancel_open(job: BatchJob) -> int:
    """Cancel the job's open batches now (a cancelled job's are otherwise cancelled at the
    next run); returns how many were asked to cancel."""
    asked = 0
    for batch in job.message_batches.filter(state=State.IN_PROGRESS):
        try:
            info = cancel_batch(batch.anthropic_id)
        except ClaudeError as error:
            log.warning("Batch %s not cancelled now (%s); the next run tries again", batch, error)
            continue
        MessageBatch.objects.filter(pk=batch.pk, state=State.IN_PROGRESS).update(
            state=_state_of(info), counts=info.counts
        )
        asked += 1
    return asked


# --- batches whose create call got no answer ------------------------------------------------


def sweep_orphans() -> int:
    """Settle `creating` batches older than GENERATION_BATCH_ORPHAN_SECONDS: adopt the batch
    their create call made, wait while one that may be theirs is processing, or give their
    conversations back when none can be. Returns how many were settled."""
    cutoff = timezone.now() - timedelta(seconds=settings.GENERATION_BATCH_ORPHAN_SECONDS)
    orphans = list(
        MessageBatch.objects.filter(state=State.CREATING, created_at__lte=cutoff).select_related(
            "batch_job"
        )
    )
    if not orphans:
        return 0
    since = min(orphan.created_at for orphan in orphans) - CLOCK_SLACK
    try:
        seen = list(list_batches(since))
    except ClaudeError as error:
        log.warning("Orphan batches not settled: the batches could not be listed (%s)", error)
        return 0
    known = set(
        MessageBatch.objects.filter(anthropic_id__in=[info.id for info in seen]).values_list(
            "anthropic_id", flat=True
        )
    )
    unknown = [info for info in seen if info.id not in known]
    return sum(_settle(orphan, unknown) for orphan in orphans)


def _settle(orphan: MessageBatch, unknown: list[BatchInfo]) -> bool:
    latest = orphan.created_at + timedelta(seconds=settings.CLAUDE_TIMEOUT_SECONDS) + CLOCK_SLACK
    candidates = [
        info
        for info in unknown
        if orphan.created_at - CLOCK_SLACK <= info.created_at <= latest
        and info.total == orphan.request_count
    ]
    waiting = False
    for info in candidates:
        if info.status != ENDED:
            waiting = True  # its results, and so its custom_ids, show once it ends
            continue
        try:
            first = first_custom_id(info.id)
        except ClaudeError as error:
            log.warning("Batch %s could not be looked at (%s)", info.id, error)
            waiting = True
            continue
        parsed = parse_custom_id(first or "")
        if parsed is not None and parsed[0] == orphan.token:
            log.warning("Batch %s adopted: its create call's answer was lost", info.id)
            if _record(orphan, info):
                unknown.remove(info)
                _poll_quietly(orphan)
            return True
    if waiting:
        return False
    abandoned = MessageBatch.objects.filter(pk=orphan.pk, state=State.CREATING).update(
        state=State.ABANDONED, error="No batch was made by its create call."
    )
    if abandoned:
        lost = ClaudeError(
            "connection",
            "the batch's create call got no answer and made no batch",
            retry_after=0.0,  # nothing reached the API: due again at once
        )
        _give_back(orphan, lost)
    return bool(abandoned)


def _poll_quietly(batch: MessageBatch) -> None:
    try:
        poll(batch)
    except ClaudeError as error:
        log.warning("Batch %s: %s; it is looked at again next time", batch, error)


def open_estimate(job: BatchJob) -> Decimal:
    """What the job's open batches are expected to cost still (their open requests)."""
    waiting = GenerationAttempt.objects.filter(
        message_batch__batch_job=job, ended_at__isnull=True
    ).count()
    return attempts.per_call_estimate(job) * waiting
