"""Which conversations go into a release: completed ones, from some jobs (or all), by default
only those that passed their checks and that no reviewer rejected (issue 10: a release keeps
what passed the gate unless told otherwise), and how many the filters left out and why.

`Selection()` itself filters nothing (the quality report reads every conversation);
`Selection.for_release()` and `from_ids()` start from the release defaults.
"""

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from generation.models import BatchJob, Conversation
from review.checklist import REJECTED
from review.models import Review


class SelectionError(ValueError):
    """The selection is invalid or chooses nothing."""


# Why a completed conversation of the chosen jobs is not in the release.
LEFT_OUT_REASONS = {
    "rejected": "rejected by a reviewer",
    "failed_checks": "failed their automated checks",
    "not_checked": "never checked",
}


@dataclass(frozen=True)
class Selection:
    jobs: tuple[BatchJob, ...] = field(default_factory=tuple)
    passed_checks: bool = False
    not_rejected: bool = False

    @classmethod
    def for_release(
        cls,
        jobs: Iterable[BatchJob] = (),
        include_failed: bool = False,
        include_rejected: bool = False,
    ) -> "Selection":
        """What a release keeps unless told otherwise: passed its checks, not rejected."""
        return cls(tuple(jobs), not include_failed, not include_rejected)

    @classmethod
    def from_ids(
        cls, job_ids: Iterable[Any] = (), passed_checks: bool = True, not_rejected: bool = True
    ) -> "Selection":
        """A selection from job ids as typed by a person; an unknown or malformed id is an error."""
        ids = [str(job_id).strip() for job_id in job_ids]
        jobs: list[BatchJob] = []
        for job_id in dict.fromkeys(ids):
            try:
                job = BatchJob.objects.filter(pk=uuid.UUID(job_id)).first()
            except ValueError:
                raise SelectionError(f"{job_id!r} is not a batch job id.") from None
            if job is None:
                raise SelectionError(f"No batch job with id {job_id!r}.")
            jobs.append(job)
        return cls(tuple(jobs), passed_checks, not_rejected)

    def describe(self) -> dict[str, Any]:
        """The selection as stored on the Release row."""
        return {
            "jobs": [str(job.pk) for job in self.jobs],
            "completed": True,
            "passed_checks": self.passed_checks,
            "not_rejected": self.not_rejected,
        }

    def conversations(self) -> QuerySet:
        """The chosen conversations in a stable order, with what an export reads beside them."""
        return (
            Conversation.objects.filter(pk__in=self._ids())
            .select_related(
                "batch_job",
                "persona",
                "emotional_arc",
                "training_topic",
                "edge_case",
                "consultant_profile",
                "prompt_template",
            )
            .prefetch_related(
                Prefetch("reviews", queryset=Review.objects.filter(status=Review.Status.DONE))
            )
            .order_by("batch_job__created_at", "batch_job_id", "sequence_number", "pk")
        )

    def left_out(self) -> dict[str, Any]:
        """How many completed conversations of the chosen jobs the filters left out, by reason
        (each counted once, under the first reason that applies), and the failed ones by the
        checks they failed: {"total", "by_reason": {...}, "failed_by_check": {...}}."""
        candidates = self._candidates()
        by_reason = dict.fromkeys(LEFT_OUT_REASONS, 0)
        if self.not_rejected:
            by_reason["rejected"] = candidates.filter(pk__in=self._rejected_ids()).count()
            candidates = candidates.exclude(pk__in=self._rejected_ids())
        failed_by_check: Counter = Counter()
        if self.passed_checks:
            failed = candidates.filter(validation__passed=False)
            for validation in failed.values_list("validation", flat=True).iterator():
                failed_by_check.update(_failed_checks(validation))
            by_reason["failed_checks"] = failed.count()
            by_reason["not_checked"] = (
                candidates.count()
                - by_reason["failed_checks"]
                - candidates.filter(validation__passed=True).count()
            )
        return {
            "total": sum(by_reason.values()),
            "by_reason": by_reason,
            "failed_by_check": dict(failed_by_check.most_common()),
        }

    def _candidates(self) -> QuerySet:
        """The completed conversations the filters choose from."""
        in_jobs = Q(batch_job__in=self.jobs) if self.jobs else Q()
        if self.not_rejected and self.jobs:
            in_jobs |= Q(pk__in=self._replacements(self._rejected()))
        return Conversation.objects.completed().filter(in_jobs)

    def _rejected(self) -> QuerySet:
        return Review.objects.filter(status=Review.Status.DONE, verdict=REJECTED)

    def _rejected_ids(self) -> QuerySet:
        return self._rejected().values("conversation_id")

    def _ids(self) -> QuerySet:
        chosen = self._candidates()
        if self.not_rejected:
            chosen = chosen.exclude(pk__in=self._rejected_ids())
        if self.passed_checks:
            chosen = chosen.filter(validation__passed=True)
        return chosen.values("pk")

    def _replacements(self, rejected: QuerySet) -> list[Any]:
        """Regenerations that stand in for rejected conversations of the chosen jobs, following
        a chain (a replacement rejected in turn) to its end."""
        replaced = set(
            Conversation.objects.filter(batch_job__in=self.jobs).values_list("pk", flat=True)
        )
        found: list[Any] = []
        frontier = replaced
        while frontier:
            step = (
                set(
                    rejected.filter(conversation_id__in=frontier, replacement__isnull=False)
                    .values_list("replacement_id", flat=True)
                    .distinct()
                )
                - replaced
            )
            found.extend(step)
            replaced |= step
            frontier = step
        return found


def _failed_checks(validation: Any) -> list[str]:
    checks = validation.get("checks") if isinstance(validation, dict) else None
    if not isinstance(checks, dict):
        return []
    return [name for name, check in checks.items() if not (check or {}).get("passed")]
