from typing import TYPE_CHECKING, TypeVar

from django.db import models

if TYPE_CHECKING:
    from eidataset.models import Versioned

# A Versioned model (a type variable: this module cannot import the models that import it).
_V = TypeVar("_V", bound="Versioned")


class ScaffoldingQuerySet(models.QuerySet):
    def active(self) -> "ScaffoldingQuerySet":
        return self.filter(is_active=True)


class VersionQuerySet(models.QuerySet[_V]):
    def of(self, key: str) -> "VersionQuerySet[_V]":
        return self.filter(**{self.model.KEY_FIELD: key})

    def current(self, key: str) -> _V:
        """The newest version of `key`: the one new conversations use (DoesNotExist if none)."""
        return self.of(key).latest("version")

    def latest_versions(self) -> "VersionQuerySet[_V]":
        newest = self.filter(**{self.model.KEY_FIELD: models.OuterRef(self.model.KEY_FIELD)})
        return self.filter(
            version=models.Subquery(newest.order_by("-version").values("version")[:1])
        )
