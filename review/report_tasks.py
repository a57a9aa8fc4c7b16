"""The admin's quality report, kept per selection instead of computed on every page view.

build_report reads every completed conversation's turns: about 50 s for 10,000, longer than a
proxy waits and wasted when two editors open the page together. So the report of a selection
(every conversation, or one batch job's) is stored in a QualityReportSnapshot with a cheap
fingerprint of the data it came from. A page view compares fingerprints; when the stored report
is stale or missing it starts one attempt, claimed on the snapshot's row so that only one runs
per selection: inline for a small selection (no qcluster needed), else as a django-q2 task.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from generation.models import BatchJob, Conversation
from review.models import QualityReportSnapshot, Review
from review.report import build_report

log = logging.getLogger(__name__)
TASK = "review.report_tasks.compute_quality_report"
Status = QualityReportSnapshot.Status


@dataclass(frozen=True)
class Selection:
    """What a report is of: every conversation, or one batch job's."""

    job: BatchJob | None = None

    @property
    def key(self) -> str:
        return str(self.job.pk) if self.job else QualityReportSnapshot.ALL

    @property
    def name(self) -> str:
        return self.job.name if self.job else "eidataset: all completed conversations"

    def conversations(self) -> QuerySet:
        everything = Conversation.objects.all()
        return everything.filter(batch_job=self.job) if self.job else everything


@dataclass(frozen=True)
class ReportState:
    """A selection's snapshot as a request left it. `fresh`: its report matches the data now;
    `started`: what this request began ("inline" computed it, "queued" sent it to a worker)."""

    snapshot: QualityReportSnapshot
    fresh: bool
    started: str = ""


def fingerprint(selection: Selection) -> dict[str, Any]:
    """What changes when the report's figures may: the completed conversations (count, latest
    completion, scores) and their reviews (count, latest drawn, latest verdict). Two aggregate
    queries, no turns read. Not covered: turns or checks edited in place without a new score,
    and settings or arcs changed; "Recompute now" is for those."""
    completed = selection.conversations().filter(status=Conversation.Status.COMPLETED)
    conversations = completed.aggregate(
        conversations=Count("pk"),
        latest_completed=Max("completed_at"),
        scored=Count("quality_score"),
        score_sum=Sum("quality_score"),
    )
    reviews = Review.objects.filter(conversation__in=completed.values("pk")).aggregate(
        reviews=Count("pk"),
        latest_review=Max("created_at"),
        latest_verdict=Max("reviewed_at"),
    )
    return {key: _plain(value) for key, value in (conversations | reviews).items()}


def _plain(value: Any) -> Any:
    """A value as it reads back from a JSONField, so stored and fresh fingerprints compare."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def refresh(selection: Selection, *, force: bool = False) -> ReportState:
    """The selection's snapshot, after starting an attempt when its report is stale or missing
    (or `force`d by "Recompute now"). An attempt that failed on the same data is not retried
    by itself: the page shows its error until the data changes or an editor asks again."""
    snapshot, _ = QualityReportSnapshot.objects.get_or_create(
        selection=selection.key, defaults={"batch_job": selection.job}
    )
    current = fingerprint(selection)
    started = ""
    if force or _wanted(snapshot, current):
        attempt = claim(snapshot, current)
        if attempt is not None:
            inline = current["conversations"] <= settings.QUALITY_REPORT_INLINE_MAX
            started = _start(snapshot, attempt, inline=inline)
        snapshot.refresh_from_db()  # as this attempt, or another request's, left it
    fresh = bool(snapshot.report_json) and snapshot.fingerprint == current
    return ReportState(snapshot, fresh, started)


def _wanted(snapshot: QualityReportSnapshot, current: dict[str, Any]) -> bool:
    if snapshot.report_json and snapshot.fingerprint == current:
        return False
    failed_on_same_data = (
        snapshot.status == Status.FAILED and snapshot.attempt_fingerprint == current
    )
    return not failed_on_same_data


def claim(snapshot: QualityReportSnapshot, current: dict[str, Any]) -> int | None:
    """Begin the next attempt with one conditional UPDATE: the new attempt's number, or None
    when another request has begun one first or one is under way. An attempt is taken as
    lost once the cluster's `retry` has passed since it was asked for (no qcluster ran, or
    the request computing it died): a task still running then would have outlived the
    cluster's `timeout`, which is shorter. A lost task that starts late finds a newer
    attempt number and does nothing."""
    now = timezone.now()
    lost = now - timedelta(seconds=settings.Q_CLUSTER["retry"])
    free = ~Q(status__in=[Status.QUEUED, Status.COMPUTING]) | Q(requested_at__lt=lost)
    claimed = QualityReportSnapshot.objects.filter(
        free, pk=snapshot.pk, attempt=snapshot.attempt
    ).update(
        status=Status.QUEUED,
        attempt=F("attempt") + 1,
        attempt_fingerprint=current,
        requested_at=now,
        started_at=None,
        finished_at=None,
        error="",
    )
    return snapshot.attempt + 1 if claimed else None


def _start(snapshot: QualityReportSnapshot, attempt: int, *, inline: bool) -> str:
    if inline:
        compute_quality_report(str(snapshot.pk), attempt)
        return "inline"
    transaction.on_commit(lambda: _queue(str(snapshot.pk), attempt))
    return "queued"


def _queue(snapshot_id: str, attempt: int) -> None:
    """Send the attempt to a worker; a broker that cannot take it fails the attempt at once
    (the page says why) instead of leaving it queued until it counts as lost."""
    from django_q.tasks import async_task

    try:
        async_task(
            TASK,
            snapshot_id,
            attempt,
            task_name=f"quality report {snapshot_id} #{attempt}",
            group="quality-report",
        )
    except Exception as error:
        log.exception("Could not queue quality report %s attempt %s", snapshot_id, attempt)
        _finish(snapshot_id, attempt, status=Status.FAILED, error=f"Not queued: {error}")


def compute_quality_report(snapshot_id: str, attempt: int) -> str:
    """The django-q2 task (also run inline for a small selection): build and store one
    attempt's report. Returns quietly when the attempt is not the snapshot's queued one any
    more (a newer attempt replaced it, or the job and its snapshot were deleted)."""
    started = QualityReportSnapshot.objects.filter(
        pk=snapshot_id, attempt=attempt, status=Status.QUEUED
    ).update(status=Status.COMPUTING, started_at=timezone.now())
    rows = QualityReportSnapshot.objects.select_related("batch_job").filter(pk=snapshot_id)
    snapshot = rows.first() if started else None
    if snapshot is None:
        return "skipped"
    selection = Selection(snapshot.batch_job)
    # Taken before the rows are read: a change made meanwhile leaves the report stale.
    current = fingerprint(selection)
    try:
        report = build_report(selection.conversations(), name=selection.name)
        report_json = json.dumps(report, indent=2, ensure_ascii=False)
    except Exception as error:
        log.exception("Quality report %s attempt %s failed", snapshot_id, attempt)
        failure = f"{type(error).__name__}: {error}"
        _finish(snapshot_id, attempt, status=Status.FAILED, error=failure, current=current)
        return "failed"
    _finish(
        snapshot_id,
        attempt,
        status=Status.DONE,
        current=current,
        report_json=report_json,
        conversation_count=report["dataset"]["total_conversations"],
        fingerprint=current,
        computed_at=timezone.now(),
    )
    return "done"


def _finish(
    snapshot_id: str, attempt: int, *, current: dict[str, Any] | None = None, **fields: Any
) -> None:
    """Record how an attempt ended, unless a newer attempt has replaced it meanwhile."""
    if current is not None:
        fields["attempt_fingerprint"] = current
    QualityReportSnapshot.objects.filter(pk=snapshot_id, attempt=attempt).update(
        finished_at=timezone.now(), **fields
    )
