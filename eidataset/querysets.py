from django.db import models


class ScaffoldingQuerySet(models.QuerySet):
    def active(self) -> "ScaffoldingQuerySet":
        return self.filter(is_active=True)


class VersionQuerySet(models.QuerySet):
    def of(self, key: str) -> "VersionQuerySet":
        return self.filter(**{self.model.KEY_FIELD: key})

    def current(self, key: str):  # -> the model instance, or DoesNotExist
        """The newest version of `key`: the one new conversations use."""
        return self.of(key).latest("version")

    def latest_versions(self) -> "VersionQuerySet":
        newest = self.filter(**{self.model.KEY_FIELD: models.OuterRef(self.model.KEY_FIELD)})
        return self.filter(
            version=models.Subquery(newest.order_by("-version").values("version")[:1])
        )
