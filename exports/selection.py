"""Which conversations go into a release: completed ones, from some jobs (or all), optionally
only those that passed their checks and only those no reviewer rejected."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from generation.models import BatchJob, Conversation
from review.checklist import REJECTED
from review.models import Review


class SelectionError(ValueError):
    """The selection is invalid or chooses nothing."""


@dataclass(frozen=True)
class Selection:
    jobs: tuple[BatchJob, ...] = field(default_factory=tuple)
    passed_checks: bool = False
    not_rejected: bool = False

    @classmethod
    def from_ids(
        cls, job_ids: Iterable[Any] = (), passed_checks: bool = False, not_rejected: bool = False
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

    def _ids(self) -> QuerySet:
        chosen = Conversation.objects.completed()
        in_jobs = Q(batch_job__in=self.jobs) if self.jobs else Q()
        if self.not_rejected:
            rejected = Review.objects.filter(status=Review.Status.DONE, verdict=REJECTED)
            in_jobs |= Q(pk__in=self._replacements(rejected)) if self.jobs else Q()
            chosen = chosen.filter(in_jobs).exclude(pk__in=rejected.values("conversation_id"))
        else:
            chosen = chosen.filter(in_jobs)
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
