"""Coverage pictures an editor takes in at a glance: bars and heatmaps, plain HTML."""

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from generation.models import Tier

register = template.Library()


@register.simple_tag
def bars(counts: dict[str, int], total: int, names: str = "") -> SafeString:
    """`names="tiers"` shows tier keys (edge_case) by their labels (Edge case)."""
    words = dict(Tier.choices) if names == "tiers" else {}
    rows = (
        (words.get(name, name), f"{100 * count / max(total, 1):.1f}", count)
        for name, count in counts.items()
    )
    body = format_html_join(
        "",
        '<tr><th>{}</th><td><div class="eid-bar"><span style="width:{}%"></span></div></td>'
        "<td>{}</td></tr>",
        rows,
    )
    return format_html('<table class="eid-bars">{}</table>', body)


@register.simple_tag
def heatmap(matrix: dict[str, Any] | None) -> SafeString:
    if not matrix:
        return format_html("<p>—</p>")
    peak = max((max(row, default=0) for row in matrix["counts"]), default=0) or 1
    head = format_html_join(
        "", '<th class="eid-col"><span>{}</span></th>', ((c,) for c in matrix["columns"])
    )
    rows = format_html_join(
        "",
        "<tr><th>{}</th>{}</tr>",
        (
            (
                name,
                format_html_join(
                    "",
                    '<td style="background: rgba(32, 112, 160, {})" title="{}">{}</td>',
                    ((f"{count / peak:.2f}", count, count or "") for count in counts),
                ),
            )
            for name, counts in zip(matrix["rows"], matrix["counts"], strict=True)
        ),
    )
    return format_html('<table class="eid-heatmap"><tr><th></th>{}</tr>{}</table>', head, rows)
