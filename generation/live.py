"""A batch job followed live: the admin's job page polls `live_view` (a small JSON document)
and redraws its bar, counts, rate, ETA, cost, cache use and worker warning without reloading."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from generation.clusters import clusters_seen, workers_needed
from generation.models import BatchJob
from generation.prompts import prefix_lines, shared_prefix
from generation.status import cache_text, cache_use, job_status

NO_WORKER = (
    "No worker has been seen in the last few seconds: nothing is being written. "
    "Start one in a terminal with: python manage.py qcluster"
)


def duration(seconds: float) -> str:
    """45 s, 3 min 10 s, 2 h 05 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def moment(when: datetime | None) -> str:
    if when is None:
        return "–"
    ago = (timezone.now() - when).total_seconds()
    clock = timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"{clock} ({duration(ago)} ago)" if ago >= 0 else clock


def concurrency_text(job: BatchJob) -> str:
    """The live width: '3', or 'auto: 7 now (at most 12)'."""
    if job.mode == BatchJob.Mode.BATCH:
        return "none: sent as Message Batches"
    if not job.concurrency_auto:
        return str(job.concurrency)
    return f"auto: {job.concurrency} now (at most {job.concurrency_ceiling})"


def live_status(job: BatchJob) -> dict[str, Any]:
    status = job_status(job)
    progress = status["progress"]
    done = progress["completed"] + progress["failed"]
    total = progress["total"] or 0
    elapsed = _elapsed(job)
    return {
        **status,
        "statusLabel": job.get_status_display(),
        "percent": round(100 * done / total) if total else 0,
        "countsText": _counts(progress),
        "inFlight": progress["inProgress"],
        "batchesText": batches_text(status["batches"]),
        "concurrencyText": concurrency_text(job),
        "rateText": _rate(done, elapsed),
        "etaText": _eta(job, done, total, elapsed),
        "costText": _cost(status["cost"]),
        "perConversationText": per_conversation(status["cost"]),
        "startedText": moment(job.started_at),
        "finishedText": moment(job.finished_at),
        "elapsedText": duration(elapsed) if job.started_at else "not started",
        "actions": {
            "pause": job.status in BatchJob.ACTIVE,
            "resume": job.status == BatchJob.Status.PAUSED,
            "cancel": job.status in (*BatchJob.ACTIVE, BatchJob.Status.PAUSED),
        },
        "workerWarning": _worker_warning(job, progress),
        **_cache(job),
    }


def batches_text(batches: list[dict[str, Any]]) -> str:
    """'msgbatch_01… in progress (100 requests); msgbatch_02… stored (40 requests: 38
    succeeded, 2 errored)', or 'none' (a standard job, or nothing sent yet)."""
    if not batches:
        return "none"
    parts = []
    for batch in batches:
        counts = ", ".join(f"{n} {name}" for name, n in batch["counts"].items() if n)
        label = batch["batchId"] or "(create call unanswered)"
        parts.append(
            f"{label} {batch['state'].replace('_', ' ')} ({batch['requests']} requests"
            + (f": {counts})" if counts else ")")
        )
    return "; ".join(parts)


def _cache(job: BatchJob) -> dict[str, Any]:
    """The shared prefix against the cache minimum, and the cache reads and writes so far."""
    prefix = shared_prefix(job, job.arms()[0])  # arm A's in an A/B job; both in the texts
    summaries, warnings = prefix_lines(job)
    use = cache_use(job)
    return {
        "cache": {**use, "prefixTokens": prefix.tokens, "minimumTokens": prefix.minimum},
        "prefixText": "; ".join(summaries),
        "prefixWarning": " ".join(warnings),
        "cacheText": cache_text(use),
    }


def _elapsed(job: BatchJob) -> float:
    if job.started_at is None:
        return 0.0
    return ((job.finished_at or timezone.now()) - job.started_at).total_seconds()


def _counts(progress: dict[str, int]) -> str:
    parts = [f"{progress['completed']} completed", f"{progress['failed']} failed"]
    parts += [f"{progress['inProgress']} being written", f"{progress['pending']} waiting"]
    if progress["cancelled"]:
        parts.append(f"{progress['cancelled']} cancelled")
    return f"{', '.join(parts)} (of {progress['total']})"


def _rate(done: int, elapsed: float) -> str:
    if not done or elapsed <= 0:
        return "–"
    return f"{60 * done / elapsed:.1f} conversations a minute"


def _eta(job: BatchJob, done: int, total: int, elapsed: float) -> str:
    if job.status in BatchJob.FINISHED:
        return f"finished {moment(job.finished_at)}"
    if job.status == BatchJob.Status.PAUSED:
        return "paused"
    if not done:
        planned = f" (planned: about {duration(job.estimated_seconds)})"
        return "known after the first conversations" + (planned if job.estimated_seconds else "")
    left = elapsed * (total - done) / done
    finish = timezone.localtime(timezone.now() + timedelta(seconds=left))
    return f"about {duration(left)} (around {finish:%H:%M %Z})"


def _cost(cost: dict[str, Any]) -> str:
    text = f"${cost['actualCurrent']:.4f} of an estimated ${cost['estimatedTotal']:.4f}"
    if cost["budgetCap"] is not None:
        text += f"; budget cap ${cost['budgetCap']:.2f}"
    return text


def per_conversation(cost: dict[str, Any]) -> str:
    """'$0.0123 per conversation written; $0.0150 per conversation kept (95 of 100 kept)'."""
    if cost.get("perGenerated") is None:
        return "known after the first conversations"
    text = f"${cost['perGenerated']:.4f} per conversation written"
    if cost.get("perAccepted") is None:
        return text + "; none kept yet (passed its checks, not rejected)"
    return (
        f"{text}; ${cost['perAccepted']:.4f} per conversation kept ({cost['accepted']} of "
        f"{cost['generated']} passed their checks and were not rejected)"
    )


def _worker_warning(job: BatchJob, progress: dict[str, int]) -> str:
    waiting = progress["pending"] + progress["inProgress"]
    if job.status not in BatchJob.ACTIVE or not waiting or not workers_needed():
        return ""
    return "" if clusters_seen() else NO_WORKER


def links(job: BatchJob) -> dict[str, str]:
    conversations = reverse("admin:generation_conversation_changelist")
    query = f"?batch_job__id__exact={job.pk}"
    return {
        "live": reverse("admin:generation_batchjob_live", args=[job.pk]),
        "conversations": conversations + query,
        "failing": conversations + query + "&checks=failed",
        **{verb: reverse(f"batch-{verb}", args=[job.pk]) for verb in ("pause", "resume", "cancel")},
    }


@staff_member_required
def live_view(request: HttpRequest, pk: Any) -> JsonResponse:
    if not request.user.has_perm("generation.view_batchjob"):
        raise PermissionDenied
    return JsonResponse(live_status(get_object_or_404(BatchJob, pk=pk)))
