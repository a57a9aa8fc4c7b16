"""A batch job's status in the spec's shape (the API's and batch_status's answer)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from generation.models import BatchJob, Conversation


def job_status(job: BatchJob) -> dict[str, Any]:
    counts = job.progress()
    return {
        "jobId": str(job.pk),
        "name": job.name,
        "status": job.status,
        "statusReason": job.status_reason,
        "progress": {
            "total": counts["total"],
            "completed": counts["completed"],
            "failed": counts["failed"],
            # Live claims only; a dead worker's conversation waits to be taken up again.
            "inProgress": counts["live"],
            "pending": counts["pending"] + counts["generating"] - counts["live"],
            "cancelled": counts["cancelled"],
        },
        "timing": _timing(job, counts),
        "cost": {
            "estimatedTotal": float(job.estimated_cost),
            "actualCurrent": float(job.actual_cost()),
            "budgetCap": float(job.budget_cap) if job.budget_cap is not None else None,
        },
        "errors": _errors(job),
    }


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
