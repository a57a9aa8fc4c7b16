"""The conversation list's filters an editor reaches for first: did it pass, which check
failed, how it scored (stored check results live in the `validation` JSON)."""

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from eidataset.labels import CHECK_LABELS
from generation.models import HAND_WRITTEN


class ChecksFilter(admin.SimpleListFilter):
    title = "automated checks"
    parameter_name = "checks"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("passed", "Passed"), ("failed", "Did not pass"), ("unchecked", "Not checked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "passed":
            return queryset.filter(validation__passed=True)
        if value == "failed":
            return queryset.filter(validation__passed=False)
        if value == "unchecked":
            return queryset.exclude(validation__has_key="passed")
        return queryset


class FailedCheckFilter(admin.SimpleListFilter):
    title = "failed check"
    parameter_name = "failed_check"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(CHECK_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        name = self.value()
        if name not in CHECK_LABELS:
            return queryset
        return queryset.filter(**{f"validation__checks__{name}__passed": False})


# Bands around the spec's 7.0 threshold (QUALITY_THRESHOLD): below, near, well above.
SCORE_BANDS = {
    "under5": ("Under 5", None, Decimal("5")),
    "5to7": ("5 to 7", Decimal("5"), Decimal("7")),
    "7to8.5": ("7 to 8.5", Decimal("7"), Decimal("8.5")),
    "8.5up": ("8.5 and over", Decimal("8.5"), None),
}


class ScoreFilter(admin.SimpleListFilter):
    title = "quality score"
    parameter_name = "score"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, band[0]) for key, band in SCORE_BANDS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        band = SCORE_BANDS.get(self.value() or "")
        if band is None:
            return queryset
        _, low, high = band
        if low is not None:
            queryset = queryset.filter(quality_score__gte=low)
        if high is not None:
            queryset = queryset.filter(quality_score__lt=high)
        return queryset


class SourceFilter(admin.SimpleListFilter):
    title = "written by"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("claude", "Claude"),
            ("offline_emulator", "Offline emulator"),
            (HAND_WRITTEN, "By hand (seed examples)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(source=self.value()) if self.value() else queryset
