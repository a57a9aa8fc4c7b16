"""`{{ key|label }}` and `{{ name|check_label }}`: stored keys shown in words."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from eidataset import labels, rows

register = template.Library()


@register.filter
def label(key: object) -> str:
    return labels.label(key)


@register.filter
def check_label(key: str) -> str:
    return labels.check_label(key)


@register.simple_tag
def data_table(value: Any) -> SafeString:
    return rows.data_table(value)
