"""Storing what a Messages call returned: the reply (completing the conversation and, in the
same transaction, taking the job's next one for the same worker), or the error (a retry
later, a failure, or the job paused); the call's cost is recorded either way."""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from generation import attempts
from generation.calls import ClaudeError, ConversationReply
from generation.claims import Claim, begin_attempt, successor
from generation.examples import shown_to
from generation.models import BatchJob, Conversation
from generation.pricing import cost_of
from generation.signals import conversation_completed

log = logging.getLogger(__name__)
Status = Conversation.Status


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


def store_reply(claim: Claim, reply: ConversationReply, then_claim_next: bool = False) -> Stored:
    """Complete the conversation with `reply` (unless it was already finished elsewhere), and,
    with `then_claim_next`, take the job's next conversation in the same transaction. Without
    a successor the stored conversation is announced (checked) before the job can be marked
    completed, so a completed job's conversations are all checked. Safe to repeat: a reply
    stored already (an earlier try committed but its answer was lost with the connection, or
    a journal entry replayed twice) is neither stored nor charged again."""
    cost = cost_of(reply.usage, reply.model, reply.batch)
    job = claim.conversation.batch_job
    following = None
    with transaction.atomic():
        replaced = attempts.close(
            claim.attempt, "ok", reply.usage, cost, reply.request_id or "", ""
        )
        if replaced is None:  # stored before; the scheduled check_unchecked checks it
            return _stored_before(job)
        stored = _complete(claim, reply, cost - replaced)
        if not stored:
            attempts.charge_only(claim.conversation.pk, reply.usage, cost - replaced)
            log.warning(
                "Conversation %s was already finished; reply discarded", claim.conversation.pk
            )
        elif then_claim_next:
            following = successor(job, claim.owner)
    taken = begin_attempt(following, claim.owner) if following else None
    completed = None
    if stored:
        completed = claim.conversation
        completed.status, completed.turns = Status.COMPLETED, reply.turns
        completed.source, completed.model = reply.source, reply.model
        completed.prompt_template_id = job.prompt_template_id
        completed.consultant_profile_id = job.consultant_profile_id
        if taken is None:
            announce(completed)
    if taken is None:
        # After the commit, not inside it: two workers storing a job's last two conversations
        # at once would each still see the other's as generating, and neither would end the job.
        job.finish_if_done()
    return Stored(kept=bool(stored), successor=taken, completed=completed)


def _stored_before(job: BatchJob) -> Stored:
    transaction.on_commit(job.finish_if_done)
    return Stored(kept=True)


def _complete(claim: Claim, reply: ConversationReply, cost: Decimal) -> int:
    """The conversation completed with the reply, unless it was finished elsewhere."""
    job = claim.conversation.batch_job
    return claim.conversation.complete(
        {
            "turns": reply.turns,
            "source": reply.source,
            "model": reply.model,
            "prompt_template_id": job.prompt_template_id,
            "consultant_profile_id": job.consultant_profile_id,
            "examples_seen": [e["conversation"] for e in shown_to(job, claim.conversation)],
            **attempts.usage_increments(reply.usage, cost),
        }
    )


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
    cost = cost_of(error.usage, model, error.batch)
    job = BatchJob.objects.get(pk=claim.conversation.batch_job_id)
    with transaction.atomic():
        replaced = attempts.close(
            claim.attempt, error.kind, error.usage, cost, error.request_id or "", str(error)
        )
        if replaced is None:  # recorded by an earlier try whose answer was lost
            return "recorded"
        attempts.charge_only(claim.conversation.pk, error.usage, cost - replaced)
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


def _backoff(claim: Claim, error: ClaudeError) -> datetime:
    if error.retry_after is not None:
        delay = error.retry_after
    else:  # exponential with jitter: 2, 4, 8 ... seconds, capped at a minute
        delay = min(60.0, 2.0**claim.conversation.attempts) * random.uniform(0.5, 1.0)
    return timezone.now() + timedelta(seconds=delay)


def _release(claim: Claim, reason: str, not_before: datetime | None) -> str:
    claim.conversation.retry_later(reason, not_before)
    return "retry"


def _fail(claim: Claim, error: ClaudeError) -> str:
    claim.conversation.fail(f"{error} (after {claim.conversation.attempts} attempt(s))")
    return "failed"
