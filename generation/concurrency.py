"""Automatic concurrency: a job's width grows to what the account's rate limits allow.

A job in auto mode (`concurrency_auto`) starts at a width of START and this module moves its
`concurrency`, the live width that dispatch and claims already respect, never above its
`concurrency_ceiling`:
- additive increase: after a call answered without a 429 or 529, when the job is using its
  whole width and the learnt rate-limit window (limiter.py) has room for two more calls'
  expected tokens beyond the calls already sent, the call earns a credit; a width's worth
  of credits (one per call in flight, about one round of calls) adds one. Until the first
  429/529 each such call adds one (slow start, as TCP: the width doubles per round of
  calls), since the window's room, not a loss, is what stops the growth;
- multiplicative decrease: a 429 or 529 (answered to the call, or retried by the SDK before
  it succeeded) halves the width, at least 1, and holds it from halving again for the
  retry-after or the rate-limit window, whichever is longer, so a burst of 429s from one
  overload halves it once.
Every change is one conditional UPDATE on the value read (never a read-modify-write), so
workers deciding at once cannot race it: one wins, the others' UPDATEs match no row.
"""

import logging
import uuid
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from generation import limiter
from generation.models import BatchJob

log = logging.getLogger(__name__)
START = 2
THROTTLED = frozenset({"rate_limited", "overloaded"})


def answered(
    job_id: uuid.UUID | str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    others_in_flight: int,
) -> int | None:
    """After a call answered without a 429/529: earn a credit if the width is used (the job's
    other calls in flight, this one excluded, fill the rest of it) and the window has room,
    and widen by one once a width's worth is earned. Returns the new width when it changed."""
    job = _auto_job(job_id)
    if job is None or job.concurrency >= _ceiling(job):
        return None
    if others_in_flight + 1 < job.concurrency:  # the width is not all used: no need for more
        return None
    if limiter.room(model, input_tokens, output_tokens) is False:  # None: nothing learnt
        return None
    slow_start = job.concurrency_hold_until is None  # never throttled yet: +1 per call
    if not slow_start and job.concurrency_credit + 1 < job.concurrency:
        BatchJob.objects.filter(pk=job.pk, concurrency=job.concurrency).update(
            concurrency_credit=F("concurrency_credit") + 1
        )
        return None
    width = job.concurrency + 1
    changed = BatchJob.objects.filter(
        pk=job.pk,
        concurrency_auto=True,
        concurrency=job.concurrency,
        concurrency_credit=job.concurrency_credit,
    ).update(concurrency=width, concurrency_credit=0)
    if not changed:
        return None
    log.info(
        "Job %s: concurrency %d -> %d (calls succeed, the window has room)",
        job.pk,
        job.concurrency,
        width,
    )
    return width


def throttled(job_id: uuid.UUID | str, retry_after: float | None, what: str) -> int | None:
    """A 429 or 529 (`what` says which) for one of the job's calls: halve the width unless
    it was halved within the hold. Returns the new width when it changed."""
    job = _auto_job(job_id)
    if job is None:
        return None
    now = timezone.now()
    if job.concurrency_hold_until is not None and job.concurrency_hold_until > now:
        return None
    width = max(1, job.concurrency // 2)
    hold = max(retry_after or 0.0, limiter.window_seconds())
    changed = (
        BatchJob.objects.filter(pk=job.pk, concurrency_auto=True, concurrency=job.concurrency)
        .filter(Q(concurrency_hold_until__isnull=True) | Q(concurrency_hold_until__lte=now))
        .update(
            concurrency=width,
            concurrency_credit=0,
            concurrency_hold_until=now + timedelta(seconds=hold),
        )
    )
    if not changed:
        return None
    if width != job.concurrency:
        log.info(
            "Job %s: concurrency %d -> %d (%s; no further halving for %.1f s)",
            job.pk,
            job.concurrency,
            width,
            what,
            hold,
        )
    return width


def _auto_job(job_id: uuid.UUID | str) -> BatchJob | None:
    return (
        BatchJob.objects.filter(pk=job_id, concurrency_auto=True)
        .only("concurrency", "concurrency_ceiling", "concurrency_credit", "concurrency_hold_until")
        .first()
    )


def _ceiling(job: BatchJob) -> int:
    from generation.submission import MAX_CONCURRENCY

    return job.concurrency_ceiling or MAX_CONCURRENCY
