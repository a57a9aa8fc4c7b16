"""The judge's call on a stored conversation: claimed, paid and stored once, like generation's.

When a conversation of a job with a judge is stored, its JudgeVerdict row is created pending
and a task is queued (run inline with GENERATION_INLINE). The task claims the row with a
conditional UPDATE (pending -> judging, the attempt count in the WHERE, a lease), records a
GenerationAttempt of kind "judge" before the call, and afterwards closes the attempt, stores
the verdict and releases the claim in one transaction; the call's cost is added to the
conversation's, so the job's actual cost, its budget cap and its figures count it. A second
task for the same row finds it taken or done and does nothing: nothing is paid twice.

The claim's lease (JUDGE_LEASE_SECONDS, as short as a conversation's) is renewed by the
worker's heartbeat (generation/leases.py) while the call is in flight, so a lease that ran out
means the worker died: any live worker's heartbeat, or the per-minute sweep, charges the open
attempt at the verdict's estimate (marked estimated) and puts the row back to pending, to be
judged again within about a lease.
A verdict that arrives while the database cannot take it is stored again on a fresh
connection for up to GENERATION_STORE_RETRY_SECONDS, then held in the reply journal
(generation/journal.py, kind "judge") and stored from there when the database is back, by
the heartbeats and the sweeps, which replay the journal before they return any lease: a
verdict held is never asked for again. Its claim may have been returned meanwhile (still
pending at the same attempt): it is stored all the same, and its attempt keeps the real cost.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from generation import attempts, journal, leases, limiter
from generation.calls import ClaudeError, JudgeReply, JudgeRequest, Usage
from generation.claude import judge_conversation
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.pricing import cost_of
from generation.prompts import tokens_in
from review.judge_prompt import judge_request
from review.models import JudgeVerdict

log = logging.getLogger(__name__)
Status = JudgeVerdict.Status
TASK = "review.judging.judge"
LEASE_KIND = "judge"


@dataclass(frozen=True)
class JudgeClaim:
    verdict: JudgeVerdict
    attempt: GenerationAttempt
    owner: str


# --- asking for a verdict ----------------------------------------------------------------


def judge_completed(sender: Any, conversation_id: Any, **kwargs: Any) -> None:
    """Receiver of generation's conversation_completed signal: queue the judge's call."""
    stored = kwargs.get("conversation")
    if (
        stored is not None
        and Conversation.batch_job.is_cached(stored)
        and not stored.batch_job.judge_model
    ):
        return  # the job has no judge: not a query more per conversation
    verdict = open_verdict(conversation_id)
    if verdict is not None:
        transaction.on_commit(lambda: queue(verdict.pk))


def open_verdict(conversation_id: Any) -> JudgeVerdict | None:
    """The conversation's verdict row, created pending if its job has a judge; idempotent."""
    conversation = (
        Conversation.objects.completed()
        .filter(pk=conversation_id, batch_job__judge_model__gt="")
        .only("pk")
        .first()
    )
    if conversation is None:
        return None
    verdict, _ = JudgeVerdict.objects.get_or_create(conversation=conversation)
    return verdict if verdict.status == Status.PENDING else None


def queue(verdict_id: Any) -> None:
    JudgeVerdict.objects.filter(pk=verdict_id).update(dispatched_at=timezone.now())
    if settings.GENERATION_INLINE:
        judge(str(verdict_id))
        return
    from django_q.tasks import async_task

    async_task(TASK, str(verdict_id), task_name=f"judge {verdict_id}", group="judge")


# --- the task ----------------------------------------------------------------------------


def judge(verdict_id: str) -> str:
    """Claim the verdict and make its call, again after a retryable error, up to
    JUDGE_MAX_ATTEMPTS; return what became of it ("done", "failed", "skipped", ...)."""
    from generation.tasks import worker_name

    outcome = "retry"
    while outcome == "retry":
        claim = claim_verdict(verdict_id, worker_name())
        if claim is None:
            return "skipped"
        with leases.held(claim.verdict.pk, claim.owner, kind=LEASE_KIND):
            outcome = _call(claim)
    return outcome


def _call(claim: JudgeClaim) -> str:
    """The claimed verdict's one call, and what became of it (stored on a fresh connection
    while the database cannot take it)."""
    request = judge_request(claim.verdict.conversation, claim.verdict.attempts)
    _wait_for_window(request)
    try:
        reply = judge_conversation(request)
    except ClaudeError as error:
        outcome = journal.with_fresh_connection(
            partial(record_error, claim, error, request.model), _storing(claim)
        )
        if outcome == "retry" and error.retry_after:
            time.sleep(min(error.retry_after, settings.GENERATION_MAX_BACKOFF_SECONDS))
        return outcome
    try:
        stored = journal.with_fresh_connection(
            partial(store_verdict, claim, reply), _storing(claim)
        )
    except journal.UNREACHABLE as error:
        journal.note_unreachable()
        path = hold(claim, reply)
        log.warning(
            "The database is unreachable (%s): the judge's verdict on conversation %s is held "
            "in %s and will be stored when the database is back",
            journal.first_line(error),
            claim.verdict.conversation_id,
            path,
        )
        return "held"
    limiter.learn_or_skip(request.model, reply.rate_limits)
    return stored


def _storing(claim: JudgeClaim) -> str:
    return f"storing the judge's verdict on conversation {claim.verdict.conversation_id}"


def _wait_for_window(request: JudgeRequest) -> None:
    """Sit out the judge model's shared rate-limit window (generation/limiter.py), up to a
    bound, as a generation call does."""
    delay = limiter.wait_seconds(
        request.model,
        tokens_in(request.system) + tokens_in(request.prompt),
        settings.JUDGE_EXPECTED_OUTPUT_TOKENS,
    )
    if delay > 0:
        time.sleep(min(delay, settings.GENERATION_MAX_BACKOFF_SECONDS))


def claim_verdict(verdict_id: Any, owner: str) -> JudgeClaim | None:
    """Take a pending verdict for `owner`, or None if it is not ours to take. Past the job's
    budget cap the call is not made: the verdict is skipped with the reason."""
    verdict = (
        JudgeVerdict.objects.select_related(
            "conversation__batch_job",
            "conversation__persona",
            "conversation__emotional_arc",
            "conversation__training_topic",
            "conversation__edge_case",
            "conversation__chunk__document",
        )
        .filter(pk=verdict_id, status=Status.PENDING)
        .first()
    )
    if verdict is None:
        return None
    estimate = request_estimate(verdict)
    if not _affordable(verdict.conversation.batch_job, estimate):
        _end(verdict, Status.SKIPPED, "Not judged: the job's budget cap would be passed.")
        return None
    changes = {
        "status": Status.JUDGING,
        "attempts": verdict.attempts + 1,
        "lease_owner": owner,
        "lease_expires_at": timezone.now() + timedelta(seconds=settings.JUDGE_LEASE_SECONDS),
        "estimate": estimate,
    }
    taken = JudgeVerdict.objects.filter(
        pk=verdict.pk, status=Status.PENDING, attempts=verdict.attempts
    ).update(**changes)
    if not taken:
        return None
    for name, value in changes.items():
        setattr(verdict, name, value)
    attempt = GenerationAttempt.objects.create(
        conversation_id=verdict.conversation_id,
        number=verdict.attempts,
        worker=owner,
        kind=GenerationAttempt.Kind.JUDGE,
    )
    return JudgeClaim(verdict=verdict, attempt=attempt, owner=owner)


def request_estimate(verdict: JudgeVerdict) -> Decimal:
    """What the call is expected to cost: its prompt in, an expected verdict out."""
    request = judge_request(verdict.conversation)
    usage = Usage(
        input_tokens=tokens_in(request.system) + tokens_in(request.prompt),
        output_tokens=settings.JUDGE_EXPECTED_OUTPUT_TOKENS,
    )
    return cost_of(usage, request.model)


def _affordable(job: BatchJob, estimate: Decimal) -> bool:
    return job.budget_cap is None or job.actual_cost() + estimate <= job.budget_cap


# --- storing what the call gave ------------------------------------------------------------


def store_verdict(claim: JudgeClaim, reply: JudgeReply, held: bool = False) -> str:
    """Close the attempt, store the verdict and release the claim, in one transaction; the
    cost goes on the conversation even if the claim was lost meanwhile. A verdict that
    counts is then fed to the conversation's checks and quality score. A verdict `held` in
    the journal is stored also if its claim was returned and not taken again since."""
    cost = cost_of(reply.usage, reply.model)
    document = reply.document
    with transaction.atomic():
        _charge(claim, "ok", reply.usage, cost, reply.request_id or "", "")
        stored = _held(claim, returned_too=held).update(
            status=Status.DONE,
            model=reply.model,
            source=reply.source,
            heuristic=reply.source == "offline_emulator",
            checklist=document["checklist"],
            defects=document["defects"],
            summary=document["summary"],
            input_tokens=F("input_tokens") + reply.usage.input_tokens,
            output_tokens=F("output_tokens") + reply.usage.output_tokens,
            cache_write_tokens=F("cache_write_tokens") + reply.usage.cache_write_tokens,
            cache_read_tokens=F("cache_read_tokens") + reply.usage.cache_read_tokens,
            request_id=(reply.request_id or "")[:120],
            error="",
            lease_owner="",
            lease_expires_at=None,
            judged_at=timezone.now(),
        )
    if not stored:
        log.warning("Judge of %s: the claim was lost; verdict discarded", claim.verdict.pk)
        return "discarded"
    if reply.source != "offline_emulator":
        _recheck(claim.verdict.conversation_id)
    return "done"


def record_error(claim: JudgeClaim, error: ClaudeError, model: str) -> str:
    """Charge what the failed call cost; put the verdict back for another try, or fail it
    with the reason after JUDGE_MAX_ATTEMPTS (or at once for a permanent error)."""
    cost = cost_of(error.usage, model)
    last = error.permanent or claim.verdict.attempts >= settings.JUDGE_MAX_ATTEMPTS
    with transaction.atomic():
        _charge(claim, error.kind, error.usage, cost, error.request_id or "", str(error))
        if last:
            reason = f"{error} (after {claim.verdict.attempts} attempt(s))"
            _held(claim).update(
                status=Status.FAILED,
                error=reason[:2000],
                lease_owner="",
                lease_expires_at=None,
                judged_at=timezone.now(),
            )
        else:
            _held(claim).update(
                status=Status.PENDING,
                error=str(error)[:2000],
                lease_owner="",
                lease_expires_at=None,
            )
    log.info("Judge of %s: %s (%s)", claim.verdict.conversation_id, error.kind, error)
    return "failed" if last else "retry"


def _charge(
    claim: JudgeClaim, outcome: str, usage: Usage, cost: Decimal, request_id: str, error: str
) -> None:
    """Close the attempt; add its cost (less an estimate the sweep had charged) to the
    verdict's and the conversation's, whether or not the claim still holds."""
    replaced = attempts.close(claim.attempt, outcome, usage, cost, request_id, error)
    if replaced is not None:  # None: this outcome was recorded already, and its cost
        _add_cost(claim.verdict, cost - replaced)


def _add_cost(verdict: JudgeVerdict, cost: Decimal) -> None:
    JudgeVerdict.objects.filter(pk=verdict.pk).update(cost=F("cost") + cost)
    Conversation.objects.filter(pk=verdict.conversation_id).update(cost=F("cost") + cost)


def _held(claim: JudgeClaim, returned_too: bool = False) -> Any:
    """The verdict, while this claim still holds it (or, `returned_too`, while its returned
    claim waits, pending at the same attempt, for another worker)."""
    held = Q(status=Status.JUDGING, lease_owner=claim.owner)
    if returned_too:
        held |= Q(status=Status.PENDING)
    return JudgeVerdict.objects.filter(held, pk=claim.verdict.pk, attempts=claim.verdict.attempts)


# --- the journal ---------------------------------------------------------------------------


def hold(claim: JudgeClaim, reply: JudgeReply) -> Any:
    """Write the verdict to the reply journal (generation/journal.py), kind "judge"."""
    held = journal.entry(LEASE_KIND, claim.attempt, claim.owner, reply)
    held["verdict"] = str(claim.verdict.pk)
    return journal.write_entry(f"judge-{claim.verdict.pk}-{claim.attempt.pk}", held)


def store_held(entry: dict[str, Any]) -> None:
    """Store a verdict held in the journal (idempotent: a stored one is not charged again)."""
    verdict = JudgeVerdict.objects.filter(pk=entry["verdict"]).first()
    attempt = GenerationAttempt.objects.filter(pk=entry["attempt"]).first()
    if verdict is None or attempt is None:
        log.warning("Journal: judge verdict %s no longer exists; dropped", entry["verdict"])
        return
    verdict.attempts = entry["attempt_number"]
    data = entry["reply"]
    reply = JudgeReply(**{**data, "usage": Usage(**data["usage"])})
    store_verdict(JudgeClaim(verdict, attempt, entry["owner"]), reply, held=True)


journal.register(LEASE_KIND, store_held)


def _end(verdict: JudgeVerdict, status: str, reason: str) -> None:
    JudgeVerdict.objects.filter(pk=verdict.pk, status=Status.PENDING).update(
        status=status, error=reason, judged_at=timezone.now()
    )


def _recheck(conversation_id: Any) -> None:
    """Check the conversation again now that its model's verdict is stored: the verdict feeds
    its score, and a hard defect it quotes from the text fails it (judgeDefects), so a
    release that keeps what passed leaves it out."""
    from review.validation import check, completed

    conversation = completed().filter(pk=conversation_id).first()
    if conversation is not None:
        check(conversation)


# --- the sweep -----------------------------------------------------------------------------


def sweep_judging() -> dict[str, int]:
    """Scheduled every minute: return verdicts whose worker died (their open attempt charged
    at the estimate) and queue pending ones whose task was lost (queued longer ago than a
    call's longest time: a task still waiting in a long queue is not queued twice)."""
    journal.replay()  # a verdict held there is stored, not asked for again
    returned = expire_judge_leases()
    opened = open_missing_verdicts()
    stale = timezone.now() - timedelta(seconds=_requeue_seconds())
    waiting = list(
        JudgeVerdict.objects.filter(status=Status.PENDING)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))
        .values_list("pk", flat=True)[:500]
    )
    for verdict_id in waiting:
        queue(verdict_id)
    return {"returned": returned, "opened": opened, "queued": len(waiting)}


def open_missing_verdicts(limit: int = 500) -> int:
    """Open the verdict of each judged job's conversation stored a lease ago or more and never
    announced (its worker died between storing it and telling the later stages), so it is
    judged too; the sweep then queues it."""
    since = timezone.now() - timedelta(seconds=settings.JUDGE_LEASE_SECONDS)
    missing = list(
        Conversation.objects.completed()
        .filter(batch_job__judge_model__gt="", judge_verdict__isnull=True, completed_at__lt=since)
        .values_list("pk", flat=True)[:limit]
    )
    return sum(open_verdict(pk) is not None for pk in missing)


def _requeue_seconds() -> float:
    """How long a pending verdict's task may go unstarted before it is queued again. With no
    task waiting in the broker, a lease: the task was taken by a worker that died before it
    claimed the verdict. Else a call's longest time: the task may still be waiting its turn
    behind a long job's (a second task would only find the verdict taken, but a sweep each
    minute would add hundreds of them to the queue)."""
    from generation.dispatch import queued_tasks

    if not settings.GENERATION_INLINE and queued_tasks() == 0:
        return float(settings.JUDGE_LEASE_SECONDS)
    return float(settings.GENERATION_CALL_SECONDS + 60)


def sweep_judging_if_due() -> None:
    """From a worker's heartbeat: as soon as a judge lease has run out (a dead worker's), return
    its verdict and queue it, not only at the minute's scheduled sweep."""
    if JudgeVerdict.objects.filter(
        status=Status.JUDGING, lease_expires_at__lt=timezone.now()
    ).exists():
        sweep_judging()


def renew_verdicts(claims: dict[str, str]) -> int:
    """Push the leases of these verdict claims (id -> owner) one lease ahead, where the owner
    still holds them; return how many were renewed."""
    expires = timezone.now() + timedelta(seconds=settings.JUDGE_LEASE_SECONDS)
    return JudgeVerdict.objects.filter(
        pk__in=list(claims), status=Status.JUDGING, lease_owner__in=set(claims.values())
    ).update(lease_expires_at=expires)


leases.register(LEASE_KIND, renew_verdicts, sweep_judging_if_due)


def expire_judge_leases() -> int:
    """Return verdicts whose lease ran out; just after the database was unreachable a lease
    gets one more lease's time (journal.outage_grace), as a conversation's does."""
    from generation import journal

    now = timezone.now() - timedelta(seconds=journal.outage_grace())
    returned = 0
    lost = JudgeVerdict.objects.filter(status=Status.JUDGING, lease_expires_at__lt=now)
    for verdict in lost.only("pk", "conversation_id", "attempts", "estimate"):
        with transaction.atomic():
            back = JudgeVerdict.objects.filter(
                pk=verdict.pk, status=Status.JUDGING, lease_expires_at__lt=now
            ).update(
                status=Status.PENDING,
                lease_owner="",
                lease_expires_at=None,
                dispatched_at=None,
                error=attempts.LOST,
            )
            if back:
                _charge_lost(verdict)
                returned += 1
    return returned


def _charge_lost(verdict: JudgeVerdict) -> None:
    closed = GenerationAttempt.objects.filter(
        conversation_id=verdict.conversation_id,
        kind=GenerationAttempt.Kind.JUDGE,
        number=verdict.attempts,
        ended_at__isnull=True,
    ).update(
        ended_at=timezone.now(),
        outcome="lost",
        error=attempts.LOST,
        cost=verdict.estimate,
        cost_estimated=True,
    )
    if closed:
        _add_cost(verdict, verdict.estimate)
