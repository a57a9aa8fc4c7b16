"""Free-form JSON shown as people read it: a mapping as a table of labelled rows, a list of
plain values as one line, nested mappings as tables inside the row."""

from collections.abc import Mapping
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from eidataset.labels import label

EMPTY = "–"


def data_table(value: Any) -> SafeString:
    """`value` (a JSONField's content) as HTML: never raw JSON."""
    if isinstance(value, Mapping):
        if not value:
            return format_html("{}", EMPTY)
        rows = ((label(key), data_table(item)) for key, item in value.items())
        return format_html(
            '<table class="eid-data"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )
    if isinstance(value, list):
        if not value:
            return format_html("{}", EMPTY)
        if all(not isinstance(item, (Mapping, list)) for item in value):
            return format_html("{}", ", ".join(plain(item) for item in value))
        return format_html_join("", "<div>{}</div>", ((data_table(item),) for item in value))
    return format_html("{}", plain(value))


def plain(value: Any) -> str:
    """A scalar as words: yes/no for booleans, a dash for nothing."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def one_line(value: Any) -> str:
    """`value` as one line of words (an import preview's cell): never a Python dict."""
    if isinstance(value, Mapping):
        return "; ".join(f"{label(key)}: {one_line(item)}" for key, item in value.items()) or EMPTY
    if isinstance(value, list):
        if all(not isinstance(item, (Mapping, list)) for item in value):
            return ", ".join(plain(item) for item in value) or EMPTY
        return " | ".join(one_line(item) for item in value)
    return plain(value)
