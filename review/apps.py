from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

CHECK_TASK = "review.validation.check_unchecked"


def ensure_check_schedule(**kwargs: Any) -> None:
    """Every qcluster checks, each minute, any stored conversation whose checks never ran."""
    from eidataset.schedules import every_minute

    every_minute(CHECK_TASK, "Check conversations stored without their checks")


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from generation.signals import conversation_completed
        from review.validation import check_completed

        conversation_completed.connect(check_completed, dispatch_uid="review_check_completed")
        post_migrate.connect(ensure_check_schedule, sender=self, dispatch_uid="review_checks")
