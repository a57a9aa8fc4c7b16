from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

CHECK_TASK = "review.validation.check_unchecked"
JUDGE_SWEEP_TASK = "review.judging.sweep_judging"


def ensure_check_schedule(**kwargs: Any) -> None:
    """Every qcluster checks, each minute, any stored conversation whose checks never ran."""
    from eidataset.schedules import every_minute

    every_minute(CHECK_TASK, "Check conversations stored without their checks")
    every_minute(JUDGE_SWEEP_TASK, "Judge conversations whose judge call was lost")


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from generation.signals import conversation_completed, job_cost_figures
        from review.economics import job_cost_figures as cost_figures
        from review.judging import judge_completed
        from review.validation import check_completed

        # In this order: the checks first, then the judge (whose verdict re-checks).
        conversation_completed.connect(check_completed, dispatch_uid="review_check_completed")
        conversation_completed.connect(judge_completed, dispatch_uid="review_judge_completed")
        job_cost_figures.connect(cost_figures, dispatch_uid="review_cost_figures")
        post_migrate.connect(ensure_check_schedule, sender=self, dispatch_uid="review_checks")
