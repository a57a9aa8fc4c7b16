"""A batch job's status in the spec's shape (the API's and batch_status's answer)."""

from datetime import timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.prompts import prefix_lines
from generation.signals import job_cost_figures


def job_status(job: BatchJob) -> dict[str, Any]:
    counts = job.progress()
    status: dict[str, Any] = {
        "jobId": str(job.pk),
        "name": job.name,
        "status": job.status,
        "mode": job.mode,
        "batches": batches_of(job),
        "statusReason": job.status_reason,
        "judgeModel": job.judge_model,
        "progress": {
            "total": counts["total"],
            "completed": counts["completed"],
            "failed": counts["failed"],
            # Live claims and open batches' requests only; a dead worker's conversation
            # waits to be taken up again.
            "inProgress": counts["live"] + counts["batched"],
            "pending": counts["pending"]
            + counts["generating"]
            - counts["live"]
            - counts["batched"],
            "cancelled": counts["cancelled"],
        },
        "timing": _timing(job, counts),
        "cost": {
            "estimatedTotal": float(job.estimated_cost),
            "actualCurrent": float(job.actual_cost()),
            "budgetCap": float(job.budget_cap) if job.budget_cap is not None else None,
            "judgeEstimated": float(job.judge_estimated_cost),
            "judgeActual": float(job.judge_cost()),
        },
        "errors": _errors(job),
    }
    for _receiver, figures in job_cost_figures.send(sender=BatchJob, job=job):
        status["cost"].update(figures)
    return status


def batches_of(job: BatchJob) -> list[dict[str, Any]]:
    """The job's Message Batches (batch mode), oldest first."""
    return [
        {
            "batchId": batch.anthropic_id,
            "state": batch.state,
            "requests": batch.request_count,
            "counts": batch.counts,
            "estimatedCost": float(batch.estimated_cost),
            "createdAt": batch.created_at.isoformat(),
            "endedAt": batch.ended_at.isoformat() if batch.ended_at else None,
            "error": batch.error,
        }
        for batch in job.message_batches.order_by("created_at")
    ]


def _timing(job: BatchJob, counts: dict[str, int]) -> dict[str, Any]:
    if job.started_at is None:
        return {"startedAt": None, "estimatedCompletion": None, "elapsedSeconds": 0}
    end = job.finished_at or timezone.now()
    elapsed = (end - job.started_at).total_seconds()
    done = counts["completed"] + counts["failed"]
    if job.finished_at:
        completion = job.finished_at
    elif done:
        completion = job.started_at + timedelta(seconds=elapsed * counts["total"] / done)
    else:
        completion = job.started_at + timedelta(seconds=job.estimated_seconds)
    return {
        "startedAt": job.started_at.isoformat(),
        "estimatedCompletion": completion.isoformat(),
        "elapsedSeconds": round(elapsed),
    }


def _errors(job: BatchJob) -> list[dict[str, Any]]:
    rows = (
        job.conversations.exclude(error="")
        .filter(status__in=(Conversation.Status.FAILED, Conversation.Status.PENDING))
        .order_by("sequence_number")
        .values("sequence_number", "error", "retry_scheduled")
    )
    return [
        {
            "conversationIndex": row["sequence_number"] - 1,
            "error": row["error"],
            "retryScheduled": row["retry_scheduled"],
        }
        for row in rows
    ]


def cache_use(job: BatchJob) -> dict[str, int | float]:
    """Tokens the job's generation calls wrote to and read from the cache so far, and the share
    of their input read from it: what the shared prefix actually saved, not what was hoped."""
    sums = GenerationAttempt.objects.filter(
        conversation__batch_job=job, kind=GenerationAttempt.Kind.GENERATION
    ).aggregate(
        plain=Sum("input_tokens"), writes=Sum("cache_write_tokens"), reads=Sum("cache_read_tokens")
    )
    plain, writes, reads = (sums[key] or 0 for key in ("plain", "writes", "reads"))
    total = plain + writes + reads
    return {
        "inputTokens": total,
        "cacheWriteTokens": writes,
        "cacheReadTokens": reads,
        "readShare": round(reads / total, 4) if total else 0.0,
    }


def cache_lines(job: BatchJob) -> list[str]:
    """The shared prefix against the cache minimum, its warning if any, and reads vs writes."""
    summaries, warnings = prefix_lines(job)
    return [*summaries, *warnings, cache_text(cache_use(job))]


def cache_text(use: dict[str, int | float]) -> str:
    return (
        f"Cache so far: {use['cacheReadTokens']:,} tokens read, {use['cacheWriteTokens']:,} "
        f"written; {use['readShare']:.0%} of {use['inputTokens']:,} input tokens read from "
        "the cache"
    )
