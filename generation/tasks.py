"""django-q2 tasks: module-level functions that take an id and may safely run twice."""

import logging
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from generation import claims, concurrency, journal, leases, limiter, prompts, storing
from generation.calls import ClaudeError, ConversationReply, ConversationRequest
from generation.claims import Claim
from generation.claude import write_conversation
from generation.dispatch import dispatch, inline_dispatching, sweep, take_next
from generation.models import Conversation, GenerationAttempt
from generation.querysets import reservation_expiry

log = logging.getLogger(__name__)
_calls: dict[str, Any] = {}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def generate_conversation(conversation_id: str, reserved_at: str | None = None) -> str:
    """Write one conversation with one Messages call, unless it is done or taken already (or
    was handed on to another worker since `reserved_at`: this task came too late); then go on
    with the next one a job has room for while the task has time left: the one taken in the
    same transaction that stored the reply, or else one reserved with take_next."""
    try:
        return _generate(conversation_id, reserved_at)
    except journal.UNREACHABLE as error:
        journal.note_unreachable()
        # Nothing received is lost (a reply in hand went to the journal); what this task
        # claimed comes back when its lease runs out, and the sweep hands the work out again.
        log.warning(
            "Task for conversation %s ends: %s", conversation_id, journal.unreachable_message(error)
        )
        return "database unreachable"


def _generate(conversation_id: str, reserved_at: str | None) -> str:
    began = time.monotonic()

    def time_left() -> bool:
        return time.monotonic() - began < settings.GENERATION_CONTINUE_SECONDS

    first, stored = _write(conversation_id, time_left(), reserved_at)
    if first == "completed":
        dispatch()  # the job's first reply may have warmed its prompt cache: fan out now
    while True:
        if stored is not None and stored.successor is not None:
            _, stored = _go_on(stored.successor, stored.completed, time_left())
            continue
        next_id = take_next() if time_left() else None
        if next_id is None:
            break
        outcome, stored = _write(next_id, time_left())
        if outcome == "skipped":
            break
    dispatch()
    return first


def _write(
    conversation_id: str, go_on: bool, reserved_at: str | None = None
) -> tuple[str, storing.Stored | None]:
    """Claim a pending conversation and write it; with `go_on`, also take the next one."""
    conversation = _pending(conversation_id)
    if conversation is None or _handed_on(conversation, reserved_at):
        return "skipped", None
    request = request_for(conversation)
    _sit_out_backoff(conversation)
    claim = claims.claim(conversation, worker_name())
    if claim is None:
        return "skipped", None
    return _call(claim, request, go_on)


def _handed_on(conversation: Conversation, reserved_at: str | None) -> bool:
    """True if the conversation was reserved again, for another task, after this task's
    reservation ran out: that task writes it; this one leaves it alone."""
    if reserved_at is None or conversation.dispatched_at is None:
        return False
    return (
        conversation.dispatched_at != parse_datetime(reserved_at)
        and conversation.dispatched_at > reservation_expiry()
    )


def _go_on(
    successor: Claim, completed: Conversation | None, go_on: bool
) -> tuple[str, storing.Stored | None]:
    """Write the conversation taken when the last reply was stored (due now: only the shared
    rate-limit window can make it wait); the stored one (`completed`) is announced during
    the call."""
    request = request_for(successor.conversation)
    _sit_out_backoff(successor.conversation)
    return _call(successor, request, go_on, meanwhile=completed)


def _call(
    claim: Claim, request: ConversationRequest, go_on: bool, meanwhile: Conversation | None = None
) -> tuple[str, storing.Stored | None]:
    """The one Messages call for a claimed conversation, and what became of it; with `go_on`
    (and a reply stored), the conversation this worker took next in the freed slot. A stored
    conversation given as `meanwhile` is announced (checked) while the call is in flight."""
    numbered = replace(request, attempt=claim.attempt.number)
    try:
        with leases.held(claim.conversation.pk, claim.owner):
            _wait_for_window(claim, request)
            sent_at = timezone.now()
            reply = _calling(numbered, meanwhile)
    except ClaudeError as error:
        outcome = journal.with_fresh_connection(
            partial(storing.record_error, claim, error),
            f"recording an error for conversation {claim.conversation.pk}",
        )
        log.info("Conversation %s: %s (%s)", claim.conversation.pk, outcome, error.kind)
        if error.kind in concurrency.THROTTLED:
            _narrow_width(claim, error)
        return outcome, None
    stored = journal.store_or_hold(claim, reply, go_on and not inline_dispatching())
    if stored is None:
        return "held", None
    limiter.learn_or_skip(request.model, reply.rate_limits, sent_at, reply.usage.output_tokens)
    _adjust_width(claim, request, reply.throttles)
    return ("completed" if stored.kept else "discarded"), stored


def _adjust_width(
    claim: Claim, request: ConversationRequest, throttles: tuple[float | None, ...]
) -> None:
    """An auto-concurrency job's width after a stored reply: halved if the SDK had to retry
    a 429/529 to get it, else perhaps widened; skipped, not fatal, without a database."""
    if not claim.conversation.batch_job.concurrency_auto:
        return
    job_id = claim.conversation.batch_job_id
    try:
        if throttles:
            retry_after = max(wait or 0.0 for wait in throttles)
            concurrency.throttled(job_id, retry_after, "429/529 retried before the reply")
            return
        input_tokens, output_tokens = expected_tokens(claim.conversation, request)
        others = Conversation.objects.filter(batch_job_id=job_id).in_flight().count()
        concurrency.answered(job_id, request.model, input_tokens, output_tokens, others)
    except journal.UNREACHABLE:
        log.info("Concurrency not adjusted: the database is unreachable")


def _narrow_width(claim: Claim, error: ClaudeError) -> None:
    if not claim.conversation.batch_job.concurrency_auto:
        return
    try:
        concurrency.throttled(claim.conversation.batch_job_id, error.retry_after, error.kind)
    except journal.UNREACHABLE:
        log.info("Concurrency not adjusted: the database is unreachable")


def _calling(request: ConversationRequest, meanwhile: Conversation | None) -> ConversationReply:
    """Make the call; with a conversation to announce, make it on this process's call thread
    and announce the conversation here while the call waits for its answer."""
    if meanwhile is None:
        return write_conversation(request)
    call = _call_thread().submit(write_conversation, request)
    try:
        storing.announce(meanwhile)
    finally:
        reply = call.result()  # the call is paid for: it is waited for whatever happened here
    return reply


def _call_thread() -> ThreadPoolExecutor:
    """One thread per worker process for its calls (made again in a forked child)."""
    pid = os.getpid()
    if _calls.get("pid") != pid:
        _calls.update(pid=pid, executor=ThreadPoolExecutor(1, thread_name_prefix="claude-call"))
    return _calls["executor"]


def _pending(conversation_id: str) -> Conversation | None:
    return Conversation.objects.pending().with_brief().filter(pk=conversation_id).order_by().first()


def request_for(conversation: Conversation) -> ConversationRequest:
    """The Messages request for a conversation: its job's system prompt and its own brief."""
    job = conversation.batch_job
    return ConversationRequest(
        conversation_id=str(conversation.pk),
        model=job.model,
        max_tokens=job.max_tokens,
        system=prompts.request_system(job, conversation),
        prompt=prompts.user_prompt(conversation),
    )


def expected_tokens(conversation: Conversation, request: ConversationRequest) -> tuple[int, int]:
    """The input and output tokens a call is expected to take from the rate-limit window."""
    return (
        prompts.tokens_in(request.system) + prompts.tokens_in(request.prompt),
        conversation.parameters["turn_count"] * settings.EXPECTED_OUTPUT_TOKENS_PER_TURN,
    )


def _sit_out_backoff(conversation: Conversation) -> None:
    """Wait for a retry's backoff, up to a bound, before claiming: no slot is held for it."""
    if conversation.not_before:
        delay = (conversation.not_before - timezone.now()).total_seconds()
        delay = min(delay, settings.GENERATION_MAX_BACKOFF_SECONDS)
        if delay > 0:
            time.sleep(delay)


def _wait_for_window(claim: Claim, request: ConversationRequest) -> None:
    """Once claimed (its lease held), wait until the shared rate-limit window can take the
    call, up to a bound. When the window is a bucket the limiter reasons about, the attempt
    is marked unsent while it waits and sent when it goes: workers claimed after it count it
    as going first (limiter._pending), so a crowd leaves one by one as the window refills;
    the window is looked at again after each wait, as replies move it meanwhile."""
    budget = settings.GENERATION_MAX_BACKOFF_SECONDS
    sizes = expected_tokens(claim.conversation, request)
    attempt = GenerationAttempt.objects.filter(pk=claim.attempt.pk)
    waited, tracked = 0.0, False
    while waited < budget:
        delay, bucket = limiter.wait_for_call(request.model, *sizes, attempt=claim.attempt.pk)
        tracked = tracked or bucket
        delay = min(delay, budget - waited)
        if delay <= 0.001:
            break
        if not waited and tracked:
            attempt.update(sent_at=None)
        time.sleep(delay)
        waited += delay
    if tracked:
        attempt.update(sent_at=timezone.now())


def prepare_worker(**kwargs: object) -> None:
    """django-q2's post_spawn, in each new worker: open the database connection and render the
    current system prompt now, while the worker is idle, not during its first conversation."""
    leases.start_heartbeat(sweeping=True)
    try:
        journal.replay()  # replies a killed worker held
        prompts.current_system_prompt()
    except Exception:  # nothing seeded yet, or the database is down: the first task will say
        log.debug("Worker warm-up skipped", exc_info=True)


def sweep_generation() -> dict[str, int]:
    """Scheduled every minute: return lost conversations and fill free slots."""
    return sweep()


def run_batches() -> dict[str, int]:
    """Scheduled every minute (and queued when a batch-mode job is submitted or resumed):
    store ended Message Batches, settle lost create calls, send pending conversations."""
    from generation.batches import run_batches as run

    return run()
