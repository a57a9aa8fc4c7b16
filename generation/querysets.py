from django.db import models


class ConversationQuerySet(models.QuerySet):
    def for_job(self, job) -> "ConversationQuerySet":
        return self.filter(batch_job=job)

    def pending(self) -> "ConversationQuerySet":
        return self.filter(status="pending")

    def generating(self) -> "ConversationQuerySet":
        return self.filter(status="generating")

    def completed(self) -> "ConversationQuerySet":
        return self.filter(status="completed")

    def failed(self) -> "ConversationQuerySet":
        return self.filter(status="failed")
