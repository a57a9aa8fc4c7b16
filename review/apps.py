from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from generation.signals import conversation_completed
        from review.validation import check_completed

        conversation_completed.connect(check_completed, dispatch_uid="review_check_completed")
