from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

CHECK_TASK = "review.validation.check_unchecked"


def ensure_check_schedule(**kwargs: Any) -> None:
    """Every qcluster checks, each minute, any stored conversation whose checks never ran."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        func=CHECK_TASK,
        defaults={
            "name": "Check conversations stored without their checks",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from generation.signals import conversation_completed
        from review.validation import check_completed

        conversation_completed.connect(check_completed, dispatch_uid="review_check_completed")
        post_migrate.connect(ensure_check_schedule, sender=self, dispatch_uid="review_checks")
